"""Stored results of the integrity checks (audit hash chain, ledger consistency).

Pages show the newest result instead of scanning everything on each view; the next
verification continues from the position a result records. One row per run, never rewritten.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import Base, UTCDateTime, enum_check, utcnow

CHECKS = ("audit_chain", "ledger")
MODES = ("full", "incremental")
SOURCES = ("cli", "web", "api")


class IntegrityCheckpoint(Base):
    """One verification run: what it covered, what it found, when and by whom.

    `last_id` is where the next incremental run starts: for the audit chain the seq of the last
    event found intact (with its hash in `last_hash`); for the ledger the last transaction id
    (and `last_entry_id` the last entry id) that the run covered.
    """

    __tablename__ = "integrity_checkpoints"
    __table_args__ = (
        enum_check("check_name", CHECKS),
        enum_check("mode", MODES),
        enum_check("source", SOURCES),
        sa.Index("ix_integrity_checkpoints_check_name_id", "check_name", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    check_name: so.Mapped[str] = so.mapped_column(sa.String(20))
    mode: so.Mapped[str] = so.mapped_column(sa.String(12))
    ok: so.Mapped[bool] = so.mapped_column(sa.Boolean)
    last_id: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    last_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    last_entry_id: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    first_broken_seq: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    # Audit chain: the reason of the break; ledger: the first problems found (all are counted).
    problems: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    problem_count: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    # Audit chain: events covered (the chain up to the break or its end); ledger: transactions.
    covered: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    # Rows this run actually read (events, or ledger transactions); the rest was covered before.
    rows_read: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    accounts: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    entries: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    duration_ms: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    checked_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    actor: so.Mapped[str] = so.mapped_column(sa.String(254))
    source: so.Mapped[str] = so.mapped_column(sa.String(12))

    def __repr__(self) -> str:
        return f"<IntegrityCheckpoint {self.id} {self.check_name} {self.mode} ok={self.ok}>"
