"""Stored integrity checks: the audit chain and the ledger verified from their newest checkpoint."""

import pytest
import sqlalchemy as sa

from marketplace.domain_errors import NotAllowed
from marketplace.extensions import db
from marketplace.models import AuditEvent, IntegrityCheckpoint, LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.services import audit, integrity, ledger
from tests.helpers import api_token, bearer, login
from tests.test_audit import _disable_append_only_guard, restore_append_only_guard

INVESTOR, SME = ("user", 101), ("user", 102)


@pytest.fixture(autouse=True)
def _append_only_guard_restored(app):
    yield
    restore_append_only_guard()


def verify_chain(full=False, actor=None):
    report = integrity.verify_audit_chain(db.session, actor=actor, source="cli", full=full)
    db.session.commit()
    return report


def check_ledger(full=False, actor=None):
    report = integrity.check_ledger(db.session, actor=actor, source="cli", full=full)
    db.session.commit()
    return report


def newest(check_name) -> IntegrityCheckpoint:
    return integrity.latest(db.session, check_name)


def sign_in_again(app, times=2):
    """Append `times` events to the chain (one per sign-in)."""
    for _ in range(times):
        login(app.test_client(), "sme@example.com")


def fund(owner, amount, key):
    clearing = ledger.platform_account(db.session, "gateway_clearing")
    wallet = ledger.account_id(db.session, owner, "wallet")
    posted = ledger.transfer(
        db.session, source=clearing, destination=wallet, amount=amount, kind="deposit", idempotency_key=key
    )
    db.session.commit()
    return posted


# The audit chain


def test_a_full_verification_stores_where_the_chain_was_verified(app, users):
    report = verify_chain(full=True)
    assert (report.ok, report.events, report.read) == (True, 5, 5)
    stored = newest("audit_chain")
    last = db.session.get(AuditEvent, 5)
    assert (stored.ok, stored.mode, stored.last_id, stored.last_hash) == (True, "full", 5, last.hash)
    assert (stored.covered, stored.rows_read, stored.actor, stored.source) == (5, 5, "system", "cli")


def test_an_incremental_verification_hashes_only_the_events_after_the_checkpoint(app, users, monkeypatch):
    verify_chain(full=True)
    sign_in_again(app, 2)
    hashed = []
    original = audit.event_hash
    monkeypatch.setattr(
        audit, "event_hash", lambda **fields: hashed.append(fields["seq"]) or original(**fields)
    )
    report = verify_chain()
    assert (report.ok, report.events, report.read, hashed) == (True, 7, 2, [6, 7])
    assert (newest("audit_chain").mode, newest("audit_chain").last_id) == ("incremental", 7)


def test_incremental_verification_detects_a_broken_link_after_the_checkpoint(app, users):
    verify_chain(full=True)
    sign_in_again(app, 2)
    _disable_append_only_guard()
    # Event 6 no longer links to the checkpointed event 5 (its own hash recomputed to match).
    event = db.session.get(AuditEvent, 6)
    forged = audit.event_hash(
        seq=6,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        payload=event.payload,
        prev_hash="f" * 64,
    )
    db.session.execute(
        sa.text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = 6"),
        {"p": "f" * 64, "h": forged},
    )
    db.session.commit()
    report = verify_chain()
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 6, "previous hash does not match")


def test_a_tampered_event_after_the_checkpoint_is_reported_with_its_seq(app, users, client):
    verify_chain(full=True)
    sign_in_again(app, 3)
    _disable_append_only_guard()
    db.session.execute(sa.text("UPDATE audit_events SET actor = 'someone@example.com' WHERE seq = 7"))
    db.session.commit()
    report = verify_chain()
    assert (report.ok, report.first_broken_seq, report.events, report.read) == (False, 7, 7, 2)
    stored = newest("audit_chain")
    assert (stored.ok, stored.first_broken_seq, stored.last_id) == (False, 7, 6)
    assert stored.problems == ["event content does not match its hash"]
    # The break stays reported: the next run starts again from the last intact event.
    token = api_token(client, "regulator@example.com")
    body = client.get("/api/v1/regulator/audit/verify", headers=bearer(token)).get_json()
    assert (body["ok"], body["first_broken_seq"], body["events"]) == (False, 7, 7)
    assert (newest("audit_chain").source, newest("audit_chain").actor) == ("api", "regulator@example.com")


def test_a_tampered_event_before_the_checkpoint_is_found_only_by_the_full_check(app, users, runner):
    verify_chain(full=True)
    sign_in_again(app, 1)
    _disable_append_only_guard()
    db.session.execute(sa.text("UPDATE audit_events SET actor = 'someone@example.com' WHERE seq = 3"))
    db.session.commit()
    assert verify_chain().ok  # documented: rows before the checkpoint are not read again
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN at seq 3" in result.output
    assert (newest("audit_chain").mode, newest("audit_chain").first_broken_seq) == ("full", 3)
    assert verify_chain().first_broken_seq == 3  # and later incremental runs keep reporting it


def test_a_chain_cut_back_below_the_checkpoint_is_reported(app, users):
    verify_chain(full=True)
    _disable_append_only_guard()
    db.session.execute(sa.text("DELETE FROM audit_events WHERE seq = 5"))
    db.session.commit()
    report = verify_chain()
    assert (report.ok, report.first_broken_seq, report.reason) == (
        False,
        5,
        "checkpointed event changed or missing",
    )
    sign_in_again(app, 1)  # a new event 5 with another hash does not hide it
    assert verify_chain().first_broken_seq == 5


def test_the_cli_verifies_incrementally_on_request(app, users, runner):
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    sign_in_again(app, 1)
    result = runner.invoke(args=["audit", "verify", "--incremental"])
    assert result.exit_code == 0 and "ok: 6 events, chain intact (1 new events hashed)" in result.output


def test_the_api_verifies_from_the_checkpoint_and_keeps_its_contract(app, users, client):
    verify_chain(full=True)
    token = api_token(client, "regulator@example.com")
    body = client.get("/api/v1/regulator/audit/verify", headers=bearer(token)).get_json()
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert body == {"ok": True, "events": events, "first_broken_seq": None, "reason": None}
    assert (newest("audit_chain").mode, newest("audit_chain").rows_read) == ("incremental", events - 5)


def test_only_regulators_admins_and_the_system_may_run_checks(app, users):
    with pytest.raises(NotAllowed):
        integrity.verify_audit_chain(db.session, actor=users["investor"], source="web")
    with pytest.raises(NotAllowed):
        integrity.check_ledger(db.session, actor=users["fund_manager"], source="web")
    assert verify_chain(actor=users["regulator"]).ok and check_ledger(actor=users["admin"]).ok


def test_checkpoints_are_never_rewritten(app, users):
    verify_chain()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("UPDATE integrity_checkpoints SET ok = false"))
        db.session.flush()
    db.session.rollback()


# The ledger


def test_the_ledger_check_continues_from_the_checkpoint(app):
    fund(INVESTOR, 5_00, "k1")
    full = check_ledger(full=True)
    assert (full.ok, full.transactions, full.read) == (True, 1, 1)
    fund(INVESTOR, 7_00, "k2")
    fund(SME, 9_00, "k3")
    report = check_ledger()
    assert (report.ok, report.transactions, report.entries, report.read) == (True, 3, 6, 2)
    stored = newest("ledger")
    assert (stored.mode, stored.covered, stored.entries, stored.last_id) == ("incremental", 3, 6, 3)
    assert stored.accounts == db.session.scalar(sa.select(sa.func.count()).select_from(LedgerAccount))


def test_an_incremental_ledger_check_finds_problems_after_the_checkpoint(app):
    fund(INVESTOR, 5_00, "k1")
    check_ledger(full=True)
    fund(SME, 9_00, "k2")
    wallet = ledger.account_id(db.session, SME, "wallet")
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == wallet).values(balance=10_00))
    # An entry appended to a transaction that the previous check covered is found too.
    held = ledger.account_id(db.session, INVESTOR, "held")
    db.session.execute(
        sa.insert(LedgerEntry).values(transaction_id=1, account_id=held, amount=1, balance_after=1)
    )
    db.session.commit()
    report = check_ledger()
    assert not report.ok
    assert "transaction 1: 3 entries summing to 0.01" in report.problems
    assert (
        f"account {wallet} (wallet): last entry's balance_after 9.00 differs from the balance 10.00"
        in report.problems
    )
    assert (
        f"account {held} (held): last entry's balance_after 0.01 differs from the balance 0.00"
        in report.problems
    )
    stored = newest("ledger")
    assert (stored.ok, stored.problem_count) == (False, len(report.problems))
    # A ledger with problems is checked in full until a full check finds none.
    check_ledger()
    assert newest("ledger").mode == "full"


def test_an_incremental_ledger_check_follows_the_running_balance_from_the_checkpoint(app):
    fund(INVESTOR, 5_00, "k1")
    check_ledger(full=True)
    fund(INVESTOR, 2_00, "k2")
    wallet = ledger.account_id(db.session, INVESTOR, "wallet")
    clearing = ledger.platform_account(db.session, "gateway_clearing")
    # A balanced posting written behind the service's back whose running balance is wrong.
    db.session.execute(
        sa.insert(LedgerTransaction).values(
            id=99, kind="forged", idempotency_key="forged", fingerprint="x", created_at=sa.func.now()
        )
    )
    db.session.execute(
        sa.insert(LedgerEntry),
        [
            {"id": 99, "transaction_id": 99, "account_id": wallet, "amount": 1, "balance_after": 9_99},
            {"id": 100, "transaction_id": 99, "account_id": clearing, "amount": -1, "balance_after": -7_01},
        ],
    )
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == wallet).values(balance=7_01))
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == clearing).values(balance=-7_01))
    db.session.commit()
    problems = check_ledger().problems
    assert problems[0] == (
        f"account {wallet} (wallet): entry 99's balance_after 9.99 is not the previous 7.00 "
        "plus its amount 0.01"
    )
    assert not any(problem.startswith(f"account {clearing} ") for problem in problems)


def test_an_edited_balance_without_new_entries_is_found_by_the_full_check(app):
    fund(INVESTOR, 5_00, "k1")
    fund(SME, 5_00, "k2")
    check_ledger(full=True)
    investor, sme = (ledger.account_id(db.session, owner, "wallet") for owner in (INVESTOR, SME))
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == investor).values(balance=4_00))
    db.session.commit()
    report = check_ledger()  # one edit: the balances no longer sum to zero
    assert report.problems == ["all balances sum to -1.00, not 0.00"]
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == investor).values(balance=5_00))
    db.session.commit()
    assert check_ledger(full=True).ok
    # Two edits that cancel out, on accounts without new entries: documented as full-check only.
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == investor).values(balance=4_00))
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == sme).values(balance=6_00))
    db.session.commit()
    assert check_ledger().ok
    assert not check_ledger(full=True).ok


def test_flask_ledger_check_stores_its_result(app, runner):
    fund(INVESTOR, 5_00, "k1")
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0
    assert (newest("ledger").mode, newest("ledger").source) == ("full", "cli")
    fund(INVESTOR, 1_00, "k2")
    result = runner.invoke(args=["ledger", "check", "--incremental"])
    assert (
        result.exit_code == 0
        and "2 transactions" in result.output
        and "(1 transactions read)" in result.output
    )
