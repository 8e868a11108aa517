"""After a crash, on PostgreSQL with real threads: concurrent retries of a request whose
reservation's lease has ended take it over once, and the work is done once."""

from __future__ import annotations

import threading
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
from tests.test_crash_recovery import Crash, crash_at
from tests.test_ledger_postgres import in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("ledger_consistent")]
THREADS = 8


def test_concurrent_retries_after_the_lease_take_over_once_and_pay_out_once(app, client, users, monkeypatch):
    investor = users["investor"]
    payment_flows.deposit(db.session, gateway(), investor, 1000_00, limit=1_000_000_00)
    headers = {**bearer(api_token(client, investor.email)), "Idempotency-Key": "crash-race-0001"}
    body = {"amount": "250.00"}
    with crash_at(monkeypatch, gateway(), "create_payout"), pytest.raises(Crash):
        client.post("/api/v1/wallet/withdrawals", json=body, headers=headers)
    db.session.execute(sa.update(IdempotentRequest).values(leased_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    takeovers, provider_calls, lock = [], [], threading.Lock()
    take_over, create_payout = idempotency._take_over, gateway().create_payout

    def counted_take_over(record_id):
        taken = take_over(record_id)
        with lock:
            takeovers.append(taken)
        return taken

    def counted_payout(session, request):
        with lock:
            provider_calls.append(request.payment_id)
        return create_payout(session, request)

    monkeypatch.setattr(idempotency, "_take_over", counted_take_over)
    monkeypatch.setattr(gateway(), "create_payout", counted_payout)
    app.config["IDEMPOTENCY_WAIT_SECONDS"] = 30  # the losers wait for the winner's answer
    results = []

    def retry(_):
        response = app.test_client().post("/api/v1/wallet/withdrawals", json=body, headers=headers)
        with lock:
            results.append(
                (response.status_code, response.get_json(), response.headers.get("Idempotent-Replayed"))
            )

    assert in_threads(app, THREADS, retry) == []
    db.session.rollback()
    assert [status for status, _, _ in results] == [201] * THREADS, results
    assert len({answer["payment_id"] for _, answer, _ in results}) == 1
    assert sum(1 for _, _, replayed in results if replayed != "true") == 1  # one ran the work
    assert len([taken for taken in takeovers if taken is not None]) == 1, takeovers
    assert len(provider_calls) == 1
    payouts = db.session.scalars(sa.select(Payment).where(Payment.kind == "payout")).all()
    assert [payment.status for payment in payouts] == ["succeeded"]
    kinds = db.session.scalars(sa.select(LedgerTransaction.kind)).all()
    assert sorted(kinds) == ["deposit", "payout_settled", "withdrawal"]
    assert ledger.balances(db.session, db.session.get(User, investor.id)) == {
        **ledger.balances(db.session, db.session.get(User, investor.id)),
        "wallet": 750_00,
        "held": 0,
    }
