"""flask payments reconcile --date D; flask payments sync."""

import sys
from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.cli.ledger import DURATION, describe_duration
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


STUCK_OUTCOMES = {
    "failed": "failed (a deposit: nothing was charged)",
    "resumed": "asked the provider again with its key: {status}",
    "left": "the provider cannot be reached; the next sync asks again",
    "manual": "older than the provider keeps its keys: check the provider's dashboard by hand",
}


@group.command("sync")
@click.option(
    "--stuck-after",
    type=DURATION,
    default=None,
    help="Recover payments still `created` without a provider id after this long, e.g. 15m, 2h "
    "(default: PAYMENT_STUCK_MINUTES).",
)
def sync_command(stuck_after: timedelta | None) -> None:
    """Fetch the provider's state of every open payment and apply it (for lost webhook events);
    recover payments stuck before the provider answered (a crash): a deposit is failed, a payout
    asked of the provider again with its own idempotency key (exit 1 if one needs a person)."""
    synced = payment_flows.sync_open_payments(db.session, gateway())
    for payment_id, status in synced:
        click.echo(f"payment {payment_id}: provider says {status}")
    click.echo(f"{len(synced)} open payments checked")
    if stuck_after is None:
        stuck_after = timedelta(minutes=current_app.config["PAYMENT_STUCK_MINUTES"])
    stuck = payment_flows.recover_stuck_payments(db.session, gateway(), older_than=stuck_after)
    for payment in stuck:
        click.echo(
            f"payment {payment.id} ({payment.kind} of {format_yuan(payment.amount)} yuan, user "
            f"{payment.user_id}): stuck in created since {payment.created_at:%Y-%m-%d %H:%M:%S} UTC, "
            + STUCK_OUTCOMES[payment.outcome].format(status=payment.status)
            + (f", {format_yuan(payment.returned)} yuan returned to the wallet" if payment.returned else "")
        )
    click.echo(f"{len(stuck)} stuck payments found (created over {describe_duration(stuck_after)} ago)")
    if any(payment.outcome == "manual" for payment in stuck):
        sys.exit(1)
