"""Credit model versions the platform knows, and which one scores applications."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, utcnow


class CreditModelVersion(Base):
    """One artifact of the model registry, pinned by its SHA-256; at most one row is active.

    The artifact itself stays on disk (scoring.registry verifies it); this row decides whether
    it scores applications, so every host reads the same answer and a promotion commits
    together with its audit event.
    """

    __tablename__ = "credit_model_versions"
    __table_args__ = (
        # A partial unique index: any number of inactive rows, a single active one. SQLite's
        # planner uses it only for a query whose WHERE repeats the predicate word for word,
        # and SQLAlchemy writes a boolean test as "active = 1" there.
        sa.Index(
            "uq_credit_model_versions_one_active",
            "active",
            unique=True,
            postgresql_where=sa.text("active"),
            sqlite_where=sa.text("active = 1"),
        ),
        sa.CheckConstraint("NOT active OR promoted_at IS NOT NULL", name="active_was_promoted"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    artifact_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    promoted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    promoted_by: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=False)

    def __repr__(self) -> str:
        return f"<CreditModelVersion {self.version}{' active' if self.active else ''}>"
