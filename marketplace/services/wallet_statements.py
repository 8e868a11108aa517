"""Account statements: the entries of one account with the running balance after each."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, Message, ValidationFailed
from marketplace.models.base import as_utc
from marketplace.models.ledger import LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.money import format_yuan
from marketplace.pagination import Page, PageRequest, paginate_rows
from marketplace.rules.limits import MAX_QUERY_DATE, MIN_QUERY_DATE
from marketplace.services.ledger import owner_of


@dataclass(frozen=True)
class StatementLine:
    """One movement on the account: the transaction, its signed amount and the balance after it."""

    transaction_id: int
    created_at: datetime
    kind: str
    amount: int
    balance_after: int
    reference_type: str | None
    reference_id: str | None


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(raw: object, field: str) -> date | None:
    """A YYYY-MM-DD date (ASCII digits) from MIN_QUERY_DATE to MAX_QUERY_DATE from a query
    string (None when empty); anything else is a ValidationFailed naming `field`."""
    if raw in (None, ""):
        return None
    text = str(raw)
    try:
        day = date.fromisoformat(text) if _DAY.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        message = N_("Enter a date as YYYY-MM-DD.")
        raise ValidationFailed(message, fields={field: [message]})
    if not MIN_QUERY_DATE <= day <= MAX_QUERY_DATE:
        bounds = {"min": MIN_QUERY_DATE.isoformat(), "max": MAX_QUERY_DATE.isoformat()}
        message = N_("Enter a date from %(min)s to %(max)s.")
        raise ValidationFailed(message, fields={field: [Message(message, **bounds)]}, **bounds)
    return day


def day_bounds(
    start: date | None, end: date | None, timezone: str
) -> tuple[datetime | None, datetime | None]:
    """[start 00:00, the day after end 00:00) in the platform's time zone, as UTC datetimes."""
    if start and end and start > end:
        message = N_("The start date must not be after the end date.")
        raise ValidationFailed(message, fields={"from": [message]})
    zone = ZoneInfo(timezone)
    since = datetime.combine(start, time.min, zone).astimezone(ZoneInfo("UTC")) if start else None
    until = (
        datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(ZoneInfo("UTC")) if end else None
    )
    return since, until


def _statement_query(
    owner, *, kind: str, since: datetime | None, until: datetime | None, newest_first: bool
) -> sa.Select:
    owner_type, owner_id = owner_of(owner)
    order = LedgerEntry.id.desc() if newest_first else LedgerEntry.id
    query = (
        sa.select(
            LedgerTransaction.id,
            LedgerTransaction.created_at,
            LedgerTransaction.kind,
            LedgerEntry.amount,
            LedgerEntry.balance_after,
            LedgerTransaction.reference_type,
            LedgerTransaction.reference_id,
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerAccount.owner_type == owner_type,
            LedgerAccount.owner_id == owner_id,
            LedgerAccount.kind == kind,
        )
        .order_by(order)
    )
    if since is not None:
        query = query.where(LedgerTransaction.created_at >= since)
    if until is not None:
        query = query.where(LedgerTransaction.created_at < until)
    return query


def _line(row: sa.Row) -> StatementLine:
    return StatementLine(row[0], as_utc(row[1]), *row[2:])


def statement(
    session: so.Session,
    owner,
    *,
    kind: str = "wallet",
    since: datetime | None = None,
    until: datetime | None = None,
    newest_first: bool = True,
) -> list[StatementLine]:
    """Every movement of the account in [since, until), newest first unless asked otherwise (exports)."""
    query = _statement_query(owner, kind=kind, since=since, until=until, newest_first=newest_first)
    return [_line(row) for row in session.execute(query)]


def statement_page(
    session: so.Session,
    owner,
    page: PageRequest,
    *,
    kind: str = "wallet",
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page:
    """One page of the account's movements in [since, until), newest first."""
    query = _statement_query(owner, kind=kind, since=since, until=until, newest_first=True)
    return paginate_rows(session, query, page, _line)


def to_csv(lines: Iterable[StatementLine], headers: list[str], labels: dict[str, str], timezone: str) -> str:
    """CSV text of a statement: time (platform zone), kind, amount, balance after, transaction."""
    zone = ZoneInfo(timezone)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for line in lines:
        writer.writerow(
            [
                line.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                labels.get(line.kind, line.kind),
                format_yuan(line.amount),
                format_yuan(line.balance_after),
                line.transaction_id,
            ]
        )
    return out.getvalue()
