"""Loans after clearing: who may read which, their parts, and the payout of the loan to the SME's bank.

Reading: the borrowing SME reads its own loans, an investor the loans it holds parts of, fund
managers and regulators every loan. Part holders' identities are shown only to those allowed to
see them: the investor its own parts, fund managers and regulators all; the SME none.

The payout (`start_payout`) is a payment flow (services/payment_flows.py): it ends its own
transactions and is called outside any unit of work, after the listing's close has committed.
Its idempotency key is derived from the loan, so a rerun finds the payout it made, never a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, DomainError, NotAllowed, NotFound
from marketplace.models import Listing, Loan, LoanPart, Payment, User
from marketplace.pagination import FIRST_PAGE, Page, PageRequest, paginate_rows
from marketplace.payments.base import PaymentGateway, ProviderUnavailable
from marketplace.services import clearing, payment_flows, unit_of_work

EVERY_LOAN_READERS = ("fund_manager", "regulator")
LOAN_READERS = ("sme", "investor", *EVERY_LOAN_READERS)


@dataclass(frozen=True)
class LoanRow:
    """A loan as lists show it."""

    id: int
    listing_id: int
    amount: int
    rate_bps: int
    term_months: int
    repayment_method: str
    status: str
    days_past_due: int
    outstanding_principal: int
    disbursed_at: datetime | None
    category: str


@dataclass(frozen=True)
class PartView:
    """One part of a loan as the reader may see it (`investor_id` None when it may not)."""

    holder: str
    principal: int
    outstanding: int
    mine: bool = False
    investor_id: int | None = None


@dataclass(frozen=True)
class LoanDetail:
    """A loan with its parts, the payout of its money to the SME, and (later) its schedule."""

    loan: Loan
    outstanding_principal: int
    parts: list[PartView]
    payout: Payment | None
    installments: list = field(default_factory=list)  # the servicing schedule does not exist yet

    def __getattr__(self, name):
        return getattr(self.loan, name)


def _outstanding():
    return (
        sa.select(LoanPart.loan_id, sa.func.sum(LoanPart.outstanding_fen).label("outstanding"))
        .group_by(LoanPart.loan_id)
        .subquery()
    )


def _visible(query: sa.Select, user: User) -> sa.Select:
    if user.role == "sme":
        return query.where(Loan.borrower_id == user.id)
    if user.role == "investor":
        held = sa.select(LoanPart.loan_id).where(LoanPart.investor_id == user.id)
        return query.where(Loan.id.in_(held))
    if user.role in EVERY_LOAN_READERS:
        return query
    raise NotAllowed(N_("Your role may not read loans."))


def loans_for(session: so.Session, user: User, page: PageRequest = FIRST_PAGE) -> Page:
    """The loans `user` may read, newest first, with each one's outstanding principal (two queries)."""
    outstanding = _outstanding()
    query = _visible(
        sa.select(
            Loan.id,
            Loan.listing_id,
            Loan.amount_fen,
            Loan.rate_bps,
            Loan.term_months,
            Loan.repayment_method,
            Loan.status,
            Loan.days_past_due,
            sa.cast(sa.func.coalesce(outstanding.c.outstanding, 0), sa.BigInteger),  # numeric on PostgreSQL
            Loan.disbursed_at,
            Loan.category,
        ).outerjoin(outstanding, outstanding.c.loan_id == Loan.id),
        user,
    ).order_by(Loan.id.desc())
    return paginate_rows(session, query, page, lambda row: LoanRow(*row))


def readable_loan(session: so.Session, user: User, loan_id: int) -> LoanDetail:
    """One loan with its parts as `user` may see them: 404 unknown, 403 not theirs."""
    loan = session.get(Loan, loan_id)
    if loan is None:
        raise NotFound(N_("No such loan."))
    rows = session.execute(
        sa.select(
            LoanPart.holder_type, LoanPart.investor_id, LoanPart.principal_fen, LoanPart.outstanding_fen
        )
        .where(LoanPart.loan_id == loan.id)
        .order_by(LoanPart.id)
    ).all()
    if user.role == "sme":
        allowed = loan.borrower_id == user.id
    elif user.role == "investor":
        allowed = any(row.investor_id == user.id for row in rows)
    else:
        allowed = user.role in EVERY_LOAN_READERS
    if not allowed:
        raise NotAllowed(N_("This loan is not yours to see."))
    parts = [_part_view(row, user) for row in rows]
    return LoanDetail(
        loan=loan,
        outstanding_principal=sum(row.outstanding_fen for row in rows),
        parts=parts,
        payout=payout_of(session, loan),
    )


def _part_view(row, user: User) -> PartView:
    mine = user.role == "investor" and row.investor_id == user.id
    identity = row.investor_id if (mine or user.role in EVERY_LOAN_READERS) else None
    return PartView(row.holder_type, row.principal_fen, row.outstanding_fen, mine, identity)


def payout_key(loan_id: int) -> str:
    """The client idempotency key of a loan's payout (the payment's key is scoped to the borrower)."""
    return f"loan-{loan_id}-payout"


def _payment_key(borrower_id: int, loan_id: int) -> str:
    return f"user:{borrower_id}:{payout_key(loan_id)}"


def payout_of(session: so.Session, loan: Loan) -> Payment | None:
    """The payment that pays the loan out to the SME's bank, if it was started."""
    return session.scalar(
        sa.select(Payment).where(Payment.idempotency_key == _payment_key(loan.borrower_id, loan.id))
    )


def loans_awaiting_payout(session: so.Session) -> list[int]:
    """Disbursed loans whose payout was never started (the process stopped between close and payout)."""
    key = (
        sa.literal("user:")
        + sa.cast(Loan.borrower_id, sa.String)
        + sa.literal(":loan-")
        + sa.cast(Loan.id, sa.String)
        + sa.literal("-payout")
    )
    return list(
        session.scalars(
            sa.select(Loan.id)
            .outerjoin(Payment, Payment.idempotency_key == key)
            .where(Loan.disbursed_at.is_not(None), Payment.id.is_(None))
            .order_by(Loan.id)
        )
    )


@dataclass(frozen=True)
class PayoutResult:
    """What starting a loan's payout did: `status` is the payment's, or "not_started"."""

    loan_id: int
    amount: int
    status: str
    payment_id: int | None = None
    reason: str | None = None  # why it failed or did not start (a code or an English sentence)

    @property
    def left_in_wallet(self) -> bool:
        """True when the loan's money is (back) in the SME's wallet."""
        return self.status in ("failed", "canceled", "not_started")


def start_payout(session: so.Session, gateway: PaymentGateway, loan_id: int) -> PayoutResult:
    """Pay the loan's amount from the SME's wallet to their bank, once per loan whatever the reruns.

    A refused or failed payout leaves the money in the SME's wallet (they can withdraw it
    themselves); a provider that cannot be reached leaves the payout open for `flask payments sync`.
    """
    loan = session.get(Loan, loan_id)
    borrower = session.get(User, loan.borrower_id)
    amount = loan.amount_fen
    try:
        # The limit is the loan itself: the per-transaction limit applies to what people ask for,
        # and a loan's amount is already within the platform's cap.
        outcome = payment_flows.withdraw(
            session, gateway, borrower, amount, limit=amount, idempotency_key=payout_key(loan_id)
        )
    except ProviderUnavailable:
        payment = payout_of(session, loan)
        return PayoutResult(
            loan_id, amount, "processing", payment.id if payment else None, "provider_unavailable"
        )
    except DomainError as error:
        payment = payout_of(session, loan)
        if payment is not None:  # refused by the provider: failed, its hold returned
            return PayoutResult(loan_id, amount, payment.status, payment.id, payment.failure_message)
        return PayoutResult(loan_id, amount, "not_started", None, error.code)
    payment = outcome.payment
    return PayoutResult(loan_id, amount, payment.status, payment.id, payment.failure_message)


@dataclass(frozen=True)
class ListingOutcome:
    """A listing closed (by this call) and, when funded, the payout of its loan."""

    closed: clearing.ClosedListing
    rate_bps: int | None
    payout: PayoutResult | None


def close_and_pay_out(
    session: so.Session,
    gateway: PaymentGateway,
    actor: User | None,
    listing_id: int,
    *,
    now: datetime,
    early: bool = False,
) -> ListingOutcome | None:
    """Close one listing in its own transaction, then start its loan's payout; None if not closed here.

    Like payment_flows, this ends its own transactions: call it outside any unit of work.
    """
    closed = unit_of_work.run(
        session, lambda: clearing.close_listing(session, actor, listing_id, now=now, early=early)
    )
    if closed is None:
        return None
    rate = session.scalar(sa.select(Listing.clearing_rate_bps).where(Listing.id == listing_id))
    unit_of_work.end_read(session)
    payout = start_payout(session, gateway, closed.loan_id) if closed.loan_id else None
    return ListingOutcome(closed, rate, payout)


@dataclass(frozen=True)
class CloseDueReport:
    """What one run of the scheduled close did: listings closed here, and payouts resumed."""

    closed: list[ListingOutcome]
    resumed: list[PayoutResult]


def close_due(session: so.Session, gateway: PaymentGateway, now: datetime) -> CloseDueReport:
    """Close every listing due at `now` (one transaction each, each listing once however many
    processes run this at a time), pay out each loan made, and start payouts a stopped run left."""
    due = clearing.due_listing_ids(session, now)
    unit_of_work.end_read(session)
    closed = []
    for listing_id in due:
        outcome = close_and_pay_out(session, gateway, None, listing_id, now=now)
        if outcome is not None:
            closed.append(outcome)
    tried = {outcome.closed.loan_id for outcome in closed}
    waiting = [loan_id for loan_id in loans_awaiting_payout(session) if loan_id not in tried]
    unit_of_work.end_read(session)
    resumed = [start_payout(session, gateway, loan_id) for loan_id in waiting]
    return CloseDueReport(closed, resumed)


def loan_id_for_application(session: so.Session, application_id: int) -> int | None:
    """The loan made from an application's listing, if it funded."""
    return session.scalar(
        sa.select(Loan.id)
        .join(Listing, Listing.id == Loan.listing_id)
        .where(Listing.application_id == application_id)
    )
