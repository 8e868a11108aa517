"""Closing a listing (DESIGN.md steps 5 and 6): clear the auction, make the loan, disburse it.

One database transaction per listing, through the ledger only. On success: accepted bid money
`held → escrow`, the fund's actual part `committed → escrow` and the unused commitment back to
`pool`, the rest of each bid released `held → wallet`; a loan at the clearing rate with one part
per accepted bid and one for the fund, each part's claim recorded as a receivable against the
loan; then `escrow → the SME's wallet`. On failure every hold and the whole commitment go back.
The payout from the SME's wallet to their bank is a payment flow of its own, started by the
caller once this transaction has committed (it talks to the provider between commits).

Thousands of bids close in a constant number of statements: the ledger postings carry one leg
per investor, and bids, loan parts and notifications are written in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, InvalidState, NotAllowed, NotFound
from marketplace.models import Bid, Enterprise, Listing, Loan, LoanPart, User
from marketplace.models.base import as_utc
from marketplace.pagination import FIRST_PAGE, Page, PageRequest, paginate_rows
from marketplace.services import audit, fund, ledger, notifications

if TYPE_CHECKING:  # numpy loads with the first closing, not with every web worker
    import numpy as np

    from marketplace.rules.auction import BidBook, Clearing

CLOSERS = ("admin",)  # besides the scheduled command (actor None)


@dataclass(frozen=True)
class ClosedListing:
    """What closing a listing did."""

    listing_id: int
    status: str  # funded | failed
    loan_id: int | None
    loan_fen: int
    borrower_id: int


def due_listing_ids(session: so.Session, now: datetime) -> list[int]:
    """Open listings whose closing time has passed, oldest first."""
    return list(
        session.scalars(
            sa.select(Listing.id)
            .where(Listing.status == "open", Listing.closes_at <= now)
            .order_by(Listing.closes_at, Listing.id)
        )
    )


def _locked_listing(session: so.Session, listing_id: int, *, wait: bool) -> Listing | None:
    # The scheduled run skips a listing another process is closing (or bids are being placed on):
    # that process or the next run closes it, never twice. An administrator's "close now" waits
    # for the lock instead and then finds the listing as the other transaction left it.
    # SQLite ignores both (one writer at a time).
    return session.scalar(
        sa.select(Listing).where(Listing.id == listing_id).with_for_update(skip_locked=not wait)
    )


def close_listing(
    session: so.Session, actor: User | None, listing_id: int, *, now: datetime, early: bool = False
) -> ClosedListing | None:
    """Clear and settle one listing; None when it is not (or no longer) due, or busy elsewhere.

    `early` lets an administrator close an open listing before its time ("close now").
    """
    if actor is not None and actor.role not in CLOSERS:
        raise NotAllowed(N_("Only administrators close listings."))
    listing = _locked_listing(session, listing_id, wait=actor is not None)
    if listing is None:
        if actor is not None and session.get(Listing, listing_id) is None:
            raise NotFound(N_("No such listing."))
        return None
    if listing.status != "open":
        if actor is not None:
            raise InvalidState(N_("The listing is closed already."))
        return None
    if not early and as_utc(listing.closes_at) > now:
        return None
    bids = session.execute(
        sa.select(Bid.id, Bid.investor_id, Bid.amount_fen, Bid.min_rate_bps)
        .where(Bid.listing_id == listing.id, Bid.status == "active")
        .order_by(Bid.id)
    ).all()
    import numpy as np

    from marketplace.rules.auction import BidBook, ListingTerms, clear_auction

    book = BidBook.from_rows((b.id, b.amount_fen, b.min_rate_bps) for b in bids)
    terms = ListingTerms(
        listing.amount_fen, listing.fund_share_bps, listing.max_rate_bps, listing.min_fill_fen
    )
    clearing = clear_auction(terms, book)
    investors = np.array([b.investor_id for b in bids], dtype=np.int64)
    _settle_money(session, actor, listing, book, investors, clearing)
    _record_bids(session, listing, book, clearing)
    loan = _make_loan(session, actor, listing, book, investors, clearing, now) if clearing.succeeded else None
    listing.status = "funded" if clearing.succeeded else "failed"
    listing.clearing_rate_bps, listing.closed_at = clearing.rate_bps, now
    _notify(session, listing, book, investors, clearing)
    audit.record(
        session,
        actor=actor,
        action="listing.closed",
        object_type="listing",
        object_id=listing.id,
        payload={
            "status": listing.status,
            "clearing_rate_bps": clearing.rate_bps,
            "loan_fen": clearing.loan_fen,
            "private_fen": clearing.private_fen,
            "fund_fen": clearing.fund_fen,
            "bids": len(book),
            "accepted_bids": int((clearing.accepted_fen > 0).sum()),
            "loan_id": loan.id if loan else None,
            "early": early,
        },
    )
    return ClosedListing(
        listing.id, listing.status, loan.id if loan else None, clearing.loan_fen, listing.borrower_id
    )


def _per_investor(investors: np.ndarray, amounts: np.ndarray) -> dict[int, int]:
    """Sum of amounts per investor (an investor may hold several bids), zeros left out."""
    totals: dict[int, int] = defaultdict(int)
    for investor, amount in zip(investors.tolist(), amounts.tolist(), strict=True):
        if amount:
            totals[investor] += amount
    return dict(totals)


def _settle_money(session, actor, listing: Listing, book, investors, clearing: Clearing) -> None:
    """Capture what was accepted into the listing's escrow and release the rest (bids and fund)."""
    reference = ("listing", listing.id)
    accepted = _per_investor(investors, clearing.accepted_fen)
    released = _per_investor(investors, clearing.released_fen(book))
    everyone = set(accepted) | set(released)
    held = ledger.account_ids(session, "user", everyone, "held")
    committed = ledger.account_id(session, fund.FUND, "committed")
    if clearing.succeeded:
        escrow = ledger.account_id(session, ("listing", listing.id), "escrow")
        legs = [(held[investor], -amount) for investor, amount in accepted.items()]
        if clearing.fund_fen:
            legs.append((committed, -clearing.fund_fen))
        legs.append((escrow, clearing.loan_fen))
        ledger.post(
            session,
            kind="listing_capture",
            legs=legs,
            idempotency_key=f"listing-{listing.id}-capture",
            reference=reference,
            actor=actor,
        )
    wallets = ledger.account_ids(session, "user", released, "wallet")
    legs = [
        leg
        for investor, amount in released.items()
        for leg in ((held[investor], -amount), (wallets[investor], amount))
    ]
    unused = listing.fund_committed_fen - clearing.fund_fen
    if unused:
        legs += [(committed, -unused), (ledger.account_id(session, fund.FUND, "pool"), unused)]
    if legs:
        ledger.post(
            session,
            kind="listing_release",
            legs=legs,
            idempotency_key=f"listing-{listing.id}-release",
            reference=reference,
            actor=actor,
        )


def _bid_status(accepted: int, amount: int) -> str:
    if accepted == amount:
        return "accepted"
    return "partly_accepted" if accepted else "released"


def _record_bids(session, listing: Listing, book: BidBook, clearing: Clearing) -> None:
    """Each bid's outcome in a few statements: whole ones by id, partial ones each, the rest at once.

    The listing is locked against new bids (they take a shared lock on it), so the bids still
    active after the first two steps are exactly those released.
    """
    accepted, amounts = clearing.accepted_fen, book.amounts_fen
    whole = book.ids[(accepted == amounts) & (accepted > 0)].tolist()
    for chunk in _chunks(whole):
        session.execute(
            sa.update(Bid)
            .where(Bid.id.in_(chunk))
            .values(status="accepted", accepted_fen=Bid.amount_fen)
            .execution_options(synchronize_session=False)
        )
    partial = ((accepted > 0) & (accepted < amounts)).nonzero()[0]
    if len(partial):
        session.execute(
            sa.update(Bid).execution_options(synchronize_session=False),
            [
                {"id": int(book.ids[i]), "accepted_fen": int(accepted[i]), "status": "partly_accepted"}
                for i in partial
            ],
        )
    session.execute(
        sa.update(Bid)
        .where(Bid.listing_id == listing.id, Bid.status == "active")
        .values(status="released", accepted_fen=0)
        .execution_options(synchronize_session=False)
    )


# Bids are updated by id a thousand at a time (well under the bound-parameter limits of
# PostgreSQL and SQLite).
ROWS_PER_STATEMENT = 1_000


def _chunks(rows: list) -> list[list]:
    return [rows[start : start + ROWS_PER_STATEMENT] for start in range(0, len(rows), ROWS_PER_STATEMENT)]


def insert_rows(session: so.Session, table: sa.Table, rows: list[dict]) -> None:
    """Insert many rows in a few statements: with RETURNING, SQLAlchemy batches an executemany into
    multi-row INSERTs ("insertmanyvalues") instead of sending one statement per row."""
    if rows:
        session.execute(table.insert().returning(table.c.id), rows)


def _make_loan(session, actor, listing: Listing, book, investors, clearing: Clearing, now: datetime) -> Loan:
    """The loan at r*, its parts, their receivables against it, and the disbursement to the SME."""
    loan = Loan(
        listing_id=listing.id,
        borrower_id=listing.borrower_id,
        enterprise_id=listing.enterprise_id,
        amount_fen=clearing.loan_fen,
        rate_bps=clearing.rate_bps,
        term_months=listing.term_months,
        repayment_method=listing.repayment_method,
        category=listing.category,
        status="current",
        days_past_due=0,
        disbursed_at=now,
        created_at=now,
    )
    session.add(loan)
    session.flush()
    won = clearing.accepted_fen.nonzero()[0]
    parts = [
        {
            "loan_id": loan.id,
            "holder_type": "investor",
            "investor_id": int(investors[i]),
            "bid_id": int(book.ids[i]),
            "principal_fen": int(clearing.accepted_fen[i]),
            "outstanding_fen": int(clearing.accepted_fen[i]),
            "created_at": now,
        }
        for i in won
    ]
    if clearing.fund_fen:
        parts.append(
            {
                "loan_id": loan.id,
                "holder_type": "fund",
                "investor_id": None,
                "bid_id": None,
                "principal_fen": clearing.fund_fen,
                "outstanding_fen": clearing.fund_fen,
                "created_at": now,
            }
        )
    insert_rows(session, LoanPart.__table__, parts)
    part_rows = session.execute(
        sa.select(LoanPart.id, LoanPart.principal_fen).where(LoanPart.loan_id == loan.id)
    ).all()
    receivables = ledger.account_ids(session, "loan_part", [p.id for p in part_rows], "receivable")
    reference = ("loan", loan.id)
    ledger.post(
        session,
        kind="loan_originated",
        legs=[(ledger.account_id(session, ("loan", loan.id), "receivable"), -clearing.loan_fen)]
        + [(receivables[p.id], p.principal_fen) for p in part_rows],
        idempotency_key=f"loan-{loan.id}-originated",
        reference=reference,
        actor=actor,
    )
    ledger.transfer(
        session,
        source=ledger.account_id(session, ("listing", listing.id), "escrow"),
        destination=ledger.account_id(session, ("user", listing.borrower_id), "wallet"),
        amount=clearing.loan_fen,
        kind="loan_disbursement",
        idempotency_key=f"loan-{loan.id}-disbursement",
        reference=reference,
        actor=actor,
    )
    audit.record(
        session,
        actor=actor,
        action="loan.created",
        object_type="loan",
        object_id=loan.id,
        payload={
            "listing_id": listing.id,
            "amount_fen": loan.amount_fen,
            "rate_bps": loan.rate_bps,
            "parts": len(part_rows),
            "fund_fen": clearing.fund_fen,
        },
    )
    return loan


def _notify(session, listing: Listing, book: BidBook, investors, clearing: Clearing) -> None:
    rows = []
    if clearing.succeeded:
        rows.append(
            (
                listing.borrower_id,
                "listing_funded",
                {"listing": listing.id, "loan": clearing.loan_fen, "rate": clearing.rate_bps},
            )
        )
    else:
        rows.append((listing.borrower_id, "listing_failed", {"listing": listing.id}))
    for bid_id, investor, amount, accepted in zip(
        book.ids.tolist(),
        investors.tolist(),
        book.amounts_fen.tolist(),
        clearing.accepted_fen.tolist(),
        strict=True,
    ):
        params = {"bid": bid_id, "listing": listing.id, "accepted": accepted, "released": amount - accepted}
        if accepted:
            params["rate"] = clearing.rate_bps
        rows.append((investor, f"bid_{_bid_status(accepted, amount)}", params))
    notifications.notify(session, rows)


@dataclass(frozen=True)
class OpenListingRow:
    """An open listing as the administrators' list shows it."""

    id: int
    enterprise_name: str
    amount_fen: int
    max_rate_bps: int
    closes_at: datetime
    bid_total_fen: int
    bid_count: int


def open_listings(session: so.Session, page: PageRequest = FIRST_PAGE) -> Page:
    """Open listings, the first to close first, each with its active bids' total (two queries)."""
    active = (
        sa.select(
            Bid.listing_id,
            sa.func.sum(Bid.amount_fen).label("total"),
            sa.func.count().label("count"),
        )
        .where(Bid.status == "active")
        .group_by(Bid.listing_id)
        .subquery()
    )
    query = (
        sa.select(
            Listing.id,
            Enterprise.name,
            Listing.amount_fen,
            Listing.max_rate_bps,
            Listing.closes_at,
            sa.cast(sa.func.coalesce(active.c.total, 0), sa.BigInteger),  # numeric on PostgreSQL
            sa.func.coalesce(active.c.count, 0),
        )
        .join(Enterprise, Enterprise.id == Listing.enterprise_id)
        .outerjoin(active, active.c.listing_id == Listing.id)
        .where(Listing.status == "open")
        .order_by(Listing.closes_at, Listing.id)
    )
    return paginate_rows(session, query, page, lambda row: OpenListingRow(*row))
