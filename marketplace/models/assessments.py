"""Credit assessments: what the model said about an application, and exactly why."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, enum_check, utcnow
from marketplace.rules.limits import MAX_RATE_BPS, MIN_RATE_BPS

GRADES = ("A", "B", "C", "D", "E")


class CreditAssessment(Base):
    """One scoring of an application: model version, the feature values it saw, and its output.

    Kept for every submission, so that the grade an application received can be explained
    later even after a newer model has been promoted.
    """

    __tablename__ = "credit_assessments"
    __table_args__ = (
        enum_check("grade", GRADES),
        sa.CheckConstraint("pd >= 0 AND pd <= 1", name="pd_range"),
        sa.CheckConstraint(f"max_rate_bps BETWEEN {MIN_RATE_BPS} AND {MAX_RATE_BPS}", name="max_rate_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    application_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("loan_applications.id"), index=True)
    model_version: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    artifact_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    # A probability, not money: kept as an exact decimal of the model's output (8 places).
    pd: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(10, 8))
    score: so.Mapped[int] = so.mapped_column(sa.Integer)
    grade: so.Mapped[str] = so.mapped_column(sa.String(1))
    max_rate_bps: so.Mapped[int] = so.mapped_column(sa.Integer)
    reasons: so.Mapped[list] = so.mapped_column(sa.JSON)
    features: so.Mapped[dict] = so.mapped_column(sa.JSON)
    statement_years: so.Mapped[list] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    application = so.relationship("LoanApplication", back_populates="assessments")
