"""The unit of work: every business operation is one database transaction, ended in one place.

Entry points (web views, API handlers, CLI commands, jobs) open it; services work inside it and
never commit. It commits when the work returns and rolls back when it raises, with one
exception: an error whose `keeps_changes` is set (a failed sign-in, whose audit row is the point)
is committed before it propagates, so no entry point can forget to keep that record.
`run` also retries the whole unit a bounded number of times on serialization failures and
deadlocks, because after one PostgreSQL has aborted the transaction and nothing in it can be kept.

Flows that must talk to an outside party between two commits (a payment provider) run one unit
per step, in `marketplace.services.payment_flows`; that is the only place that does so.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import DomainError

T = TypeVar("T")
# PostgreSQL: serialization_failure and deadlock_detected; the whole unit of work is retried.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
DEFAULT_ATTEMPTS = 5
_AFTER_COMMIT = "unit_of_work.after_commit"
_ON_ROLLBACK = "unit_of_work.on_rollback"


@contextmanager
def transaction(session: so.Session) -> Iterator[so.Session]:
    """Commit what the block did, or roll all of it back if it raised (see `keeps_changes`).

    Work outside the database registered with `after_commit` / `on_rollback` (a document's file)
    follows the transaction's fate.
    """
    try:
        yield session
    except DomainError as error:
        if error.keeps_changes:
            _commit(session)
        else:
            _rollback(session)
        raise
    except BaseException:
        _rollback(session)
        raise
    _commit(session)


def after_commit(session: so.Session, action: Callable[[], object]) -> None:
    """Run `action` once the current unit of work has committed (e.g. delete a removed file)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


def on_rollback(session: so.Session, action: Callable[[], object]) -> None:
    """Run `action` if the current unit of work rolls back (e.g. delete a file written for it)."""
    session.info.setdefault(_ON_ROLLBACK, []).append(action)


def _commit(session: so.Session) -> None:
    try:
        session.commit()
    except BaseException:
        _rollback(session)
        raise
    session.info.pop(_ON_ROLLBACK, None)
    for action in session.info.pop(_AFTER_COMMIT, ()):
        action()


def _rollback(session: so.Session) -> None:
    session.rollback()
    session.info.pop(_AFTER_COMMIT, None)
    for action in session.info.pop(_ON_ROLLBACK, ()):
        action()


def run(session: so.Session, work: Callable[[], T], *, attempts: int = DEFAULT_ATTEMPTS) -> T:
    """Run `work()` as one committed transaction, retrying it whole on a deadlock or conflict."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction(session):
                return work()
        except sa.exc.DBAPIError as error:
            if attempt == attempts or not is_retryable(error):
                raise
            time.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311 - jitter, not secrecy
    raise AssertionError("unreachable")


def end_read(session: so.Session) -> None:
    """End a read-only transaction (no lock is kept while waiting, the next read sees new rows)."""
    session.rollback()


def is_retryable(error: BaseException) -> bool:
    """True for a serialization failure or deadlock (PostgreSQL) or a busy database (SQLite)."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    return isinstance(error, sa.exc.OperationalError) and "database is locked" in str(original)
