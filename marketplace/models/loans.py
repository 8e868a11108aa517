"""Loans made by a cleared listing, and the parts of them each lender holds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, enum_check, utcnow
from marketplace.rules import limits
from marketplace.rules.catalogue import CATEGORIES, REPAYMENT_METHODS

LOAN_STATUSES = ("current", "late", "defaulted", "repaid", "written_off")
HOLDER_TYPES = ("fund", "investor")


class Loan(Base):
    """A loan at the clearing rate, disbursed to the SME's wallet."""

    __tablename__ = "loans"
    __table_args__ = (
        enum_check("status", LOAN_STATUSES),
        enum_check("category", CATEGORIES),
        enum_check("repayment_method", REPAYMENT_METHODS),
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
        sa.CheckConstraint(
            f"rate_bps BETWEEN {limits.MIN_RATE_BPS} AND {limits.MAX_RATE_BPS}", name="rate_range"
        ),
        sa.CheckConstraint("days_past_due >= 0", name="days_past_due_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    listing_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("listings.id"), unique=True)
    borrower_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    enterprise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    amount_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    rate_bps: so.Mapped[int] = so.mapped_column(sa.Integer)
    term_months: so.Mapped[int] = so.mapped_column(sa.Integer)
    repayment_method: so.Mapped[str] = so.mapped_column(sa.String(20))
    category: so.Mapped[str] = so.mapped_column(sa.String(20))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="current", index=True)
    days_past_due: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    disbursed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    parts: so.Mapped[list[LoanPart]] = so.relationship(back_populates="loan", order_by="LoanPart.id")

    def __repr__(self) -> str:
        return f"<Loan {self.id} {self.status}>"


class LoanPart(Base):
    """Who lent how much of a loan: one part per accepted bid and one for the fund."""

    __tablename__ = "loan_parts"
    __table_args__ = (
        enum_check("holder_type", HOLDER_TYPES),
        sa.CheckConstraint(
            "(holder_type = 'fund' AND investor_id IS NULL) OR "
            "(holder_type = 'investor' AND investor_id IS NOT NULL AND bid_id IS NOT NULL)",
            name="holder_consistent",
        ),
        sa.CheckConstraint("principal_fen > 0", name="principal_positive"),
        sa.CheckConstraint(
            "outstanding_fen >= 0 AND outstanding_fen <= principal_fen", name="outstanding_range"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    loan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("loans.id"), index=True)
    holder_type: so.Mapped[str] = so.mapped_column(sa.String(10))
    investor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    bid_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("bids.id"), unique=True)
    principal_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    outstanding_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    loan: so.Mapped[Loan] = so.relationship(back_populates="parts")
