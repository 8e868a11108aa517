"""Listings (an approved application open for bids) and the investors' bids on them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, enum_check, utcnow
from marketplace.rules import limits
from marketplace.rules.catalogue import CATEGORIES, REPAYMENT_METHODS

LISTING_STATUSES = ("open", "funded", "failed")
BID_STATUSES = ("active", "cancelled", "accepted", "partly_accepted", "released")
BID_SOURCES = ("manual", "auto")


class Listing(Base):
    """An approved application on the marketplace: its target, rate cap, fund share and window."""

    __tablename__ = "listings"
    __table_args__ = (
        enum_check("status", LISTING_STATUSES),
        enum_check("category", CATEGORIES),
        enum_check("repayment_method", REPAYMENT_METHODS),
        sa.CheckConstraint(
            f"amount_fen BETWEEN {limits.MIN_AMOUNT_FEN} AND {limits.MAX_AMOUNT_FEN}", name="amount_range"
        ),
        sa.CheckConstraint(
            f"max_rate_bps BETWEEN {limits.MIN_RATE_BPS} AND {limits.MAX_RATE_BPS}", name="max_rate_range"
        ),
        sa.CheckConstraint(
            f"fund_share_bps BETWEEN {limits.MIN_FUND_SHARE_BPS} AND {limits.MAX_FUND_SHARE_BPS}",
            name="fund_share_range",
        ),
        sa.CheckConstraint("min_fill_fen > 0 AND min_fill_fen <= amount_fen", name="min_fill_range"),
        sa.CheckConstraint("fund_committed_fen >= 0", name="fund_committed_not_negative"),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        # Browsing open listings and closing those due read by status and closing time.
        sa.Index("ix_listings_status_closes_at", "status", "closes_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    application_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("loan_applications.id"), unique=True)
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    borrower_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="open")
    amount_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    max_rate_bps: so.Mapped[int] = so.mapped_column(sa.Integer)
    fund_share_bps: so.Mapped[int] = so.mapped_column(sa.Integer)
    # T x s moved from the fund's pool to committed at approval; released or used at closing.
    fund_committed_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    min_fill_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    term_months: so.Mapped[int] = so.mapped_column(sa.Integer)
    repayment_method: so.Mapped[str] = so.mapped_column(sa.String(20))
    category: so.Mapped[str] = so.mapped_column(sa.String(20))
    grade: so.Mapped[str | None] = so.mapped_column(sa.String(1))
    opens_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    closes_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    clearing_rate_bps: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    application = so.relationship("LoanApplication")
    enterprise = so.relationship("Enterprise")

    def __repr__(self) -> str:
        return f"<Listing {self.id} {self.status}>"


class Bid(Base):
    """An investor's offer to lend `amount_fen` at `min_rate_bps` or more; its money is held."""

    __tablename__ = "bids"
    __table_args__ = (
        enum_check("status", BID_STATUSES),
        enum_check("source", BID_SOURCES),
        sa.CheckConstraint(
            f"amount_fen >= {limits.BID_UNIT_FEN} AND amount_fen % {limits.BID_UNIT_FEN} = 0",
            name="amount_units",
        ),
        sa.CheckConstraint(
            f"min_rate_bps BETWEEN {limits.MIN_RATE_BPS} AND {limits.MAX_RATE_BPS}", name="min_rate_range"
        ),
        sa.CheckConstraint("accepted_fen >= 0 AND accepted_fen <= amount_fen", name="accepted_range"),
        sa.Index("ix_bids_listing_id_status", "listing_id", "status"),
        sa.Index("ix_bids_investor_id_status", "investor_id", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    listing_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("listings.id"))
    investor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    amount_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    min_rate_bps: so.Mapped[int] = so.mapped_column(sa.Integer)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="active")
    accepted_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    source: so.Mapped[str] = so.mapped_column(sa.String(10), default="manual")
    rule_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("autoinvest_rules.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    listing: so.Mapped[Listing] = so.relationship()

    def __repr__(self) -> str:
        return f"<Bid {self.id} {self.status}>"
