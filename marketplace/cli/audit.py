"""flask audit verify."""

import sys

import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.services import audit

group = AppGroup("audit", help="The tamper-evident audit log.")


@group.command("verify")
def verify() -> None:
    """Recompute the hash chain; exit 1 and name the first broken event if it is broken."""
    report = audit.verify_chain(db.session)
    if report.ok:
        click.echo(f"ok: {report.events} events, chain intact")
        return
    click.echo(
        f"BROKEN at seq {report.first_broken_seq}: {report.reason} "
        f"({report.events} events read)", err=True,
    )
    sys.exit(1)
