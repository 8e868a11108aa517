"""What investors tell the platform: risk questionnaire answers, and auto-invest rules."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, enum_check, utcnow
from marketplace.rules import limits
from marketplace.rules.appropriateness import AGE_BANDS, LOSS_TOLERANCES, RISK_CLASSES


class RiskQuestionnaire(Base):
    """One answered questionnaire and its result; the latest valid one applies (renewed yearly)."""

    __tablename__ = "risk_questionnaires"
    __table_args__ = (
        enum_check("age_band", AGE_BANDS),
        enum_check("loss_tolerance", LOSS_TOLERANCES),
        enum_check("risk_class", RISK_CLASSES),
        sa.CheckConstraint("annual_income_fen >= 0", name="income_not_negative"),
        sa.CheckConstraint("investable_assets_fen >= 0", name="assets_not_negative"),
        sa.CheckConstraint("declared_limit_fen > 0", name="declared_limit_positive"),
        sa.CheckConstraint("experience_years BETWEEN 0 AND 80", name="experience_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    investor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    age_band: so.Mapped[str] = so.mapped_column(sa.String(10))
    annual_income_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    investable_assets_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    experience_years: so.Mapped[int] = so.mapped_column(sa.Integer)
    loss_tolerance: so.Mapped[str] = so.mapped_column(sa.String(10))
    score: so.Mapped[int] = so.mapped_column(sa.Integer)
    risk_class: so.Mapped[str] = so.mapped_column(sa.String(20))
    declared_limit_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    answered_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    valid_until: so.Mapped[date] = so.mapped_column(sa.Date)


class AutoInvestRule(Base):
    """An investor's standing instruction to bid on listings that match it."""

    __tablename__ = "autoinvest_rules"
    __table_args__ = (
        sa.CheckConstraint(
            f"min_term BETWEEN {limits.MIN_TERM_MONTHS} AND {limits.MAX_TERM_MONTHS} AND "
            f"max_term BETWEEN min_term AND {limits.MAX_TERM_MONTHS}",
            name="term_range",
        ),
        sa.CheckConstraint(
            f"min_rate_bps BETWEEN {limits.MIN_RATE_BPS} AND {limits.MAX_RATE_BPS}", name="min_rate_range"
        ),
        sa.CheckConstraint(
            f"amount_per_loan_fen >= {limits.BID_UNIT_FEN} AND "
            f"amount_per_loan_fen % {limits.BID_UNIT_FEN} = 0",
            name="amount_units",
        ),
        sa.CheckConstraint("max_total_fen >= amount_per_loan_fen", name="max_total_covers_one_loan"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    investor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    # Grades as letters ("ABC"); categories and methods as codes separated by commas.
    grades: so.Mapped[str] = so.mapped_column(sa.String(5))
    categories: so.Mapped[str] = so.mapped_column(sa.String(80))
    methods: so.Mapped[str] = so.mapped_column(sa.String(80))
    min_term: so.Mapped[int] = so.mapped_column(sa.Integer)
    max_term: so.Mapped[int] = so.mapped_column(sa.Integer)
    min_rate_bps: so.Mapped[int] = so.mapped_column(sa.Integer)
    amount_per_loan_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    max_total_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    # A deleted rule is kept (its bids name it), only switched off and marked.
    deleted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
