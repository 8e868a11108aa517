"""Listings: an approved application opens on the marketplace at once (DESIGN.md step 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, NotAllowed, NotFound
from marketplace.models import Bid, Enterprise, Listing, Loan, LoanApplication, User
from marketplace.models.base import utcnow
from marketplace.pagination import Page, PageRequest, paginate_rows
from marketplace.rules import limits
from marketplace.rules.fund_policy import fund_money_fen
from marketplace.services import audit, autoinvest, fund


def min_fill_fen(amount_fen: int) -> int:
    """The smallest loan a listing may make: 80 % of its target (DESIGN.md step 5)."""
    return amount_fen * limits.DEFAULT_MIN_FILL_BPS // 10_000


def check_fund_share(session: so.Session, application: LoanApplication, fund_share_bps: int) -> None:
    """Refuse a fund share the fund's policy or money does not allow (before anything is written)."""
    fund.check_commitment(
        session,
        enterprise_id=application.enterprise_id,
        category=application.category,
        share_bps=fund_share_bps,
        fund_fen=fund_money_fen(application.amount_fen, fund_share_bps),
    )


def open_listing(
    session: so.Session, actor: User, application: LoanApplication, *, now: datetime | None = None
) -> Listing:
    """Open the listing of an application approved just now, committing the fund's share.

    Runs in the decision's transaction: if the fund cannot take its share, the decision fails too.
    """
    now = now or utcnow()
    check_fund_share(session, application, application.fund_share_bps)
    assessment = application.assessment
    listing = Listing(
        application_id=application.id,
        enterprise_id=application.enterprise_id,
        borrower_id=application.applicant_id,
        status="open",
        amount_fen=application.amount_fen,
        max_rate_bps=application.max_rate_bps,
        fund_share_bps=application.fund_share_bps,
        fund_committed_fen=fund_money_fen(application.amount_fen, application.fund_share_bps),
        min_fill_fen=min_fill_fen(application.amount_fen),
        term_months=application.term_months,
        repayment_method=application.repayment_method,
        category=application.category,
        grade=assessment.grade if assessment is not None else None,
        opens_at=now,
        closes_at=now + timedelta(days=application.listing_days),
    )
    session.add(listing)
    session.flush()
    fund.commit_to_listing(session, actor, listing)
    audit.record(
        session,
        actor=actor,
        action="listing.opened",
        object_type="listing",
        object_id=listing.id,
        payload={
            "application_id": application.id,
            "amount_fen": listing.amount_fen,
            "fund_committed_fen": listing.fund_committed_fen,
            "closes_at": listing.closes_at.isoformat(),
        },
    )
    # Saved auto-invest rules bid at once, in the approval's transaction.
    autoinvest.run_autoinvest(session, listing, now=now, today=autoinvest.market_day(now))
    return listing


def listing_for_application(session: so.Session, application_id: int) -> Listing | None:
    """The listing an application became, if any."""
    return session.scalar(sa.select(Listing).where(Listing.application_id == application_id))


# ---------------------------------------------------------------------------------------------
# Reading listings: investors, fund managers and regulators browse every listing; the borrowing
# SME reads its own. Investors never see who bid or any single bid: only totals and a histogram.

LISTING_READERS = ("investor", "fund_manager", "regulator")
SORTS = ("closing_soon", "rate", "funded")
RATE_BUCKET_BPS = 100  # the bid-rate histogram groups minimum rates by whole percent


@dataclass(frozen=True)
class ListingFilters:
    """What the browse list is narrowed to and how it is ordered (None: any)."""

    status: str | None = "open"
    grade: str | None = None
    category: str | None = None
    max_term: int | None = None  # this term in months or shorter
    method: str | None = None
    min_rate_bps: int | None = None  # listings whose maximum rate reaches this
    sort: str = "closing_soon"


@dataclass(frozen=True)
class ListingRow:
    """One listing as the browse list shows it."""

    id: int
    application_id: int
    enterprise_name: str
    grade: str | None
    amount_fen: int
    max_rate_bps: int
    term_months: int
    repayment_method: str
    category: str
    fund_share_bps: int
    fund_committed_fen: int
    closes_at: datetime
    bid_total_fen: int
    status: str

    @property
    def private_target_fen(self) -> int:
        """What investors are asked for: the amount less the fund's share."""
        return self.amount_fen - self.fund_committed_fen

    @property
    def funded_bps(self) -> int:
        """Active bids against the investors' target, in basis points (above 10,000 when oversubscribed)."""
        return self.bid_total_fen * 10_000 // max(self.private_target_fen, 1)


def require_reader(user: User) -> None:
    """Refuse a role that may not browse listings (SMEs read only their own, by id)."""
    if user.role not in LISTING_READERS:
        raise NotAllowed(N_("Your role may not browse listings."))


def _bid_total():
    return (
        sa.select(sa.func.coalesce(sa.func.sum(Bid.amount_fen), 0))
        .where(Bid.listing_id == Listing.id, Bid.status == "active")
        .correlate(Listing)
        .scalar_subquery()
    )


def browse_listings(session: so.Session, user: User, filters: ListingFilters, page: PageRequest) -> Page:
    """One page of listings with their enterprise's name and active bid total (one query plus the count)."""
    require_reader(user)
    bid_total = _bid_total().label("bid_total_fen")
    query = sa.select(Listing, Enterprise.name, bid_total).join(
        Enterprise, Enterprise.id == Listing.enterprise_id
    )
    if filters.status:
        query = query.where(Listing.status == filters.status)
    if filters.grade:
        query = query.where(Listing.grade == filters.grade)
    if filters.category:
        query = query.where(Listing.category == filters.category)
    if filters.max_term:
        query = query.where(Listing.term_months <= filters.max_term)
    if filters.method:
        query = query.where(Listing.repayment_method == filters.method)
    if filters.min_rate_bps:
        query = query.where(Listing.max_rate_bps >= filters.min_rate_bps)
    if filters.sort == "rate":
        query = query.order_by(Listing.max_rate_bps.desc(), Listing.closes_at, Listing.id)
    elif filters.sort == "funded":
        funded = bid_total * 10_000 / sa.func.nullif(Listing.amount_fen - Listing.fund_committed_fen, 0)
        query = query.order_by(funded.desc(), Listing.closes_at, Listing.id)
    else:
        query = query.order_by(Listing.closes_at, Listing.id)
    return paginate_rows(session, query, page, _row)


def _row(row) -> ListingRow:
    listing, name, total = row
    return ListingRow(
        id=listing.id,
        application_id=listing.application_id,
        enterprise_name=name,
        grade=listing.grade,
        amount_fen=listing.amount_fen,
        max_rate_bps=listing.max_rate_bps,
        term_months=listing.term_months,
        repayment_method=listing.repayment_method,
        category=listing.category,
        fund_share_bps=listing.fund_share_bps,
        fund_committed_fen=listing.fund_committed_fen,
        closes_at=listing.closes_at,
        bid_total_fen=int(total),
        status=listing.status,
    )


def open_listing_count(session: so.Session) -> int:
    """How many listings take bids now."""
    return session.scalar(sa.select(sa.func.count()).select_from(Listing).where(Listing.status == "open"))


@dataclass(frozen=True)
class ListingDetail:
    """A listing as its page and GET /listings/{id} show it: totals, never single bids or bidders."""

    listing: Listing
    bid_total_fen: int
    bid_count: int
    loan_id: int | None
    rate_histogram: list[tuple[int, int]]  # (rate bucket's lower bound in bps, amount bid in fen)

    @property
    def funded_bps(self) -> int:
        """Active bids against the investors' target, in basis points."""
        target = self.listing.amount_fen - self.listing.fund_committed_fen
        return self.bid_total_fen * 10_000 // max(target, 1)


def readable_listing(session: so.Session, user: User, listing_id: int) -> Listing:
    """The listing if this user may read it: 404 unknown, 403 an SME's listing not its own."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(N_("No such listing."))
    if user.role not in LISTING_READERS and not (user.role == "sme" and listing.borrower_id == user.id):
        raise NotAllowed(N_("This listing is not yours to see."))
    return listing


def listing_detail(session: so.Session, user: User, listing_id: int) -> ListingDetail:
    """The listing with its bid totals and the histogram of bid rates (amounts, never bidders)."""
    listing = readable_listing(session, user, listing_id)
    active = sa.and_(Bid.listing_id == listing.id, Bid.status.in_(COUNTED_BID_STATUSES[listing.status]))
    total, count = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Bid.amount_fen), 0), sa.func.count(Bid.id)).where(active)
    ).one()
    bucket = Bid.min_rate_bps  # grouped by exact rate, bucketed below (integer division differs by database)
    rows = session.execute(
        sa.select(bucket, sa.func.sum(Bid.amount_fen)).where(active).group_by(bucket)
    ).all()
    histogram: dict[int, int] = {}
    for rate, amount in rows:
        low = rate // RATE_BUCKET_BPS * RATE_BUCKET_BPS
        histogram[low] = histogram.get(low, 0) + int(amount)
    loan_id = session.scalar(sa.select(Loan.id).where(Loan.listing_id == listing.id))
    return ListingDetail(listing, int(total), int(count), loan_id, sorted(histogram.items()))


# An open listing counts its active bids; a closed one the bids the auction took.
COUNTED_BID_STATUSES = {
    "open": ("active",),
    "funded": ("accepted", "partly_accepted"),
    "failed": ("released",),
}
