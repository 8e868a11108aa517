"""Loan applications and their supporting documents."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, enum_check, utcnow
from marketplace.rules import limits
from marketplace.rules.application_states import STATUSES
from marketplace.rules.catalogue import CATEGORIES, REPAYMENT_METHODS
from marketplace.rules.documents import DOCUMENT_KINDS, MAX_KIND_CHARS, OTHER

DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")


class LoanApplication(Base):
    """An SME's request for a loan, from draft through the fund manager's decision."""

    __tablename__ = "loan_applications"
    __table_args__ = (
        enum_check("status", STATUSES),
        enum_check("repayment_method", REPAYMENT_METHODS),
        enum_check("category", CATEGORIES),
        # The limits and their sources: marketplace.rules.limits.
        sa.CheckConstraint(
            f"amount_fen BETWEEN {limits.MIN_AMOUNT_FEN} AND {limits.MAX_AMOUNT_FEN}", name="amount_range"
        ),
        sa.CheckConstraint(f"amount_fen % {limits.AMOUNT_STEP_FEN} = 0", name="amount_step"),
        sa.CheckConstraint(
            f"term_months BETWEEN {limits.MIN_TERM_MONTHS} AND {limits.MAX_TERM_MONTHS}", name="term_range"
        ),
        sa.CheckConstraint(
            f"max_rate_bps IS NULL OR max_rate_bps BETWEEN {limits.MIN_RATE_BPS} AND {limits.MAX_RATE_BPS}",
            name="max_rate_range",
        ),
        sa.CheckConstraint(
            f"listing_days IS NULL OR listing_days BETWEEN {limits.MIN_LISTING_DAYS} AND "
            f"{limits.MAX_LISTING_DAYS}",
            name="listing_days_range",
        ),
        sa.CheckConstraint(
            f"fund_share_bps IS NULL OR fund_share_bps BETWEEN {limits.MIN_FUND_SHARE_BPS} "
            f"AND {limits.MAX_FUND_SHARE_BPS}",
            name="fund_share_range",
        ),
        sa.CheckConstraint(
            "second_approver_id IS NULL OR second_approver_id <> first_approver_id", name="four_eyes"
        ),
        # The review queue reads one page of a status in submission order: an index walk, not a
        # sort of every application in that status.
        sa.Index("ix_loan_applications_status_submitted_at", "status", "submitted_at", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    applicant_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(30), default="draft", index=True)
    amount_fen: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    term_months: so.Mapped[int] = so.mapped_column(sa.Integer)
    repayment_method: so.Mapped[str] = so.mapped_column(sa.String(20))
    purpose: so.Mapped[str] = so.mapped_column(sa.Text)
    category: so.Mapped[str] = so.mapped_column(sa.String(20))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Approval terms (the listing itself is created by the marketplace feature).
    max_rate_bps: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    listing_days: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    fund_share_bps: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    first_approver_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    second_approver_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # The reason of a rejection or the question of an information request, shown to the SME.
    decision_note: so.Mapped[str | None] = so.mapped_column(sa.Text)

    applicant = so.relationship("User", foreign_keys=[applicant_id])
    enterprise = so.relationship("Enterprise")
    documents: so.Mapped[list[ApplicationDocument]] = so.relationship(
        back_populates="application", order_by="ApplicationDocument.id"
    )
    assessments = so.relationship(
        "CreditAssessment", back_populates="application", order_by="CreditAssessment.id"
    )

    @property
    def assessment(self):
        """The latest credit assessment (from the last submission), or None."""
        return self.assessments[-1] if self.assessments else None

    def __repr__(self) -> str:
        return f"<LoanApplication {self.id} {self.status}>"


class ApplicationDocument(Base):
    """An uploaded supporting document; the file lives under UPLOAD_FOLDER as `stored_name`."""

    __tablename__ = "application_documents"
    __table_args__ = (
        enum_check("content_type", DOCUMENT_TYPES),
        enum_check("kind", DOCUMENT_KINDS),
        sa.CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    application_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("loan_applications.id"), index=True)
    uploaded_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    original_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(50))
    # The checklist item it satisfies (marketplace.rules.documents), or "other" for none.
    kind: so.Mapped[str] = so.mapped_column(sa.String(MAX_KIND_CHARS), default=OTHER, server_default=OTHER)
    size_bytes: so.Mapped[int] = so.mapped_column(sa.Integer)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    application: so.Mapped[LoanApplication] = so.relationship(back_populates="documents")
