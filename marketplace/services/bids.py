"""Investors' bids on open listings (DESIGN.md step 4): placed, lowered, cancelled; the money held.

A bid moves its amount from the investor's `wallet` to `held` in the same transaction that writes
it; cancelling or lowering gives the difference back. The listing row is read with a shared lock,
so bids on one listing run side by side while closing it (which takes the row exclusively) waits
for them, and a bid never lands on a listing that is being closed.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, InvalidState, Label, Message, NotAllowed, NotFound, ValidationFailed
from marketplace.models import Bid, Listing, LoanPart, User
from marketplace.models.base import as_utc, utcnow
from marketplace.money import yuan_label
from marketplace.pagination import FIRST_PAGE, Page, PageRequest, paginate
from marketplace.rules import limits
from marketplace.rules.appropriateness import RISK_CLASS_NAMES, may_bid_on
from marketplace.services import audit, ledger, questionnaires

BIDDING_ROLE = "investor"


def _require_investor(user: User) -> None:
    if user.role != BIDDING_ROLE:
        raise NotAllowed(N_("Only investors bid on listings."))


def amount_problem(amount_fen: object) -> Message | None:
    """Why an amount cannot be bid (None when it can): whole ¥50 units, at least ¥50."""
    if (
        not isinstance(amount_fen, int)
        or isinstance(amount_fen, bool)
        or amount_fen < limits.BID_UNIT_FEN
        or amount_fen % limits.BID_UNIT_FEN
    ):
        return Message(N_("Bid a whole multiple of ¥%(unit)s."), unit=yuan_label(limits.BID_UNIT_FEN))
    return None


def rate_problem(min_rate_bps: object, listing: Listing) -> Message | None:
    """Why a minimum rate cannot be bid on this listing (None when it can)."""
    if (
        not isinstance(min_rate_bps, int)
        or isinstance(min_rate_bps, bool)
        or not limits.MIN_RATE_BPS <= min_rate_bps <= listing.max_rate_bps
    ):
        return Message(
            N_("The minimum rate must be %(min)s to %(max)s basis points (the listing's maximum)."),
            min=limits.MIN_RATE_BPS,
            max=f"{listing.max_rate_bps:,}",
        )
    return None


def money_at_risk_fen(session: so.Session, investor: User) -> int:
    """What the investor has out: active bids plus outstanding principal of their loan parts."""
    bids = sa.select(sa.func.coalesce(sa.func.sum(Bid.amount_fen), 0)).where(
        Bid.investor_id == investor.id, Bid.status == "active"
    )
    parts = sa.select(sa.func.coalesce(sa.func.sum(LoanPart.outstanding_fen), 0)).where(
        LoanPart.investor_id == investor.id
    )
    return int(session.scalar(sa.select(bids.scalar_subquery() + parts.scalar_subquery())))


def _open_listing(session: so.Session, listing_id: int, now: datetime) -> Listing:
    listing = session.scalar(sa.select(Listing).where(Listing.id == listing_id).with_for_update(read=True))
    if listing is None:
        raise NotFound(N_("No such listing."))
    if listing.status != "open" or as_utc(listing.closes_at) <= now:
        raise InvalidState(N_("The listing is closed for bids."))
    return listing


def check_appropriateness(
    session: so.Session, investor: User, listing: Listing, amount_fen: int, today: date
):
    """Refuse a bid the investor's risk questionnaire does not allow (2016 interim measures, art. 26)."""
    result = questionnaires.valid_result(session, investor, today=today)
    if result is None:
        raise InvalidState(N_("Answer the risk questionnaire before bidding (it is renewed every year)."))
    if not may_bid_on(result.risk_class, listing.grade or ""):
        raise NotAllowed(
            N_("As a %(risk)s investor you may not bid on grade %(grade)s listings."),
            risk=Label(RISK_CLASS_NAMES[result.risk_class]),
            grade=listing.grade or "-",
        )
    at_risk = money_at_risk_fen(session, investor)
    if at_risk + amount_fen > result.declared_limit_fen:
        text = N_("This bid would put ¥%(total)s at risk, above the limit of ¥%(limit)s you declared.")
        params = {"total": yuan_label(at_risk + amount_fen), "limit": yuan_label(result.declared_limit_fen)}
        raise ValidationFailed(text, fields={"amount": [Message(text, **params)]}, **params)


def place_bid(
    session: so.Session,
    investor: User,
    listing_id: int,
    *,
    amount_fen: int,
    min_rate_bps: int,
    now: datetime | None = None,
    today: date,
    source: str = "manual",
    rule_id: int | None = None,
) -> Bid:
    """Bid on an open listing: checks the amount, rate and appropriateness, then holds the money."""
    _require_investor(investor)
    now = now or utcnow()
    listing = _open_listing(session, listing_id, now)
    problems = {}
    if (problem := amount_problem(amount_fen)) is not None:
        problems["amount"] = [problem]
    if (problem := rate_problem(min_rate_bps, listing)) is not None:
        problems["min_rate_bps"] = [problem]
    if problems:
        raise ValidationFailed(N_("The bid has errors; see the fields."), fields=problems)
    check_appropriateness(session, investor, listing, amount_fen, today)
    bid = Bid(
        listing_id=listing.id,
        investor_id=investor.id,
        amount_fen=amount_fen,
        min_rate_bps=min_rate_bps,
        status="active",
        accepted_fen=0,
        source=source,
        rule_id=rule_id,
        created_at=now,
        updated_at=now,
    )
    session.add(bid)
    session.flush()
    ledger.hold(
        session,
        investor,
        amount_fen,
        idempotency_key=f"bid-{bid.id}-hold",
        reference=("bid", bid.id),
        actor=investor,
        kind="bid_hold",
    )
    audit.record(
        session,
        actor=investor,
        action="bid.placed",
        object_type="bid",
        object_id=bid.id,
        payload={
            "listing_id": listing.id,
            "amount_fen": amount_fen,
            "min_rate_bps": min_rate_bps,
            "source": source,
        },
    )
    return bid


def _own_active_bid(session: so.Session, investor: User, bid_id: int, now: datetime) -> Bid:
    _require_investor(investor)
    bid = session.scalar(sa.select(Bid).where(Bid.id == bid_id).with_for_update())
    if bid is None:
        raise NotFound(N_("No such bid."))
    if bid.investor_id != investor.id:
        raise NotAllowed(N_("This bid is not yours."))
    if bid.status != "active":
        raise InvalidState(N_("Only an active bid can be changed."))
    _open_listing(session, bid.listing_id, now)
    return bid


def cancel_bid(session: so.Session, investor: User, bid_id: int, *, now: datetime | None = None) -> Bid:
    """Withdraw an active bid before the listing closes; its money goes back to the wallet."""
    now = now or utcnow()
    bid = _own_active_bid(session, investor, bid_id, now)
    ledger.release(
        session,
        investor,
        bid.amount_fen,
        idempotency_key=f"bid-{bid.id}-cancel",
        reference=("bid", bid.id),
        actor=investor,
        kind="bid_release",
    )
    bid.status, bid.updated_at = "cancelled", now
    audit.record(session, actor=investor, action="bid.cancelled", object_type="bid", object_id=bid.id)
    return bid


def lower_bid(
    session: so.Session, investor: User, bid_id: int, *, amount_fen: int, now: datetime | None = None
) -> Bid:
    """Lower an active bid's amount (never raise it: a new bid does that); the difference is released."""
    now = now or utcnow()
    bid = _own_active_bid(session, investor, bid_id, now)
    problem = amount_problem(amount_fen)
    if problem is None and amount_fen >= bid.amount_fen:
        problem = Message(
            N_("A bid can only be lowered, below ¥%(amount)s."), amount=yuan_label(bid.amount_fen)
        )
    if problem is not None:
        raise ValidationFailed(N_("The bid has errors; see the fields."), fields={"amount": [problem]})
    released = bid.amount_fen - amount_fen
    ledger.release(
        session,
        investor,
        released,
        idempotency_key=f"bid-{bid.id}-lower-{amount_fen}",
        reference=("bid", bid.id),
        actor=investor,
        kind="bid_release",
    )
    audit.record(
        session,
        actor=investor,
        action="bid.lowered",
        object_type="bid",
        object_id=bid.id,
        payload={"from_fen": bid.amount_fen, "to_fen": amount_fen},
    )
    bid.amount_fen, bid.updated_at = amount_fen, now
    return bid


def investor_bids(
    session: so.Session, investor: User, *, status: str | None = None, page: PageRequest = FIRST_PAGE
) -> Page:
    """One page of the investor's own bids, newest first."""
    _require_investor(investor)
    query = (
        sa.select(Bid)
        .where(Bid.investor_id == investor.id)
        .options(so.joinedload(Bid.listing).joinedload(Listing.enterprise))
    )
    if status is not None:
        query = query.where(Bid.status == status)
    return paginate(session, query.order_by(Bid.id.desc()), page)
