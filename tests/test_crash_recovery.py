"""After a crash (kill -9 mid-request, the database gone): money is never left stuck.

docs/payments.md, "After a crash": an Idempotency-Key reservation is leased and taken over by a
retry once the lease has ended; `flask payments sync` recovers payments stuck in `created` (a deposit failed, a payout asked of the provider again
with its own key); `flask ledger check` reports holds older than the configured age.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.api import idempotency
from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import IdempotentRequest, LedgerTransaction, Payment, User
from marketplace.models.base import utcnow
from marketplace.services import ledger, payment_flows
from tests.helpers import api_token, bearer

pytestmark = pytest.mark.usefixtures("ledger_consistent")
LIMIT = 1_000_000_00


class Crash(Exception):
    """The process dies here: nothing after it runs (no response, no clean-up)."""


@pytest.fixture
def investor(client, users):
    payment_flows.deposit(db.session, gateway(), users["investor"], 1000_00, limit=LIMIT)
    return bearer(api_token(client, users["investor"].email))


@contextmanager
def crash_at(monkeypatch, target, name):
    """Simulate kill -9 at `target.name`: it raises, and the request's own clean-up is skipped."""
    with monkeypatch.context() as patch:

        def die(*args, **kwargs):
            raise Crash(name)

        patch.setattr(target, name, die)
        patch.setattr(idempotency, "_forget", lambda reservation: None)
        yield


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def transactions(kind: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == kind)
    )


def payout() -> Payment:
    """The one withdrawal (the fixture's deposit is a payment too)."""
    return db.session.scalars(sa.select(Payment).where(Payment.kind == "payout")).one()


def payouts() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Payment).where(Payment.kind == "payout"))


def end_lease(key: str, *, to=None) -> None:
    """Let the reservation's lease run out (as time passing would)."""
    db.session.execute(
        sa.update(IdempotentRequest)
        .where(IdempotentRequest.key == key)
        .values(leased_until=to if to is not None else utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def balances(users) -> dict[str, int]:
    db.session.rollback()
    return ledger.balances(db.session, db.session.get(User, users["investor"].id))


def withdraw(client, headers, key, amount="100.00"):
    return client.post(
        "/api/v1/wallet/withdrawals", json={"amount": amount}, headers={**headers, "Idempotency-Key": key}
    )


def test_a_crash_before_the_provider_call_is_resumed_by_a_retry_after_the_lease(
    app, client, investor, users, monkeypatch
):
    app.config["IDEMPOTENCY_WAIT_SECONDS"] = 0.1
    with crash_at(monkeypatch, gateway(), "create_payout"), pytest.raises(Crash):
        withdraw(client, investor, "crash-before-provider")
    # The payment row and its hold were committed before the provider was asked.
    assert balances(users) == {**balances(users), "wallet": 900_00, "held": 100_00}
    payment = payout()
    assert (payment.status, payment.provider_id) == ("created", None)

    within = withdraw(client, investor, "crash-before-provider")
    assert within.status_code == 409
    assert "still being processed" in within.get_json()["error"]["message"]
    assert "retry with the same key in" in within.get_json()["error"]["message"]
    assert 1 <= int(within.headers["Retry-After"]) <= app.config["IDEMPOTENCY_LEASE_SECONDS"]

    end_lease("crash-before-provider")
    retried = withdraw(client, investor, "crash-before-provider")
    assert retried.status_code == 201, retried.get_json()
    assert retried.get_json()["payment_id"] == payment.id
    assert retried.get_json()["status"] == "succeeded"
    assert "Idempotent-Replayed" not in retried.headers
    replayed = withdraw(client, investor, "crash-before-provider")
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json() == retried.get_json()

    assert payouts() == 1 and count(IdempotentRequest) == 1
    assert transactions("withdrawal") == 1 and transactions("payout_settled") == 1
    assert balances(users)["wallet"] == 900_00 and balances(users)["held"] == 0


def test_a_crash_after_the_work_replays_the_finished_payment_without_redoing_it(
    app, client, investor, users, monkeypatch
):
    with crash_at(monkeypatch, idempotency, "_store"), pytest.raises(Crash):
        withdraw(client, investor, "crash-after-work")
    payment = payout()
    assert payment.status == "succeeded"
    before = count(LedgerTransaction)
    record = db.session.scalars(sa.select(IdempotentRequest)).one()
    assert record.state == "in_progress"

    end_lease("crash-after-work")
    retried = withdraw(client, investor, "crash-after-work")
    assert retried.status_code == 201
    assert retried.get_json() == {"payment_id": payment.id, "status": "succeeded", "amount": "100.00"}
    assert count(LedgerTransaction) == before
    assert payouts() == 1
    assert balances(users)["wallet"] == 900_00


def test_a_reservation_without_a_lease_is_taken_over(app, client, investor, users, monkeypatch):
    """Rows reserved before leases existed (NULL) are treated as expired."""
    with crash_at(monkeypatch, gateway(), "create_payout"), pytest.raises(Crash):
        withdraw(client, investor, "legacy-row")
    db.session.execute(sa.update(IdempotentRequest).values(leased_until=None))
    db.session.commit()
    retried = withdraw(client, investor, "legacy-row")
    assert retried.status_code == 201 and retried.get_json()["status"] == "succeeded"
    assert payouts() == 1 and balances(users)["wallet"] == 900_00


def test_the_same_key_with_another_body_is_still_409_after_the_lease(app, client, investor, monkeypatch):
    with crash_at(monkeypatch, gateway(), "create_payout"), pytest.raises(Crash):
        withdraw(client, investor, "other-body")
    end_lease("other-body")
    response = withdraw(client, investor, "other-body", amount="5.00")
    assert response.status_code == 409
    assert "different request" in response.get_json()["error"]["message"]
    # The stuck withdrawal is left to `flask payments sync` (or a retry with the right body).
    assert payout().status == "created"


def test_a_request_whose_reservation_was_taken_over_stores_nothing(app, client, investor, users):
    """The original, merely slow, finishes after a retry took its reservation over."""
    response = withdraw(client, investor, "slow-original")
    record = db.session.scalars(sa.select(IdempotentRequest)).one()
    stale = idempotency.Reservation(record.id, record.leased_until - timedelta(minutes=5))
    db.session.execute(sa.update(IdempotentRequest).values(state="in_progress"))
    db.session.commit()
    with app.test_request_context():
        idempotency._store(stale, {"other": "answer"}, 201)
        idempotency._forget(stale)
    db.session.rollback()
    record = db.session.scalars(sa.select(IdempotentRequest)).one()
    assert record.state == "in_progress" and record.response_body == response.get_json()


# -- flask payments sync: payments stuck in `created` -------------------------------------------


def crashed(monkeypatch, user, kind: str, amount: int, *, age: timedelta, keys=None) -> Payment:
    """A deposit or withdrawal committed (a withdrawal with its hold) whose process died while
    the provider was being asked; `keys` collects the idempotency key the provider was sent."""
    flow, method = (
        (payment_flows.withdraw, "create_payout")
        if kind == "payout"
        else (payment_flows.deposit, "create_deposit")
    )
    with monkeypatch.context() as patch:

        def die(session, request):
            if keys is not None:
                keys.append(request.idempotency_key)
            raise Crash(method)

        patch.setattr(gateway(), method, die)
        with pytest.raises(Crash):
            flow(db.session, gateway(), user, amount, limit=LIMIT)
    db.session.rollback()
    payment = db.session.scalars(sa.select(Payment).order_by(Payment.id.desc())).first()
    assert (payment.kind, payment.status, payment.provider_id) == (kind, "created", None)
    db.session.execute(sa.update(Payment).where(Payment.id == payment.id).values(created_at=utcnow() - age))
    db.session.commit()
    return payment


def sync(runner, *args):
    result = runner.invoke(args=["payments", "sync", *args])
    db.session.rollback()
    return result


def status(payment: Payment) -> str:
    return db.session.get(Payment, payment.id, populate_existing=True).status


def test_sync_asks_the_provider_again_for_a_stuck_withdrawal_with_the_same_key(
    app, runner, users, monkeypatch
):
    """The provider may have paid before the crash: the hold is never simply returned. Asking
    again with the same idempotency key gets the payout it made (or makes it now), so the
    withdrawal completes once and the money leaves once."""
    user = users["investor"]
    payment_flows.deposit(db.session, gateway(), user, 1000_00, limit=LIMIT)
    first_keys, asked = [], []
    stuck = crashed(monkeypatch, user, "payout", 100_00, age=timedelta(minutes=16), keys=first_keys)
    young = crashed(monkeypatch, user, "payout", 30_00, age=timedelta(minutes=14))
    assert balances(users) == {**balances(users), "wallet": 870_00, "held": 130_00}
    original = gateway().create_payout
    monkeypatch.setattr(
        gateway(),
        "create_payout",
        lambda session, request: asked.append(request.idempotency_key) or original(session, request),
    )

    result = sync(runner)
    assert result.exit_code == 0, result.output
    assert f"payment {stuck.id} (payout of 100.00 yuan, user {user.id})" in result.output
    assert "asked the provider again with its key: succeeded" in result.output
    assert (
        f"payment {young.id}" not in result.output
        and "1 stuck payments found (created over 15m ago)" in result.output
    )
    assert asked == first_keys  # the very key of the interrupted request
    assert status(stuck) == "succeeded" and status(young) == "created"
    assert balances(users) == {**balances(users), "wallet": 870_00, "held": 30_00}  # paid out once
    assert [change.source for change in db.session.get(Payment, stuck.id).history][:2] == [
        "request",
        "provider response",
    ]

    posted = count(LedgerTransaction)
    again = sync(runner)
    assert again.exit_code == 0 and "0 stuck payments found" in again.output
    assert count(LedgerTransaction) == posted and asked == first_keys
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0


def test_a_stuck_payout_the_provider_refuses_is_failed_and_its_hold_returned_once(
    app, runner, users, monkeypatch
):
    user = users["investor"]
    payment_flows.deposit(db.session, gateway(), user, 1000_00, limit=LIMIT)
    stuck = crashed(monkeypatch, user, "payout", 100_13, age=timedelta(hours=1))  # sandbox fails ¥x.13
    result = sync(runner)
    assert (
        "asked the provider again with its key: failed, 100.13 yuan returned to the wallet" in result.output
    )
    assert status(stuck) == "failed"
    assert balances(users) == {**balances(users), "wallet": 1000_00, "held": 0}
    assert transactions("withdrawal_returned") == 1
    assert "0 stuck payments found" in sync(runner).output and transactions("withdrawal_returned") == 1


def test_a_stuck_deposit_is_failed_as_nothing_was_charged(app, runner, users, monkeypatch):
    user = users["investor"]
    stuck = crashed(monkeypatch, user, "deposit", 50_00, age=timedelta(minutes=30))
    result = sync(runner)
    assert result.exit_code == 0 and "failed (a deposit: nothing was charged)" in result.output
    stuck = db.session.get(Payment, stuck.id, populate_existing=True)
    assert stuck.status == "failed" and stuck.failure_message == payment_flows.STUCK_MESSAGE
    assert balances(users)["wallet"] == 0


def test_a_stuck_payout_older_than_the_providers_key_window_is_left_for_a_person(
    app, runner, users, monkeypatch
):
    user = users["investor"]
    payment_flows.deposit(db.session, gateway(), user, 100_00, limit=LIMIT)
    stuck = crashed(monkeypatch, user, "payout", 10_00, age=timedelta(hours=30))
    result = sync(runner)
    assert result.exit_code == 1 and "check the provider's dashboard by hand" in result.output
    assert status(stuck) == "created" and balances(users)["held"] == 10_00


def test_a_stuck_payout_is_left_while_the_provider_cannot_be_reached(app, runner, users, monkeypatch):
    from marketplace.payments.base import ProviderUnavailable

    user = users["investor"]
    payment_flows.deposit(db.session, gateway(), user, 100_00, limit=LIMIT)
    stuck = crashed(monkeypatch, user, "payout", 10_00, age=timedelta(hours=1))

    def unreachable(session, request):
        raise ProviderUnavailable("down")

    monkeypatch.setattr(gateway(), "create_payout", unreachable)
    assert "the next sync asks again" in sync(runner).output
    assert status(stuck) == "created" and balances(users)["held"] == 10_00


def test_the_stuck_age_is_configurable(app, runner, users, monkeypatch):
    user = users["investor"]
    payment_flows.deposit(db.session, gateway(), user, 100_00, limit=LIMIT)
    stuck = crashed(monkeypatch, user, "payout", 10_00, age=timedelta(minutes=20))
    app.config["PAYMENT_STUCK_MINUTES"] = 60
    assert "0 stuck payments found (created over 1h ago)" in sync(runner).output
    result = sync(runner, "--stuck-after", "10m")
    assert f"payment {stuck.id} (payout of 10.00 yuan" in result.output
    assert (
        balances(users)["held"] == 0 and balances(users)["wallet"] == 90_00 and status(stuck) == "succeeded"
    )
    bad = sync(runner, "--stuck-after", "soon")
    assert bad.exit_code == 2 and "not a duration" in bad.output


def test_a_retry_after_sync_recovered_the_payment_answers_with_it(app, client, investor, users, monkeypatch):
    with crash_at(monkeypatch, gateway(), "create_payout"), pytest.raises(Crash):
        withdraw(client, investor, "retry-after-sync")
    db.session.execute(sa.update(Payment).values(created_at=utcnow() - timedelta(hours=1)))
    end_lease("retry-after-sync")
    assert "1 stuck payments found" in app.test_cli_runner().invoke(args=["payments", "sync"]).output
    retried = withdraw(client, investor, "retry-after-sync")
    assert retried.status_code == 201
    assert retried.get_json() == {"payment_id": payout().id, "status": "succeeded", "amount": "100.00"}
    assert payouts() == 1 and balances(users)["wallet"] == 900_00 and balances(users)["held"] == 0


# -- flask ledger check: old holds ----------------------------------------------------------------


def test_ledger_check_reports_an_old_hold_and_not_a_young_one(app, runner, users, monkeypatch):
    from marketplace.services import ledger as ledger_service

    user = users["investor"]
    payment_flows.deposit(db.session, gateway(), user, 1000_00, limit=LIMIT)
    sandbox = gateway()
    sandbox.auto_settle = False  # the payouts stay processing: their money stays held
    try:
        with monkeypatch.context() as patch:
            patch.setattr(ledger_service, "utcnow", lambda: utcnow() - timedelta(days=8))
            old = payment_flows.withdraw(db.session, sandbox, user, 123_45, limit=LIMIT).payment
        young = payment_flows.withdraw(db.session, sandbox, user, 50_00, limit=LIMIT).payment
    finally:
        sandbox.auto_settle = True
    held_account = ledger.account_id(db.session, ("user", user.id), "held")
    db.session.commit()

    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1, result.output
    assert "ok: " in result.output and "consistent" in result.output  # the ledger itself is fine
    assert "OLD HOLDS (1) held for over 7d:" in result.output
    assert f"payment {old.id}: 123.45 yuan held on account {held_account} (user {user.id})" in result.output
    assert f"payment {young.id}:" not in result.output

    assert runner.invoke(args=["ledger", "check", "--hold-age", "9d"]).exit_code == 0
    app.config["HOLD_MAX_AGE_HOURS"] = 24 * 9
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0
    younger = runner.invoke(args=["ledger", "check", "--hold-age", "1h"])
    assert younger.exit_code == 1 and "OLD HOLDS (1)" in younger.output
    everything = runner.invoke(args=["ledger", "check", "--hold-age", "0s"])
    assert "OLD HOLDS (2)" in everything.output and f"payment {young.id}: 50.00 yuan" in everything.output


def test_a_released_or_paid_out_hold_is_not_reported(app, runner, users, monkeypatch):
    from marketplace.services import ledger as ledger_service

    user = users["investor"]
    payment_flows.deposit(db.session, gateway(), user, 1000_00, limit=LIMIT)
    with monkeypatch.context() as patch:
        patch.setattr(ledger_service, "utcnow", lambda: utcnow() - timedelta(days=8))
        paid = payment_flows.withdraw(db.session, gateway(), user, 10_00, limit=LIMIT).payment
        returned = payment_flows.withdraw(db.session, gateway(), user, 20_13, limit=LIMIT).payment
    assert (paid.status, returned.status) == ("succeeded", "failed")
    result = runner.invoke(args=["ledger", "check", "--hold-age", "1h"])
    assert result.exit_code == 0, result.output
    assert "no money held for over 1h" in result.output
