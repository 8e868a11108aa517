"""flask audit verify."""

import sys

import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.services import integrity, unit_of_work

group = AppGroup("audit", help="The tamper-evident audit log.")


@group.command("verify")
@click.option(
    "--full/--incremental",
    default=True,
    show_default=True,
    help="Recompute every event, or only those after the newest stored checkpoint.",
)
def verify(full: bool) -> None:
    """Recompute the hash chain and store the result; exit 1 and name the first broken event.

    Run the full check on a schedule: an incremental one does not read events before its
    checkpoint again, so only the full check finds a row changed there.
    """
    report = unit_of_work.run(
        db.session, lambda: integrity.verify_audit_chain(db.session, actor=None, source="cli", full=full)
    )
    scope = "" if full else f" ({report.read} new events hashed)"
    if report.ok:
        click.echo(f"ok: {report.events} events, chain intact{scope}")
        return
    click.echo(
        f"BROKEN at seq {report.first_broken_seq}: {report.reason} ({report.events} events read){scope}",
        err=True,
    )
    sys.exit(1)
