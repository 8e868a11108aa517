"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime


class AuditEvent(Base):
    """One recorded action; `hash` covers the event and the previous event's hash."""

    __tablename__ = "audit_events"

    seq: so.Mapped[int] = so.mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    occurred_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.Integer, index=True)
    actor: so.Mapped[str] = so.mapped_column(sa.String(254))
    action: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(64))
    object_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    payload: so.Mapped[dict] = so.mapped_column(sa.JSON)
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)

    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)
