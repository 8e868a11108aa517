"""flask ledger check."""

import re
import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.models.base import utcnow
from marketplace.services import integrity, ledger_check, unit_of_work

group = AppGroup("ledger", help="The double-entry ledger.")

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class Duration(click.ParamType):
    """A length of time such as 90s, 15m, 36h or 7d (a bare number is hours)."""

    name = "duration"

    def convert(self, value, param, ctx):
        if isinstance(value, timedelta):
            return value
        match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([smhd]?)\s*", str(value))
        if not match:
            self.fail(f"{value!r} is not a duration such as 90s, 15m, 36h or 7d", param, ctx)
        number, unit = float(match[1]), match[2] or "h"
        return timedelta(**{_UNITS[unit]: number})


DURATION = Duration()


def describe_duration(duration: timedelta) -> str:
    """15m, 36h, 7d: the largest whole unit (seconds otherwise)."""
    seconds = int(duration.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@group.command("check")
@click.option(
    "--full/--incremental",
    default=True,
    show_default=True,
    help="Check the whole ledger, or only what was posted after the newest stored check.",
)
@click.option(
    "--hold-age",
    type=DURATION,
    default=None,
    help="Report money held for longer than this, e.g. 36h or 7d (default: HOLD_MAX_AGE_HOURS).",
)
def check(full: bool, hold_age: timedelta | None) -> None:
    """Check every transaction sums to zero and every balance matches its entries, store the
    result, and report money held for longer than --hold-age; exit 1 if anything is found. Run
    the full check on a schedule (see services/ledger_check.py for what only it finds)."""
    if hold_age is None:
        hold_age = timedelta(hours=current_app.config["HOLD_MAX_AGE_HOURS"])
    report = unit_of_work.run(
        db.session, lambda: integrity.check_ledger(db.session, actor=None, source="cli", full=full)
    )
    now = utcnow()
    holds = ledger_check.old_holds(db.session, older_than=hold_age, now=now)
    unit_of_work.end_read(db.session)
    summary = f"{report.transactions} transactions, {report.entries} entries, {report.accounts} accounts"
    if not full:
        summary += f" ({report.read} transactions read)"
    if report.ok:
        click.echo(f"ok: {summary}, consistent")
    else:
        click.echo(f"PROBLEMS ({len(report.problems)}) in {summary}:", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
    if holds:
        click.echo(f"OLD HOLDS ({len(holds)}) held for over {describe_duration(hold_age)}:", err=True)
        for hold in holds:
            click.echo(f"  {hold.describe(now)}", err=True)
    else:
        click.echo(f"ok: no money held for over {describe_duration(hold_age)}")
    if not report.ok or holds:
        sys.exit(1)
