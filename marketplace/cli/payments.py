"""flask payments reconcile --date D; flask payments sync."""

import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.money import format_yuan
from marketplace.services import payment_flows, unit_of_work, wallet_statements
from marketplace.services.reconcile import reconcile

group = AppGroup("payments", help="Payments at the provider.")


def _yuan(fen):
    return "—" if fen is None else format_yuan(fen)


@group.command("reconcile")
@click.option(
    "--date",
    "day",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to reconcile (platform time zone), YYYY-MM-DD.",
)
def reconcile_command(day) -> None:
    """Compare the ledger's gateway_clearing movements of one day with the provider's records."""
    start, end = wallet_statements.day_bounds(
        day.date(), day.date(), current_app.config["BABEL_DEFAULT_TIMEZONE"]
    )
    report = reconcile(db.session, gateway(), start, end)
    unit_of_work.end_read(db.session)
    click.echo(
        f"{gateway().name} {date.isoformat(day.date())}: ledger {format_yuan(report.ledger_total)}, "
        f"provider {format_yuan(report.provider_total)}, {report.matched} matched, "
        f"{len(report.mismatches)} mismatched"
    )
    for item in report.mismatches:
        click.echo(
            f"  MISMATCH {item.provider_id or '-'} payment {item.payment_id or '-'}: "
            f"ledger {_yuan(item.ledger_amount)}, provider {_yuan(item.provider_amount)}: "
            f"{item.reason}"
        )
    if not report.ok:
        sys.exit(1)


@group.command("sync")
def sync_command() -> None:
    """Fetch the provider's state of every open payment and apply it (for lost webhook events)."""
    synced = payment_flows.sync_open_payments(db.session, gateway())
    for payment_id, status in synced:
        click.echo(f"payment {payment_id}: provider says {status}")
    click.echo(f"{len(synced)} open payments checked")
