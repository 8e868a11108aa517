"""The unit of work: one commit or one rollback per operation, retries, errors that keep changes."""

import pytest
import sqlalchemy as sa

from marketplace.domain_errors import AuthenticationFailed, ValidationFailed
from marketplace.extensions import db
from marketplace.models import AuditEvent
from marketplace.services import audit, unit_of_work


def _audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def test_work_that_returns_is_committed(app):
    before = _audit_count()
    unit_of_work.run(
        db.session,
        lambda: audit.record(db.session, actor=None, action="test.kept", object_type="test", object_id=1),
    )
    db.session.rollback()  # nothing left to roll back: it was committed
    assert _audit_count() == before + 1


def test_work_that_raises_a_domain_error_is_rolled_back(app):
    before = _audit_count()

    def work():
        audit.record(db.session, actor=None, action="test.dropped", object_type="test", object_id=1)
        raise ValidationFailed("no")

    with pytest.raises(ValidationFailed):
        unit_of_work.run(db.session, work)
    assert _audit_count() == before


def test_an_error_that_keeps_changes_commits_them_before_propagating(app):
    before = _audit_count()

    def work():
        audit.record(db.session, actor=None, action="auth.sign_in_failed", object_type="test", object_id=1)
        raise AuthenticationFailed("wrong password")

    with pytest.raises(AuthenticationFailed), unit_of_work.transaction(db.session):
        work()
    db.session.rollback()
    assert _audit_count() == before + 1


def test_an_unexpected_error_is_rolled_back(app):
    before = _audit_count()
    with pytest.raises(RuntimeError), unit_of_work.transaction(db.session):
        audit.record(db.session, actor=None, action="test.dropped", object_type="test", object_id=1)
        raise RuntimeError("boom")
    assert _audit_count() == before


def test_unit_of_work_retries_a_deadlock_then_gives_up(app, monkeypatch):
    calls = []

    class Deadlock(Exception):
        sqlstate = "40P01"

    def work():
        calls.append(1)
        raise sa.exc.OperationalError("SELECT", {}, Deadlock())

    with pytest.raises(sa.exc.OperationalError):
        unit_of_work.run(db.session, work, attempts=3)
    assert len(calls) == 3
    calls.clear()

    def flaky():
        calls.append(1)
        if len(calls) < 2:
            raise sa.exc.OperationalError("SELECT", {}, Deadlock())
        return "done"

    assert unit_of_work.run(db.session, flaky) == "done" and len(calls) == 2


def test_unit_of_work_does_not_retry_other_errors(app):
    calls = []

    def work():
        calls.append(1)
        raise sa.exc.IntegrityError("INSERT", {}, Exception("unique"))

    with pytest.raises(sa.exc.IntegrityError):
        unit_of_work.run(db.session, work)
    assert calls == [1]
