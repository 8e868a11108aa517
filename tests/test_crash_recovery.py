"""After a crash (kill -9 mid-request, the database gone): money is never left stuck.

docs/payments.md, "After a crash": an Idempotency-Key reservation is leased and taken over by a
retry once the lease has ended; `flask payments sync` fails payments stuck in `created` and
returns their holds; `flask ledger check` reports holds older than the configured age.
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
