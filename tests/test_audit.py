"""The hash-chained audit log: events recorded, chain verified, tampering detected."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent
from marketplace.rules.application_states import EVENTS
from marketplace.rules.audit_actions import ACTION_NAMES
from marketplace.services import audit
from tests.helpers import api_token, bearer, login, make_user


def _disable_append_only_guard() -> None:
    """What an attacker with database access would do first."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        db.session.execute(sa.text("DROP TRIGGER audit_events_append_only_update"))
        db.session.execute(sa.text("DROP TRIGGER audit_events_append_only_delete"))
    db.session.commit()


def restore_append_only_guard() -> None:
    """PostgreSQL keeps one database for the whole run: later tests need the trigger back."""
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
        db.session.commit()


@pytest.fixture(autouse=True)
def _append_only_guard_restored(app):
    yield
    restore_append_only_guard()


def test_registration_sign_in_and_failures_are_chained(app, users):
    login(app.test_client(), "sme@example.com")
    login(app.test_client(), "sme@example.com", "Wrong-Password-000")
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["user.created"] * 5 + ["auth.signed_in", "auth.sign_in_failed"]
    assert events[0].prev_hash == audit.GENESIS_HASH
    for earlier, later in zip(events, events[1:], strict=False):
        assert later.prev_hash == earlier.hash
        assert later.seq == earlier.seq + 1
    assert events[-1].payload == {"email": "sme@example.com", "source": "web"}
    assert audit.verify_chain(db.session).ok


def test_event_hash_is_sha256_of_canonical_json_plus_prev_hash(app, users):
    import hashlib

    event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    body = audit.canonical_json(
        {
            "seq": event.seq,
            "occurred_at": event.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z",
            "actor_id": event.actor_id,
            "actor": event.actor,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "payload": event.payload,
        }
    )
    assert event.hash == hashlib.sha256((body + event.prev_hash).encode()).hexdigest()


def test_updates_and_deletes_are_refused_by_the_database(app, users):
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("UPDATE audit_events SET actor = 'x' WHERE seq = 1"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("DELETE FROM audit_events WHERE seq = 1"))
        db.session.flush()
    db.session.rollback()


def test_edited_payload_is_detected_at_that_event(app, users, runner, client):
    _disable_append_only_guard()
    db.session.execute(sa.text("UPDATE audit_events SET actor = 'someone-else@example.com' WHERE seq = 3"))
    db.session.commit()
    report = audit.verify_chain(db.session)
    assert (report.ok, report.first_broken_seq) == (False, 3)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at seq 3" in result.output
    token = api_token(client, "regulator@example.com")  # appends events after the break
    body = client.get("/api/v1/regulator/audit/verify", headers=bearer(token)).get_json()
    assert body["ok"] is False and body["first_broken_seq"] == 3


def test_rehashed_edit_breaks_the_next_link(app, users):
    _disable_append_only_guard()
    event = db.session.get(AuditEvent, 2)
    forged = audit.event_hash(
        seq=2,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor=event.actor,
        action="user.deleted",
        object_type=event.object_type,
        object_id=event.object_id,
        payload=event.payload,
        prev_hash=event.prev_hash,
    )
    db.session.execute(
        sa.text("UPDATE audit_events SET action = 'user.deleted', hash = :h WHERE seq = 2"), {"h": forged}
    )
    db.session.commit()
    report = audit.verify_chain(db.session)
    assert (report.ok, report.first_broken_seq) == (False, 3)


def test_deleted_event_is_detected(app, users):
    _disable_append_only_guard()
    db.session.execute(sa.text("DELETE FROM audit_events WHERE seq = 2"))
    db.session.commit()
    report = audit.verify_chain(db.session)
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 2, "missing event")


def test_intact_chain_verifies_by_cli_and_api(runner, client, users):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "ok: 5 events" in result.output
    token = api_token(client, "regulator@example.com")
    body = client.get("/api/v1/regulator/audit/verify", headers=bearer(token)).get_json()
    assert body["ok"] is True and body["first_broken_seq"] is None and body["events"] >= 6


def test_regulator_page_shows_the_stored_chain_state(regulator_client):
    page = regulator_client.get("/regulator/audit").get_data(as_text=True)
    assert "The audit chain has never been verified." in page
    assert "auth.signed_in" in page
    regulator_client.post("/regulator/audit/verify", data={"next": "/regulator/audit"})
    assert "Audit chain intact: 6 events verified." in regulator_client.get("/regulator/audit").get_data(
        as_text=True
    )


def test_event_written_in_the_callers_transaction(app, users):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    audit.record(db.session, actor=users["admin"], action="test.rolled_back", object_type="x", object_id=1)
    db.session.rollback()
    after = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert before == after


def test_the_audit_log_names_actions_and_objects_in_the_readers_language(app, users):
    make_user("regulator", "zh-regulator@example.com", locale="zh_CN")
    client = app.test_client()
    login(client, "zh-regulator@example.com")
    page = client.get("/regulator/audit").get_data(as_text=True)
    assert "登录" in page and "auth.signed_in" in page  # the name, with the stored code beside it
    assert "账户 #" in page and "user " not in page


def test_every_audited_action_has_a_name():
    """Each action code the code records (and each application transition) is named for people."""
    source = Path(__file__).resolve().parent.parent / "marketplace"
    recorded = {
        code
        for path in source.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if "action" in line
        for code in re.findall(r'"([a-z_]+\.[a-z_]+)"', line)
        if code.split(".")[0] in {"auth", "user", "enterprise", "statement", "model", "ledger", "payment"}
    }
    recorded |= {f"application.{event}" for event in EVENTS}
    assert recorded - set(ACTION_NAMES) == set()
