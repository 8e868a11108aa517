"""flask listings close-due [--now ISO]: close the listings whose time has come and pay out their loans."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models.base import utcnow
from marketplace.money import format_rate, format_yuan
from marketplace.services import loans
from marketplace.services.loans import CloseDueReport, PayoutResult

group = AppGroup("listings", help="Listings on the marketplace.")


def parse_now(value: str | None, zone: str) -> datetime:
    """`--now` as an aware UTC time: an ISO timestamp, read in the platform's zone without an offset."""
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 timestamp", param_hint="--now") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def describe_payout(payout: PayoutResult) -> str:
    """One line's worth about a loan's payout, saying where the money is when it did not go out."""
    text = f"payout of loan {payout.loan_id}: {payout.status}"
    if payout.payment_id:
        text += f" (payment {payout.payment_id})"
    if payout.reason:
        text += f", {payout.reason}"
    if payout.left_in_wallet:
        text += f"; {format_yuan(payout.amount)} yuan stays in the SME's wallet"
    elif payout.status == "processing":
        text += "; the provider has not answered yet (flask payments sync asks again)"
    return text


def report_lines(report: CloseDueReport) -> list[str]:
    """What close-due prints: one line per listing closed, one per payout resumed, a total."""
    lines = []
    for outcome in report.closed:
        closed = outcome.closed
        line = f"listing {closed.listing_id}: {closed.status}"
        if closed.status == "funded":
            rate = format_rate(outcome.rate_bps)
            line += f", {format_yuan(closed.loan_fen)} yuan at {rate}, loan {closed.loan_id}"
            line += "; " + describe_payout(outcome.payout)
        else:
            line += ", below its minimum fill: no loan; every bid and the fund's commitment released"
        lines.append(line)
    lines += [describe_payout(payout) for payout in report.resumed]
    lines.append(f"{len(report.closed)} listings closed, {len(report.resumed)} earlier payouts started")
    return lines


def close_due(now: datetime) -> CloseDueReport:
    """The command's work, callable from a job runner (and from several processes at once)."""
    return loans.close_due(db.session, gateway(), now)


@group.command("close-due")
@click.option("--now", "now_text", default=None, help="Close as of this ISO 8601 time (default: now).")
def close_due_command(now_text: str | None) -> None:
    """Close every listing due, one transaction each; start each funded loan's payout to the SME."""
    now = parse_now(now_text, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    for line in report_lines(close_due(now)):
        click.echo(line)
