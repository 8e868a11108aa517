"""Reconciliation: the ledger's `gateway_clearing` movements against the provider's own records."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models import LedgerEntry, LedgerTransaction, Payment
from marketplace.payments.base import PaymentGateway
from marketplace.services import ledger


@dataclass(frozen=True)
class Mismatch:
    """One provider object (or ledger movement) on which the two sides disagree."""

    provider_id: str | None
    payment_id: int | None
    ledger_amount: int | None  # fen, + into the provider balance, − out of it
    provider_amount: int | None
    reason: str


@dataclass
class ReconcileReport:
    """Totals of both sides over the period and every mismatch."""

    start: datetime
    end: datetime
    ledger_total: int = 0
    provider_total: int = 0
    matched: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _ledger_side(session: so.Session, start: datetime, end: datetime):
    """Clearing movements in [start, end) by provider id, seen from the provider's balance."""
    clearing = ledger.platform_account(session, "gateway_clearing")
    rows = session.execute(
        sa.select(
            LedgerEntry.amount,
            LedgerTransaction.reference_type,
            LedgerTransaction.reference_id,
            Payment.id,
            Payment.provider_id,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(
            Payment,
            sa.and_(
                LedgerTransaction.reference_type == "payment",
                LedgerTransaction.reference_id == sa.cast(Payment.id, sa.String),
            ),
        )
        .where(
            LedgerEntry.account_id == clearing,
            LedgerTransaction.created_at >= start,
            LedgerTransaction.created_at < end,
        )
    )
    by_provider: dict[str, int] = defaultdict(int)
    payments: dict[str, int] = {}
    orphans = []
    for amount, reference_type, reference_id, payment_id, provider_id in rows:
        if provider_id is None:
            reason = f"ledger movement without a provider payment ({reference_type} {reference_id})"
            orphans.append(Mismatch(None, payment_id, -amount, None, reason))
            continue
        by_provider[provider_id] -= amount  # clearing −X: the provider received X for us
        payments[provider_id] = payment_id
    return by_provider, payments, orphans


def reconcile(
    session: so.Session, gateway: PaymentGateway, start: datetime, end: datetime
) -> ReconcileReport:
    """Compare what the ledger moved through `gateway_clearing` with what the provider settled."""
    report = ReconcileReport(start, end)
    ours, payment_ids, orphans = _ledger_side(session, start, end)
    theirs: dict[str, int] = defaultdict(int)
    for movement in gateway.settled_movements(session, start, end):
        theirs[movement.provider_id] += movement.amount
    report.mismatches.extend(orphans)
    report.ledger_total = sum(ours.values()) + sum(m.ledger_amount for m in orphans)
    report.provider_total = sum(theirs.values())
    for provider_id in sorted(set(ours) | set(theirs)):
        mine, provider = ours.get(provider_id), theirs.get(provider_id)
        # A side without the object counts as 0: a payout that failed before it was paid moves
        # nothing through our clearing account, while the provider records −X and then +X.
        if (mine or 0) == (provider or 0):
            report.matched += 1
            continue
        if provider is None:
            reason = "in the ledger, not settled at the provider"
        elif mine is None:
            reason = "settled at the provider, not in the ledger"
            payment_ids[provider_id] = session.scalar(
                sa.select(Payment.id).where(Payment.provider_id == provider_id)
            )
        else:
            reason = "amounts differ"
        report.mismatches.append(Mismatch(provider_id, payment_ids.get(provider_id), mine, provider, reason))
    return report
