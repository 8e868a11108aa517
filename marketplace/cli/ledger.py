"""flask ledger check."""

import sys

import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.services import integrity, unit_of_work

group = AppGroup("ledger", help="The double-entry ledger.")


@group.command("check")
@click.option(
    "--full/--incremental",
    default=True,
    show_default=True,
    help="Check the whole ledger, or only what was posted after the newest stored check.",
)
def check(full: bool) -> None:
    """Check every transaction sums to zero and every balance matches its entries, store the
    result; exit 1 if not. Run the full check on a schedule (see services/ledger_check.py for
    what only it finds)."""
    report = unit_of_work.run(
        db.session, lambda: integrity.check_ledger(db.session, actor=None, source="cli", full=full)
    )
    summary = f"{report.transactions} transactions, {report.entries} entries, {report.accounts} accounts"
    if not full:
        summary += f" ({report.read} transactions read)"
    if report.ok:
        click.echo(f"ok: {summary}, consistent")
        return
    click.echo(f"PROBLEMS ({len(report.problems)}) in {summary}:", err=True)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)
