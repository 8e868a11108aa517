"""Listings: an approved application opens on the marketplace at once (DESIGN.md step 4)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models import Listing, LoanApplication, User
from marketplace.models.base import utcnow
from marketplace.rules import limits
from marketplace.rules.fund_policy import fund_money_fen
from marketplace.services import audit, fund


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
    return listing


def listing_for_application(session: so.Session, application_id: int) -> Listing | None:
    """The listing an application became, if any."""
    return session.scalar(sa.select(Listing).where(Listing.application_id == application_id))
