"""flask ledger check."""

import sys

import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.services.ledger_check import check as check_ledger

group = AppGroup("ledger", help="The double-entry ledger.")


@group.command("check")
def check() -> None:
    """Check every transaction sums to zero and every balance matches its entries; exit 1 if not."""
    report = check_ledger(db.session)
    summary = f"{report.transactions} transactions, {report.entries} entries, {report.accounts} accounts"
    if report.ok:
        click.echo(f"ok: {summary}, consistent")
        return
    click.echo(f"PROBLEMS ({len(report.problems)}) in {summary}:", err=True)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)
