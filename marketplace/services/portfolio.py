"""An investor's portfolio: the loan parts it holds and what they have paid so far.

Until loans are serviced nothing has been received, no fee paid and nothing lost: those figures
are 0 from the parts themselves, not guessed. The XIRR is computed from the cash flows that exist
(each part's principal paid out on its loan's disbursement day, and whatever came back); with
nothing received yet there is no rate, and it is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, NotAllowed
from marketplace.models import Loan, LoanPart, User
from marketplace.models.base import as_utc
from marketplace.rules.xirr import xirr_bps


@dataclass(frozen=True)
class PortfolioPart:
    """One part of a loan the investor holds."""

    loan_id: int
    principal: int
    outstanding: int
    rate_bps: int
    status: str
    disbursed_on: date | None
    received_interest: int = 0
    received_principal: int = 0


@dataclass(frozen=True)
class Totals:
    """Sums over the investor's parts (fen), and the annual XIRR in basis points (or None)."""

    invested: int
    outstanding: int
    received_interest: int
    received_principal: int
    fees_paid: int
    losses: int
    xirr: int | None


@dataclass(frozen=True)
class Portfolio:
    """The parts, newest loan first, and their totals."""

    parts: list[PortfolioPart]
    totals: Totals


def portfolio(session: so.Session, user: User, *, zone: str = "Asia/Shanghai") -> Portfolio:
    """The investor's parts and totals in one query (dates of flows in the platform's zone)."""
    if user.role != "investor":
        raise NotAllowed(N_("Only investors have a portfolio."))
    rows = session.execute(
        sa.select(
            LoanPart.loan_id,
            LoanPart.principal_fen,
            LoanPart.outstanding_fen,
            Loan.rate_bps,
            Loan.status,
            Loan.disbursed_at,
        )
        .join(Loan, Loan.id == LoanPart.loan_id)
        .where(LoanPart.investor_id == user.id)
        .order_by(LoanPart.loan_id.desc(), LoanPart.id)
    ).all()
    tz = ZoneInfo(zone)
    parts = [
        PortfolioPart(
            loan_id=row.loan_id,
            principal=row.principal_fen,
            outstanding=row.outstanding_fen,
            rate_bps=row.rate_bps,
            status=row.status,
            disbursed_on=as_utc(row.disbursed_at).astimezone(tz).date() if row.disbursed_at else None,
        )
        for row in rows
    ]
    return Portfolio(parts, _totals(parts))


def cash_flows(parts: list[PortfolioPart]) -> list[tuple[date, int]]:
    """The investor's dated flows: each principal out on disbursement (received money comes in
    with servicing, which records when it arrived)."""
    return [(part.disbursed_on, -part.principal) for part in parts if part.disbursed_on]


def _totals(parts: list[PortfolioPart]) -> Totals:
    return Totals(
        invested=sum(p.principal for p in parts),
        outstanding=sum(p.outstanding for p in parts),
        received_interest=sum(p.received_interest for p in parts),
        received_principal=sum(p.received_principal for p in parts),
        fees_paid=0,
        losses=0,
        xirr=xirr_bps(cash_flows(parts)),
    )
