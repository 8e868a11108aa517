"""The ledger's consistency check (`flask ledger check`, the admin payments page): in full, or
incrementally from where the previous check stopped.

Why an incremental check is sound, and what only the full check finds:

- Ledger transactions and entries are append-only (database triggers refuse UPDATE and DELETE),
  so a transaction checked once stays balanced unless an entry is *added* to it later; entries
  added after the previous check are looked at, whichever transaction they belong to.
- Ids become visible in id order: `ledger.post` draws them while holding the audit chain's lock,
  which it keeps until its transaction commits. So when a check reads the highest ids first,
  every posting with a lower id has committed and the check sees it; a posting still running
  gets a higher id and is covered by the next check.
- Running balances, by induction from the last full check: that check found every account's
  last `balance_after` equal to the sum of its entries and to its cached balance, and each later
  check that found no problem kept it so. For an account with new entries it suffices that each
  new entry's `balance_after` is the previous entry's plus its amount (the entry before the
  position is the anchor) and that the last one equals the cached balance: the work is the new
  entries, not the account's whole history (the platform's clearing account has an entry in
  nearly every transaction). A check that found problems is followed by a full one
  (`marketplace.services.integrity`), so the induction never starts from a broken state.
- A cached balance changes only with a new entry on its account; the sum of all balances (zero)
  and the wallet-type accounts' signs are read over every account (the accounts table is small).
- Not covered: a cached balance edited behind the service's back on an account without new
  entries, with a second edit elsewhere so that the total stays zero, or an entry inserted with
  an id below the position. Only the full check (run on a schedule from the command line) finds
  those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import as_utc, utcnow
from marketplace.models.ledger import NON_NEGATIVE_KINDS, LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.money import format_yuan


@dataclass
class LedgerReport:
    """What the check read and every problem it found (empty `problems` means consistent).

    `transactions` and `entries` count everything covered up to `last_transaction_id` and
    `last_entry_id` (the position the next incremental check starts from); `read` is how many
    transactions this check summed.
    """

    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    total_balance: int = 0
    problems: list[str] = field(default_factory=list)
    last_transaction_id: int = 0
    last_entry_id: int = 0
    read: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "transactions": self.transactions,
            "entries": self.entries,
            "accounts": self.accounts,
            "problems": list(self.problems),
        }


def check(session: so.Session, *, limit: int = 100) -> LedgerReport:
    """Every transaction sums to zero with two or more entries, every cached balance equals the
    sum of its account's entries (and its last `balance_after`), no wallet-type balance is below
    zero. At most `limit` problems of each sort are listed."""
    report = _at_newest_ids(session)
    report.transactions = session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction))
    report.entries = session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
    report.read = report.transactions
    _check_transactions(session, report, None, limit)
    _check_accounts(session, report)
    report.accounts = session.scalar(sa.select(sa.func.count()).select_from(LedgerAccount))
    if report.total_balance != 0:
        report.problems.append(f"all balances sum to {format_yuan(report.total_balance)}, not 0.00")
    return report


def check_after(
    session: so.Session,
    *,
    last_transaction_id: int,
    last_entry_id: int,
    transactions: int,
    entries: int,
    limit: int = 100,
) -> LedgerReport:
    """The check for what was posted after a previous check that covered `transactions` and
    `entries` up to the given ids: the transactions after it and those that got new entries
    balance, the running balances of the accounts with new entries continue from the entry
    before and end at the cached balance, all balances sum to zero and no wallet-type balance is
    negative (the module docstring says why that is sound and what only `check` finds)."""
    report = _at_newest_ids(session)
    report.transactions = transactions + session.scalar(
        sa.select(sa.func.count())
        .select_from(LedgerTransaction)
        .where(LedgerTransaction.id > last_transaction_id, LedgerTransaction.id <= report.last_transaction_id)
    )
    report.entries = entries + session.scalar(
        sa.select(sa.func.count())
        .select_from(LedgerEntry)
        .where(LedgerEntry.id > last_entry_id, LedgerEntry.id <= report.last_entry_id)
    )
    touched = sa.union(
        sa.select(LedgerTransaction.id).where(LedgerTransaction.id > last_transaction_id),
        sa.select(LedgerEntry.transaction_id).where(LedgerEntry.id > last_entry_id),
    ).subquery()
    report.read = session.scalar(sa.select(sa.func.count()).select_from(touched))
    _check_transactions(session, report, sa.select(touched.c.id), limit)
    _check_running_balances(session, report, last_entry_id, limit)
    accounts, total_balance = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(LedgerAccount.balance), 0))
    ).one()
    report.accounts, report.total_balance = accounts, int(total_balance)
    negative = session.execute(
        sa.select(LedgerAccount.id, LedgerAccount.kind, LedgerAccount.balance)
        .where(LedgerAccount.kind.in_(NON_NEGATIVE_KINDS), LedgerAccount.balance < 0)
        .order_by(LedgerAccount.id)
        .limit(limit)
    )
    report.problems.extend(_negative(account, kind, balance) for account, kind, balance in negative)
    if report.total_balance != 0:
        report.problems.append(f"all balances sum to {format_yuan(report.total_balance)}, not 0.00")
    return report


def _at_newest_ids(session: so.Session) -> LedgerReport:
    # Read before anything else: every posting up to these ids has committed (module docstring).
    last_transaction_id = session.scalar(sa.select(sa.func.coalesce(sa.func.max(LedgerTransaction.id), 0)))
    last_entry_id = session.scalar(sa.select(sa.func.coalesce(sa.func.max(LedgerEntry.id), 0)))
    return LedgerReport(last_transaction_id=last_transaction_id, last_entry_id=last_entry_id)


def _check_transactions(
    session: so.Session, report: LedgerReport, transaction_ids: sa.Select | None, limit: int
) -> None:
    """Transactions that do not sum to zero or have fewer than two entries: all, or those listed."""
    total = sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0)
    query = sa.select(LedgerTransaction.id, total, sa.func.count(LedgerEntry.id)).outerjoin(
        LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id
    )
    if transaction_ids is not None:
        query = query.where(LedgerTransaction.id.in_(transaction_ids))
    unbalanced = session.execute(
        query.group_by(LedgerTransaction.id)
        .having(sa.or_(total != 0, sa.func.count(LedgerEntry.id) < 2))
        .order_by(LedgerTransaction.id)
        .limit(limit)
    )
    for transaction_id, amount, count in unbalanced:
        report.problems.append(
            f"transaction {transaction_id}: {count} entries summing to {format_yuan(int(amount))}"
        )


def _check_running_balances(
    session: so.Session, report: LedgerReport, after_entry_id: int, limit: int
) -> None:
    """Accounts with entries after `after_entry_id`: each such entry's `balance_after` is the
    previous entry's plus its amount, and the last one is the cached balance (one statement, so
    entries and balances are read at the same moment)."""
    touched = sa.select(LedgerEntry.account_id).where(LedgerEntry.id > after_entry_id).distinct().subquery()
    before = so.aliased(LedgerEntry)
    # Per touched account, its last entry up to the position (none: the account is new).
    anchors = sa.select(
        sa.select(sa.func.max(before.id))
        .where(before.account_id == touched.c.account_id, before.id <= after_entry_id)
        .correlate(touched)
        .scalar_subquery()
    ).select_from(touched)
    # The new entries and the anchors (two index look-ups, no scan of the whole table).
    columns = (LedgerEntry.account_id, LedgerEntry.id, LedgerEntry.amount, LedgerEntry.balance_after)
    entries = sa.union_all(
        sa.select(*columns).where(LedgerEntry.id > after_entry_id),
        sa.select(*columns).where(LedgerEntry.id.in_(anchors)),
    ).subquery()
    run = sa.select(
        entries,
        sa.func.coalesce(
            sa.func.lag(entries.c.balance_after).over(
                partition_by=entries.c.account_id, order_by=entries.c.id
            ),
            0,
        ).label("before"),
        sa.func.row_number()
        .over(partition_by=entries.c.account_id, order_by=entries.c.id.desc())
        .label("from_last"),
    ).subquery()
    wrong = session.execute(
        sa.select(
            run.c.account_id,
            LedgerAccount.kind,
            run.c.id,
            run.c.before,
            run.c.amount,
            run.c.balance_after,
            run.c.from_last,
            LedgerAccount.balance,
        )
        .join(LedgerAccount, LedgerAccount.id == run.c.account_id)
        .where(
            run.c.id > after_entry_id,
            sa.or_(
                run.c.before + run.c.amount != run.c.balance_after,
                sa.and_(run.c.from_last == 1, run.c.balance_after != LedgerAccount.balance),
            ),
        )
        .order_by(run.c.account_id, run.c.id)
        .limit(limit)
    )
    for account, kind, entry, before, amount, after, from_last, balance in wrong:
        if before + amount != after:
            report.problems.append(
                f"account {account} ({kind}): entry {entry}'s balance_after {format_yuan(after)} is not "
                f"the previous {format_yuan(before)} plus its amount {format_yuan(amount)}"
            )
        if from_last == 1 and after != balance:
            report.problems.append(_last_after_differs(account, kind, after, balance))


def _check_accounts(session: so.Session, report: LedgerReport) -> None:
    """Every cached balance against the sum of its account's entries and its last balance_after."""
    sums = (
        sa.select(
            LedgerEntry.account_id,
            sa.func.sum(LedgerEntry.amount).label("total"),
            sa.func.max(LedgerEntry.id).label("last_id"),
        )
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    last = so.aliased(LedgerEntry)
    rows = session.execute(
        sa.select(
            LedgerAccount.id,
            LedgerAccount.kind,
            LedgerAccount.balance,
            sa.func.coalesce(sums.c.total, 0),
            last.balance_after,
        )
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .outerjoin(last, last.id == sums.c.last_id)
        .order_by(LedgerAccount.id)
    )
    for account, kind, balance, total, last_after in rows:
        report.total_balance += balance
        if balance != total:
            report.problems.append(
                f"account {account} ({kind}): cached balance {format_yuan(balance)} "
                f"but its entries sum to {format_yuan(int(total))}"
            )
        elif last_after is not None and last_after != balance:
            report.problems.append(_last_after_differs(account, kind, last_after, balance))
        if balance < 0 and kind in NON_NEGATIVE_KINDS:
            report.problems.append(_negative(account, kind, balance))


def _last_after_differs(account: int, kind: str, last_after: int, balance: int) -> str:
    return (
        f"account {account} ({kind}): last entry's balance_after {format_yuan(last_after)} "
        f"differs from the balance {format_yuan(balance)}"
    )


def _negative(account: int, kind: str, balance: int) -> str:
    return f"account {account} ({kind}): negative balance {format_yuan(balance)}"


@dataclass(frozen=True)
class OldHold:
    """Money still held for one business object (a payment, a bid) since `since`."""

    account_id: int
    owner_type: str
    owner_id: int
    reference_type: str | None
    reference_id: str | None
    amount: int  # fen still held
    since: datetime  # the first hold's time

    def describe(self, now: datetime) -> str:
        reference = f"{self.reference_type} {self.reference_id}" if self.reference_type else "no reference"
        hours = (now - self.since).total_seconds() / 3600
        return (
            f"{reference}: {format_yuan(self.amount)} yuan held on account {self.account_id} "
            f"({self.owner_type} {self.owner_id}) since {self.since:%Y-%m-%d %H:%M:%S} UTC "
            f"({hours:.1f} hours)"
        )


def old_holds(
    session: so.Session, *, older_than: timedelta, now: datetime | None = None, limit: int = 100
) -> list[OldHold]:
    """Money held for longer than `older_than`, per `held` account and business object.

    What a posting moved into a `held` account and no later posting for the same reference took
    out (captured or released) is still held; its age counts from the first posting. A pending
    withdrawal normally settles within days, and a payment stuck before the provider answered is
    failed by `flask payments sync` (docs/payments.md, "After a crash"), so an old hold is money
    stuck: not a ledger inconsistency, but something an operator must look at. Only accounts
    holding money are read. At most `limit` holds, oldest first.
    """
    cutoff = (now or utcnow()) - older_than
    since = sa.func.min(LedgerTransaction.created_at)
    held = sa.func.sum(LedgerEntry.amount)
    rows = session.execute(
        sa.select(
            LedgerAccount.id,
            LedgerAccount.owner_type,
            LedgerAccount.owner_id,
            LedgerTransaction.reference_type,
            LedgerTransaction.reference_id,
            held,
            since,
        )
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerAccount.kind == "held", LedgerAccount.balance > 0)
        .group_by(
            LedgerAccount.id,
            LedgerAccount.owner_type,
            LedgerAccount.owner_id,
            LedgerTransaction.reference_type,
            LedgerTransaction.reference_id,
        )
        .having(held > 0, since < cutoff)
        .order_by(since, LedgerAccount.id)
        .limit(limit)
    )
    return [
        OldHold(account, owner_type, owner_id, ref_type, ref_id, int(amount), as_utc(first))
        for account, owner_type, owner_id, ref_type, ref_id, amount, first in rows
    ]
