"""The smart-city fund's policy, one row per version (the latest one applies)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, utcnow
from marketplace.rules import limits

# The fund owns its ledger accounts (pool, committed) as owner ("fund", FUND_ID): there is one.
FUND_ID = 1


class FundPolicyVersion(Base):
    """One version of the fund policy; versions are appended, never edited (who, when, what)."""

    __tablename__ = "fund_policy_versions"
    __table_args__ = (
        sa.CheckConstraint(
            f"max_share_bps BETWEEN {limits.MIN_FUND_SHARE_BPS} AND {limits.MAX_FUND_SHARE_BPS}",
            name="max_share_range",
        ),
        sa.CheckConstraint(
            "max_per_enterprise_fen IS NULL OR max_per_enterprise_fen >= 0",
            name="enterprise_limit_not_negative",
        ),
        sa.CheckConstraint("target_leverage > 0", name="target_leverage_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, unique=True)
    max_share_bps: so.Mapped[int] = so.mapped_column(sa.Integer)
    # Category codes separated by commas (marketplace.rules.catalogue.CATEGORIES); empty: none.
    eligible_categories: so.Mapped[str] = so.mapped_column(sa.String(80))
    max_per_enterprise_fen: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    # {category: budget in fen}; a category absent has no budget of its own.
    budgets: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    target_leverage: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(8, 2))
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
