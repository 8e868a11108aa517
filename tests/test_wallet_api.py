"""The wallet API: deposits, withdrawals, balance, statement; idempotency, roles and bad input."""

import threading

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import IdempotentRequest, LedgerTransaction, Payment
from marketplace.services import ledger
from tests.helpers import api_token, bearer

pytestmark = pytest.mark.usefixtures("ledger_consistent")


@pytest.fixture
def investor(client, users):
    return bearer(api_token(client, users["investor"].email))


@pytest.fixture
def sme(client, users):
    return bearer(api_token(client, users["sme"].email))


def ledger_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction))


def test_sandbox_deposit_settles_at_once_through_the_webhook_path(client, investor, users):
    response = client.post("/api/v1/wallet/deposits", json={"amount": "12500.00"}, headers=investor)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "succeeded" and isinstance(body["payment_id"], int)
    assert client.get("/api/v1/wallet", headers=investor).get_json() == {
        "available": "12500.00",
        "held": "0.00",
        "currency": "CNY",
    }
    payment = db.session.get(Payment, body["payment_id"])
    assert [(h.status, h.source.split(" ")[0]) for h in payment.history if h.applied] == [
        ("created", "request"),
        ("processing", "provider"),
        ("succeeded", "event"),
    ]


def test_withdrawal_pays_out_and_the_statement_has_running_balances(client, sme):
    client.post("/api/v1/wallet/deposits", json={"amount": "1000.00"}, headers=sme)
    response = client.post("/api/v1/wallet/withdrawals", json={"amount": "250.50"}, headers=sme)
    assert response.status_code == 201
    assert response.get_json()["status"] == "succeeded"
    assert client.get("/api/v1/wallet", headers=sme).get_json()["available"] == "749.50"
    items = client.get("/api/v1/wallet/transactions", headers=sme).get_json()["items"]
    assert [(i["kind"], i["amount"], i["balance_after"]) for i in items] == [
        ("withdrawal", "-250.50", "749.50"),
        ("deposit", "1000.00", "1000.00"),
    ]
    assert set(items[0]) == {"id", "created_at", "kind", "amount", "balance_after"}


def test_failed_payout_returns_the_money(client, investor):
    client.post("/api/v1/wallet/deposits", json={"amount": "500.00"}, headers=investor)
    response = client.post("/api/v1/wallet/withdrawals", json={"amount": "100.13"}, headers=investor)
    assert response.status_code == 201
    assert response.get_json()["status"] == "failed"
    assert client.get("/api/v1/wallet", headers=investor).get_json()["available"] == "500.00"
    kinds = [
        i["kind"] for i in client.get("/api/v1/wallet/transactions", headers=investor).get_json()["items"]
    ]
    assert kinds == ["withdrawal_returned", "withdrawal", "deposit"]
    payment = client.get("/api/v1/wallet/payments", headers=investor).get_json()["items"][0]
    assert payment["failure_message"] == "The bank account was closed (sandbox)."


def test_withdrawing_more_than_available_is_refused_and_writes_nothing(client, investor):
    client.post("/api/v1/wallet/deposits", json={"amount": "10.00"}, headers=investor)
    before = ledger_rows()
    response = client.post("/api/v1/wallet/withdrawals", json={"amount": "10.01"}, headers=investor)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_funds" and "amount" in error["fields"]
    assert "Insufficient funds" in error["message"]
    assert ledger_rows() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def test_declined_sandbox_deposit_is_a_402_and_credits_nothing(client, investor):
    response = client.post("/api/v1/wallet/deposits", json={"amount": "20.02"}, headers=investor)
    assert response.status_code == 402
    assert "declined" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/wallet", headers=investor).get_json()["available"] == "0.00"
    assert db.session.scalar(sa.select(Payment.status)) == "failed"


BAD_AMOUNTS = [
    ("-5.00", "greater than zero"),
    ("0", "greater than zero"),
    ("0.00", "greater than zero"),
    ("abc", "yuan"),
    ("12.345", "2 decimal places"),
    ("1000000.01", "per-transaction limit"),
    (12.5, "yuan"),
    (True, "yuan"),
    (None, "null"),
    ("", "Enter an amount"),
    ([], "yuan"),
]


@pytest.mark.parametrize("path", ["/api/v1/wallet/deposits", "/api/v1/wallet/withdrawals"])
@pytest.mark.parametrize(("amount", "message"), BAD_AMOUNTS)
def test_bad_amounts_are_422_naming_the_field_and_write_nothing(client, investor, path, amount, message):
    response = client.post(path, json={"amount": amount}, headers=investor)
    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["fields"]
    assert "amount" in fields and message in " ".join(fields["amount"])
    assert ledger_rows() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


@pytest.mark.parametrize("path", ["/api/v1/wallet/deposits", "/api/v1/wallet/withdrawals"])
def test_unknown_and_missing_fields_are_422(client, investor, path):
    unknown = client.post(path, json={"amount": "10.00", "status": "succeeded"}, headers=investor)
    assert unknown.status_code == 422 and "status" in unknown.get_json()["error"]["fields"]
    missing = client.post(path, json={}, headers=investor)
    assert missing.status_code == 422 and "amount" in missing.get_json()["error"]["fields"]
    assert ledger_rows() == 0


def test_the_per_transaction_limit_is_configurable(app, client, investor):
    app.config["MAX_TRANSACTION_FEN"] = 50_00
    response = client.post("/api/v1/wallet/deposits", json={"amount": "50.01"}, headers=investor)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "50.00" in error["message"] and "limit" in error["fields"]["amount"][0]
    assert (
        client.post("/api/v1/wallet/deposits", json={"amount": "50.00"}, headers=investor).status_code == 201
    )


WALLET_ENDPOINTS = [
    ("post", "/api/v1/wallet/deposits"),
    ("post", "/api/v1/wallet/withdrawals"),
    ("get", "/api/v1/wallet"),
    ("get", "/api/v1/wallet/transactions"),
    ("get", "/api/v1/wallet/payments"),
]


@pytest.mark.parametrize("role", ["fund_manager", "regulator", "admin"])
@pytest.mark.parametrize(("method", "path"), WALLET_ENDPOINTS)
def test_other_roles_get_403(client, users, role, method, path):
    headers = bearer(api_token(client, users[role].email))
    response = getattr(client, method)(
        path, json={"amount": "10.00"} if method == "post" else None, headers=headers
    )
    assert response.status_code == 403
    assert ledger_rows() == 0


@pytest.mark.parametrize(("method", "path"), WALLET_ENDPOINTS)
def test_no_token_is_401(client, method, path):
    response = getattr(client, method)(path, json={"amount": "10.00"} if method == "post" else None)
    assert response.status_code == 401


def test_a_replayed_deposit_returns_the_first_response_and_credits_once(client, investor):
    headers = {**investor, "Idempotency-Key": "top-up-0001"}
    first = client.post("/api/v1/wallet/deposits", json={"amount": "300.00"}, headers=headers)
    second = client.post("/api/v1/wallet/deposits", json={"amount": "300.00"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert client.get("/api/v1/wallet", headers=investor).get_json()["available"] == "300.00"


def test_the_same_key_with_another_body_is_409(client, investor):
    headers = {**investor, "Idempotency-Key": "top-up-0002"}
    assert (
        client.post("/api/v1/wallet/deposits", json={"amount": "300.00"}, headers=headers).status_code == 201
    )
    other = client.post("/api/v1/wallet/deposits", json={"amount": "301.00"}, headers=headers)
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "conflict"
    elsewhere = client.post("/api/v1/wallet/withdrawals", json={"amount": "300.00"}, headers=headers)
    assert elsewhere.status_code == 409
    assert client.get("/api/v1/wallet", headers=investor).get_json()["available"] == "300.00"


def test_a_refused_request_is_replayed_as_refused(client, investor):
    headers = {**investor, "Idempotency-Key": "withdraw-too-much"}
    first = client.post("/api/v1/wallet/withdrawals", json={"amount": "5.00"}, headers=headers)
    client.post("/api/v1/wallet/deposits", json={"amount": "50.00"}, headers=investor)
    again = client.post("/api/v1/wallet/withdrawals", json={"amount": "5.00"}, headers=headers)
    assert first.status_code == again.status_code == 409
    assert again.headers["Idempotent-Replayed"] == "true"
    assert client.get("/api/v1/wallet", headers=investor).get_json()["available"] == "50.00"


@pytest.mark.parametrize("key", ["", "a" * 256, "has space", "中文"])
def test_a_malformed_idempotency_key_is_refused(client, investor, key):
    response = client.post(
        "/api/v1/wallet/deposits", json={"amount": "1.00"}, headers={**investor, "Idempotency-Key": key}
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["error"]["fields"]
    assert ledger_rows() == 0


def test_ten_threads_with_one_key_execute_once(app, client, investor):
    headers = {**investor, "Idempotency-Key": "burst-key"}
    results = []

    def send():
        with app.app_context():
            response = app.test_client().post(
                "/api/v1/wallet/deposits", json={"amount": "77.00"}, headers=headers
            )
            results.append((response.status_code, response.get_json()))
            db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(10)]
    db.session.rollback()  # the test's own session must not hold SQLite's write lock meanwhile
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.rollback()
    assert [status for status, _ in results] == [201] * 10
    assert len({body["payment_id"] for _, body in results}) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotentRequest)) == 1
    assert (
        ledger.balances(db.session, ("user", results and db.session.scalar(sa.select(Payment.user_id))))[
            "wallet"
        ]
        == 7700
    )


def test_statement_filters_by_date_and_pages(client, investor):
    for amount in ("1.00", "2.00", "3.00"):
        client.post("/api/v1/wallet/deposits", json={"amount": amount}, headers=investor)
    page = client.get("/api/v1/wallet/transactions?per_page=2", headers=investor).get_json()
    assert [i["amount"] for i in page["items"]] == ["3.00", "2.00"] and page["has_more"] is True
    rest = client.get("/api/v1/wallet/transactions?per_page=2&page=2", headers=investor).get_json()
    assert [i["amount"] for i in rest["items"]] == ["1.00"] and rest["has_more"] is False
    future = client.get("/api/v1/wallet/transactions?from=2999-01-01", headers=investor).get_json()
    assert future["items"] == []
    past = client.get("/api/v1/wallet/transactions?to=2000-01-01", headers=investor).get_json()
    assert past["items"] == []
    bad = client.get("/api/v1/wallet/transactions?from=yesterday", headers=investor)
    assert bad.status_code == 422 and "from" in bad.get_json()["error"]["fields"]
    reversed_range = client.get("/api/v1/wallet/transactions?from=2026-02-01&to=2026-01-01", headers=investor)
    assert reversed_range.status_code == 422
    too_many = client.get("/api/v1/wallet/transactions?per_page=100000", headers=investor)
    assert too_many.status_code == 422 and "per_page" in too_many.get_json()["error"]["fields"]


def test_a_payment_of_someone_else_is_403_and_unknown_is_404(client, investor, sme):
    paid = client.post("/api/v1/wallet/deposits", json={"amount": "5.00"}, headers=sme).get_json()
    assert client.get(f"/api/v1/wallet/payments/{paid['payment_id']}", headers=sme).status_code == 200
    assert client.get(f"/api/v1/wallet/payments/{paid['payment_id']}", headers=investor).status_code == 403
    assert client.get("/api/v1/wallet/payments/9999", headers=investor).status_code == 404


def test_the_openapi_document_lists_the_wallet_and_webhook_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/wallet",
        "/api/v1/wallet/deposits",
        "/api/v1/wallet/withdrawals",
        "/api/v1/wallet/transactions",
        "/api/v1/webhooks/payments",
    ):
        assert path in paths, path
