"""The ledger's consistency check (`flask ledger check`; later also shown to regulators)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.ledger import NON_NEGATIVE_KINDS, LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.money import format_yuan


@dataclass
class LedgerReport:
    """What the check read and every problem it found (empty `problems` means consistent)."""

    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    total_balance: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"ok": self.ok, "transactions": self.transactions, "entries": self.entries,
                "accounts": self.accounts, "problems": list(self.problems)}


def check(session: so.Session, *, limit: int = 100) -> LedgerReport:
    """Every transaction sums to zero with two or more entries, every cached balance equals the
    sum of its account's entries (and its last `balance_after`), no wallet-type balance is below
    zero. At most `limit` problems of each sort are listed."""
    report = LedgerReport(
        transactions=session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)),
        entries=session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)),
        accounts=session.scalar(sa.select(sa.func.count()).select_from(LedgerAccount)),
    )
    unbalanced = session.execute(
        sa.select(LedgerTransaction.id, sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0),
                  sa.func.count(LedgerEntry.id))
        .outerjoin(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id)
        .having(sa.or_(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0) != 0,
                       sa.func.count(LedgerEntry.id) < 2))
        .order_by(LedgerTransaction.id).limit(limit)
    )
    for transaction_id, total, count in unbalanced:
        report.problems.append(
            f"transaction {transaction_id}: {count} entries summing to {format_yuan(int(total))}"
        )
    sums = (
        sa.select(LedgerEntry.account_id, sa.func.sum(LedgerEntry.amount).label("total"),
                  sa.func.max(LedgerEntry.id).label("last_id"))
        .group_by(LedgerEntry.account_id).subquery()
    )
    last = so.aliased(LedgerEntry)
    rows = session.execute(
        sa.select(LedgerAccount.id, LedgerAccount.kind, LedgerAccount.balance,
                  sa.func.coalesce(sums.c.total, 0), last.balance_after)
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
            report.problems.append(
                f"account {account} ({kind}): last entry's balance_after {format_yuan(last_after)} "
                f"differs from the balance {format_yuan(balance)}"
            )
        if balance < 0 and kind in NON_NEGATIVE_KINDS:
            report.problems.append(f"account {account} ({kind}): negative balance {format_yuan(balance)}")
    if report.total_balance != 0:
        report.problems.append(f"all balances sum to {format_yuan(report.total_balance)}, not 0.00")
    return report
