"""Integrity checks whose results are stored: the audit hash chain and the ledger's consistency.

Pages show the newest stored result (`latest`) instead of scanning on every view. A verification
started from a page or the API continues from the newest checkpoint; the command line runs the
full check, on a schedule, because only a full check finds a change made to rows that an
earlier check already covered (see `audit.verify_chain_after` and `ledger_check`).

Running a check reads the data and records its result in `integrity_checkpoints` with who ran
it; like the other reads (regulators opening files and documents) it writes no audit event, so
verifying the chain does not lengthen it.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, NotAllowed
from marketplace.models.integrity import IntegrityCheckpoint
from marketplace.services import audit, ledger_check
from marketplace.services.audit import ChainReport
from marketplace.services.ledger_check import LedgerReport

AUDIT_CHAIN = "audit_chain"
LEDGER = "ledger"
# Regulators only read, but a verification is a read whose result is recorded: they may run it.
VERIFYING_ROLES = ("regulator", "admin")
# Problems kept with a result (the check lists at most 100 of each sort).
PROBLEMS_KEPT = 100


def latest(session: so.Session, check_name: str) -> IntegrityCheckpoint | None:
    """The newest stored result of a check, or None if it never ran."""
    return session.scalar(
        sa.select(IntegrityCheckpoint)
        .where(IntegrityCheckpoint.check_name == check_name)
        .order_by(IntegrityCheckpoint.id.desc())
        .limit(1)
    )


def verify_audit_chain(session: so.Session, *, actor, source: str, full: bool = False) -> ChainReport:
    """Verify the audit chain from the newest checkpoint (from the first event if `full` or if
    there is none) and store the result in the caller's transaction."""
    _require_verifier(actor)
    started = time.monotonic()
    previous = None if full else latest(session, AUDIT_CHAIN)
    anchor = (previous.last_id, previous.last_hash) if previous and previous.last_hash else None
    report = audit.verify_chain_after(session, anchor)
    last_id, last_hash = report.last_good or (0, None)
    session.add(
        IntegrityCheckpoint(
            check_name=AUDIT_CHAIN,
            mode="incremental" if anchor else "full",
            ok=report.ok,
            last_id=last_id,
            last_hash=last_hash,
            first_broken_seq=report.first_broken_seq,
            problems=[report.reason] if report.reason else [],
            problem_count=0 if report.ok else 1,
            covered=report.events,
            rows_read=report.read,
            **_run_by(actor, source, started),
        )
    )
    return report


def check_ledger(session: so.Session, *, actor, source: str, full: bool = False) -> LedgerReport:
    """Check the ledger from the newest checkpoint (in full if `full`, if there is none, or if
    the newest found problems: they are cleared only by a full check that finds none) and
    store the result in the caller's transaction."""
    _require_verifier(actor)
    started = time.monotonic()
    previous = None if full else latest(session, LEDGER)
    incremental = previous is not None and previous.ok
    if incremental:
        report = ledger_check.check_after(
            session,
            last_transaction_id=previous.last_id,
            last_entry_id=previous.last_entry_id or 0,
            transactions=previous.covered,
            entries=previous.entries or 0,
        )
    else:
        report = ledger_check.check(session)
    session.add(
        IntegrityCheckpoint(
            check_name=LEDGER,
            mode="incremental" if incremental else "full",
            ok=report.ok,
            last_id=report.last_transaction_id,
            last_entry_id=report.last_entry_id,
            problems=report.problems[:PROBLEMS_KEPT],
            problem_count=len(report.problems),
            covered=report.transactions,
            entries=report.entries,
            accounts=report.accounts,
            rows_read=report.read,
            **_run_by(actor, source, started),
        )
    )
    return report


def _require_verifier(actor) -> None:
    # None is the system: a command-line run.
    if actor is not None and actor.role not in VERIFYING_ROLES:
        raise NotAllowed(N_("Only regulators and administrators may run integrity checks."))


def _run_by(actor, source: str, started: float) -> dict:
    return {
        "actor_id": getattr(actor, "id", None),
        "actor": getattr(actor, "email", None) or "system",
        "source": source,
        "duration_ms": round((time.monotonic() - started) * 1000),
    }
