"""Append-only, hash-chained audit log.

Each event's hash is SHA-256 over the canonical JSON of the event followed by the previous
event's hash, so editing or deleting any row breaks every later link. Events are written in
the same database transaction as the change they record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.audit import AuditEvent
from marketplace.models.base import as_utc, utcnow

GENESIS_HASH = "0" * 64
# Any constant works; it names the PostgreSQL advisory lock that serialises appends.
CHAIN_LOCK_KEY = 0x5A4A_0A0D


def canonical_json(data: dict) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _timestamp(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    payload: dict,
    prev_hash: str,
) -> str:
    """SHA-256 hex of the event's canonical JSON followed by the previous hash."""
    body = canonical_json(
        {
            "seq": seq,
            "occurred_at": _timestamp(occurred_at),
            "actor_id": actor_id,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "payload": payload,
        }
    )
    return hashlib.sha256((body + prev_hash).encode("utf-8")).hexdigest()


def lock_chain(session: so.Session) -> None:
    """Serialise appends so that two transactions never extend the chain from the same link."""
    if session.get_bind().dialect.name == "postgresql":
        # Held until the database transaction ends: take it once per transaction.
        if _chain_locked(session):
            return
        session.connection().execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
        note_chain_locked(session)
    # SQLite: every transaction begins IMMEDIATE (see marketplace.database), one writer at a time.


def _current_transaction(session: so.Session):
    # The innermost transaction: a lock taken inside a savepoint that is rolled back may be
    # gone, so a lock noted there does not count for the enclosing transaction (taking it
    # again is harmless: advisory locks nest).
    if isinstance(session, so.scoped_session):
        session = session()
    return session, session.get_nested_transaction() or session.get_transaction()


def _chain_locked(session: so.Session) -> bool:
    session, transaction = _current_transaction(session)
    return transaction is not None and session.info.get("audit_chain_locked_by") is transaction


def note_chain_locked(session: so.Session) -> None:
    """Remember that this database transaction holds the chain's lock (taken by the caller)."""
    session, transaction = _current_transaction(session)
    session.info["audit_chain_locked_by"] = transaction


def next_link(
    last: tuple[int, str] | None,
    *,
    actor,
    action: str,
    object_type: str,
    object_id: object,
    payload: dict | None = None,
) -> dict:
    """Column values of the event that follows `last` ((seq, hash) of the newest event, or None)."""
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    fields = {
        "seq": seq,
        "occurred_at": utcnow(),
        "actor_id": getattr(actor, "id", None),
        "actor": getattr(actor, "email", None) or "system",
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "payload": payload or {},
    }
    return {**fields, "prev_hash": prev_hash, "hash": event_hash(**fields, prev_hash=prev_hash)}


def record(
    session: so.Session,
    *,
    actor,
    action: str,
    object_type: str,
    object_id: object,
    payload: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction (not committed here).

    `actor` is a User, or None for the system / an anonymous visitor (named in the payload).
    """
    lock_chain(session)
    last = (
        session.connection()
        .execute(sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
        .first()
    )
    link = next_link(
        last, actor=actor, action=action, object_type=object_type, object_id=object_id, payload=payload
    )
    # A plain INSERT rather than the ORM unit of work: the time spent holding the chain lock is
    # kept short.
    session.connection().execute(sa.insert(AuditEvent.__table__).values(**link))
    return AuditEvent(**link)


@dataclass(frozen=True)
class ChainReport:
    """Outcome of verifying the chain: ok, events checked, first broken seq (or None).

    `events` counts the chain up to the break (or to its end), including the part an
    incremental run took from its checkpoint; `read` is how many events this run hashed.
    `last_good` is (seq, hash) of the last event found intact, where the next run may start
    (None: start from the beginning).
    """

    ok: bool
    events: int
    first_broken_seq: int | None
    reason: str | None = None
    last_good: tuple[int, str] | None = None
    read: int = 0

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "events": self.events,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
        }


def verify_chain(session: so.Session, batch_size: int = 1000) -> ChainReport:
    """Recompute every hash in order; report the first event whose link or hash is wrong."""
    return verify_chain_after(session, None, batch_size=batch_size)


def verify_chain_after(
    session: so.Session, checkpoint: tuple[int, str] | None, *, batch_size: int = 1000
) -> ChainReport:
    """Verify only the events after `checkpoint` ((seq, hash) of an event verified before).

    The first event after it must link to the stored hash and every later one is recomputed, so
    a change made after the checkpoint is found at its seq. Events before the checkpoint are not
    read again: a row changed there is found only by a full verification (`verify_chain`, run
    on a schedule by `flask audit verify`); the append-only triggers refuse such a change in the
    first place. The checkpointed event itself is looked up (one row): if the chain was cut
    back below it or it was rewritten, that seq is reported broken, and stays so on every later
    run from this checkpoint until a full verification finds where the chain breaks.
    """
    if checkpoint is not None:
        seq, stored_hash = checkpoint
        found = session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.seq == seq))
        if found != stored_hash:
            return ChainReport(False, seq, seq, "checkpointed event changed or missing", checkpoint)
    query = sa.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    if checkpoint is not None:
        query = query.where(AuditEvent.seq > checkpoint[0])
    # Closed on every exit: an early return must not leave PostgreSQL's server-side cursor open.
    with session.scalars(query) as events:
        return _first_break(events, checkpoint)


def _first_break(events, checkpoint: tuple[int, str] | None) -> ChainReport:
    last_good = checkpoint
    expected_prev, expected_seq = (checkpoint[1], checkpoint[0] + 1) if checkpoint else (GENESIS_HASH, 1)
    covered, read = expected_seq - 1, 0
    for event in events:
        read += 1
        covered += 1
        if event.seq != expected_seq:
            return ChainReport(False, covered, expected_seq, "missing event", last_good, read)
        reason = _link_problem(event, expected_prev)
        if reason is not None:
            return ChainReport(False, covered, event.seq, reason, last_good, read)
        expected_prev, expected_seq = event.hash, event.seq + 1
        last_good = (event.seq, event.hash)
    return ChainReport(True, covered, None, None, last_good, read)


def _link_problem(event: AuditEvent, expected_prev: str) -> str | None:
    if event.prev_hash != expected_prev:
        return "previous hash does not match"
    recomputed = event_hash(
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        payload=event.payload,
        prev_hash=event.prev_hash,
    )
    if recomputed != event.hash:
        return "event content does not match its hash"
    return None


def events_for(session: so.Session, object_type: str, object_id: object) -> list[AuditEvent]:
    """All events about one object, oldest first (timelines and histories)."""
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.seq)
        )
    )
