"""StripeGateway against Stripe-shaped HTTP responses (mocked with `responses`)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import responses
import sqlalchemy as sa
import stripe

from marketplace.app import create_app
from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import AuditEvent, LedgerTransaction, Payment
from marketplace.payments import signature
from marketplace.services import ledger
from marketplace.services.reconcile import reconcile
from tests.conftest import POSTGRES_URL, _truncate_all, base_config
from tests.helpers import api_token, bearer, make_user

API = "https://api.stripe.com/v1"
SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_app(database_uri, monkeypatch):
    monkeypatch.setattr(stripe.RequestsClient, "_sleep_time_seconds", lambda self, retries: 0)
    application = create_app(
        {
            **base_config(database_uri),
            "PAYMENT_GATEWAY": "stripe",
            "STRIPE_API_KEY": "sk_test_123",
            "STRIPE_WEBHOOK_SECRET": SECRET,
        }
    )
    application.extensions["payment_gateway"].retry_delay = 0
    with application.app_context():
        if POSTGRES_URL:
            _truncate_all()
        yield application
        from marketplace.services.ledger_check import check

        db.session.rollback()
        assert check(db.session).ok
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def investor(stripe_app):
    client = stripe_app.test_client()
    user = make_user("investor", "investor@example.com")
    return client, bearer(api_token(client, user.email)), user


def intent(status="succeeded", payment_id="1", amount=100_00, **extra):
    return {
        "id": "pi_123",
        "object": "payment_intent",
        "amount": amount,
        "currency": "cny",
        "status": status,
        "client_secret": "pi_123_secret_abc",
        "metadata": {"payment_id": payment_id},
        **extra,
    }


def error(kind, message, code=None):
    return {"error": {"type": kind, "message": message, "code": code}}


def deposit(client, headers, amount="100.00", **body):
    return client.post("/api/v1/wallet/deposits", json={"amount": amount, **body}, headers=headers)


def balance(user):
    return ledger.balances(db.session, user)["wallet"]


@responses.activate
def test_a_confirmed_deposit_is_credited_once_and_sends_an_idempotency_key(investor):
    client, headers, user = investor
    responses.post(f"{API}/payment_intents", json=intent())
    response = deposit(client, headers, payment_method="pm_card_visa")
    assert response.status_code == 201 and response.get_json()["status"] == "succeeded"
    assert balance(user) == 100_00
    sent = responses.calls[0].request
    assert sent.headers["Idempotency-Key"].startswith("sanhaojie-deposit-1-")
    assert "amount=10000" in sent.body and "currency=cny" in sent.body and "confirm=true" in sent.body
    # Stripe's own webhook for the same success changes nothing
    event = {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": intent()}}
    payload = json.dumps(event).encode()
    hook = client.post(
        "/api/v1/webhooks/payments",
        data=payload,
        headers={"Stripe-Signature": signature.sign(payload, SECRET)},
    )
    assert hook.get_json()["outcome"] == "stale" and balance(user) == 100_00


@responses.activate
def test_an_unconfirmed_deposit_returns_the_client_secret_and_waits_for_the_webhook(investor):
    client, headers, user = investor
    responses.post(f"{API}/payment_intents", json=intent(status="requires_payment_method"))
    response = deposit(client, headers)
    assert response.status_code == 201
    assert response.get_json()["client_secret"] == "pi_123_secret_abc" and balance(user) == 0
    payload = json.dumps(
        {"id": "evt_2", "type": "payment_intent.succeeded", "data": {"object": intent()}}
    ).encode()
    unsigned = client.post(
        "/api/v1/webhooks/payments",
        data=payload,
        headers={"Stripe-Signature": signature.sign(payload, "whsec_wrong")},
    )
    assert unsigned.status_code == 400 and balance(user) == 0
    signed = client.post(
        "/api/v1/webhooks/payments",
        data=payload,
        headers={"Stripe-Signature": signature.sign(payload, SECRET)},
    )
    assert signed.get_json()["outcome"] == "applied" and balance(user) == 100_00


@responses.activate
def test_a_declined_card_is_402_with_the_providers_message(investor):
    client, headers, user = investor
    responses.post(
        f"{API}/payment_intents",
        status=402,
        json=error("card_error", "Your card was declined.", "card_declined"),
    )
    response = deposit(client, headers, payment_method="pm_card_chargeDeclined")
    assert response.status_code == 402
    assert response.get_json()["error"]["message"] == "The payment was declined: Your card was declined."
    assert db.session.scalar(sa.select(Payment.status)) == "failed" and balance(user) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 0


@responses.activate
def test_an_idempotency_conflict_at_stripe_is_409(investor):
    client, headers, user = investor
    responses.post(
        f"{API}/payment_intents",
        status=409,
        json=error(
            "idempotency_error", "Keys for idempotent requests can only be used with the same parameters."
        ),
    )
    response = deposit(client, headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "provider_idempotency_conflict"
    assert balance(user) == 0


@responses.activate
def test_a_rate_limit_is_retried_with_the_same_key_then_succeeds(investor):
    client, headers, user = investor
    responses.post(
        f"{API}/payment_intents",
        status=429,
        json=error("invalid_request_error", "Too many requests", "rate_limit"),
    )
    responses.post(f"{API}/payment_intents", json=intent())
    response = deposit(client, headers, payment_method="pm_card_visa")
    assert response.status_code == 201 and balance(user) == 100_00
    keys = {call.request.headers["Idempotency-Key"] for call in responses.calls}
    assert len(responses.calls) == 2 and len(keys) == 1


@responses.activate
def test_provider_errors_say_nothing_was_charged_and_a_retry_with_the_key_completes(investor):
    client, headers, user = investor
    headers = {**headers, "Idempotency-Key": "deposit-500"}
    responses.post(f"{API}/payment_intents", status=500, json=error("api_error", "Something went wrong"))
    response = deposit(client, headers, payment_method="pm_card_visa")
    assert response.status_code == 503
    assert "nothing was charged" in response.get_json()["error"]["message"]
    assert len(responses.calls) == 3  # the SDK retried twice
    assert db.session.scalar(sa.select(Payment.status)) == "created" and balance(user) == 0
    responses.replace(responses.POST, f"{API}/payment_intents", json=intent())
    retry = deposit(client, headers, payment_method="pm_card_visa")
    assert retry.status_code == 201 and balance(user) == 100_00
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert len({call.request.headers["Idempotency-Key"] for call in responses.calls}) == 1


@responses.activate
def test_a_withdrawal_is_a_payout_and_a_failed_payout_returns_the_money(investor):
    client, headers, user = investor
    responses.post(f"{API}/payment_intents", json=intent())
    deposit(client, headers, payment_method="pm_card_visa")
    payout = {
        "id": "po_1",
        "object": "payout",
        "amount": 30_00,
        "currency": "cny",
        "status": "pending",
        "metadata": {"payment_id": "2"},
    }
    responses.post(f"{API}/payouts", json=payout)
    response = client.post("/api/v1/wallet/withdrawals", json={"amount": "30.00"}, headers=headers)
    assert response.get_json()["status"] == "processing"
    assert ledger.balances(db.session, user) == {"wallet": 70_00, "held": 30_00}
    assert responses.calls[-1].request.headers["Idempotency-Key"].startswith("sanhaojie-payout-2-")
    failed = {
        "id": "evt_po",
        "type": "payout.failed",
        "data": {"object": {**payout, "status": "failed", "failure_message": "Account closed"}},
    }
    payload = json.dumps(failed).encode()
    client.post(
        "/api/v1/webhooks/payments",
        data=payload,
        headers={"Stripe-Signature": signature.sign(payload, SECRET)},
    )
    assert ledger.balances(db.session, user) == {"wallet": 100_00, "held": 0}


@responses.activate
def test_reconcile_reads_stripe_balance_transactions(investor):
    client, headers, user = investor
    responses.post(f"{API}/payment_intents", json=intent())
    deposit(client, headers, payment_method="pm_card_visa")
    now = datetime.now(UTC)
    listing = {
        "object": "list",
        "url": "/v1/balance_transactions",
        "has_more": False,
        "data": [
            {
                "id": "txn_1",
                "object": "balance_transaction",
                "type": "charge",
                "amount": 100_00,
                "created": int(now.timestamp()),
                "source": {"id": "ch_1", "object": "charge", "payment_intent": "pi_123"},
            },
            {
                "id": "txn_2",
                "object": "balance_transaction",
                "type": "payout",
                "amount": -5_00,
                "created": int(now.timestamp()),
                "source": "po_unknown",
            },
            {
                "id": "txn_3",
                "object": "balance_transaction",
                "type": "stripe_fee",
                "amount": -1_00,
                "created": int(now.timestamp()),
                "source": None,
            },
        ],
    }
    responses.get(f"{API}/balance_transactions", json=listing)
    report = reconcile(db.session, gateway(), now - timedelta(days=1), now + timedelta(days=1))
    assert report.matched == 1
    assert [(m.provider_id, m.ledger_amount, m.provider_amount) for m in report.mismatches] == [
        ("po_unknown", None, -5_00)
    ]
    assert "expand[0]=data.source" in responses.calls[-1].request.url.replace("%5B", "[").replace("%5D", "]")


def withdraw_30_through_stripe(client, headers, payout_id):
    """Deposit ¥100 and withdraw ¥30: the payout is pending at Stripe; returns its object."""
    responses.post(f"{API}/payment_intents", json=intent())
    deposit(client, headers, payment_method="pm_card_visa")
    payout = {
        "id": payout_id,
        "object": "payout",
        "amount": 30_00,
        "currency": "cny",
        "status": "pending",
        "metadata": {"payment_id": "2"},
    }
    responses.post(f"{API}/payouts", json=payout)
    client.post("/api/v1/wallet/withdrawals", json={"amount": "30.00"}, headers=headers)
    return payout


def send_payout_event(client, payout, event_id, status, **extra):
    event = {
        "id": event_id,
        "type": f"payout.{status}",
        "data": {"object": {**payout, "status": status, **extra}},
    }
    payload = json.dumps(event).encode()
    return client.post(
        "/api/v1/webhooks/payments",
        data=payload,
        headers={"Stripe-Signature": signature.sign(payload, SECRET)},
    )


def reconcile_returned_payout(payout):
    """Reconcile today against Stripe's records of the ¥100 charge and the payout sent and returned."""
    now = datetime.now(UTC)
    created = int(now.timestamp())
    listing = {
        "object": "list",
        "url": "/v1/balance_transactions",
        "has_more": False,
        "data": [
            {
                "id": "txn_1",
                "object": "balance_transaction",
                "type": "charge",
                "amount": 100_00,
                "created": created,
                "source": {"id": "ch_1", "object": "charge", "payment_intent": "pi_123"},
            },
            {
                "id": "txn_2",
                "object": "balance_transaction",
                "type": "payout",
                "amount": -30_00,
                "created": created,
                "source": payout["id"],
            },
            {
                "id": "txn_3",
                "object": "balance_transaction",
                "type": "payout_failure",
                "amount": 30_00,
                "created": created,
                "source": payout["id"],
            },
        ],
    }
    responses.get(f"{API}/balance_transactions", json=listing)
    return reconcile(db.session, gateway(), now - timedelta(days=1), now + timedelta(days=1))


@responses.activate
def test_a_payout_failed_after_it_was_paid_returns_the_money_and_reconciles(investor):
    client, headers, user = investor
    payout = withdraw_30_through_stripe(client, headers, "po_2")
    assert send_payout_event(client, payout, "evt_paid", "paid").get_json()["outcome"] == "applied"
    assert ledger.balances(db.session, user) == {"wallet": 70_00, "held": 0}
    failed = send_payout_event(
        client,
        payout,
        "evt_failed",
        "failed",
        failure_code="could_not_process",
        failure_message="The bank returned the payout",
    )
    assert failed.get_json()["outcome"] == "applied"
    assert ledger.balances(db.session, user) == {"wallet": 100_00, "held": 0}
    payment = db.session.get(Payment, 2)
    assert payment.status == "failed" and payment.failure_message == "could_not_process"  # the code
    audit = db.session.scalars(
        sa.select(AuditEvent.payload).where(AuditEvent.action == "payment.status").order_by(AuditEvent.seq)
    ).all()
    assert audit[-1]["failure_code"] == "could_not_process"
    assert audit[-1]["provider_message"] == "The bank returned the payout"  # Stripe's words: audit only
    report = reconcile_returned_payout(payout)
    assert report.ok and report.matched == 2 and report.ledger_total == report.provider_total == 100_00


@responses.activate
def test_a_payout_that_failed_before_it_was_paid_nets_to_zero_on_both_sides(investor):
    client, headers, user = investor
    payout = withdraw_30_through_stripe(client, headers, "po_3")
    send_payout_event(client, payout, "evt_failed_early", "failed", failure_message="Account closed")
    assert ledger.balances(db.session, user) == {"wallet": 100_00, "held": 0}
    report = reconcile_returned_payout(payout)  # nothing of po_3 went through our clearing account
    assert report.ok and report.matched == 2


def test_stripe_needs_its_keys(database_uri):
    from marketplace.config import ConfigError

    with pytest.raises(ConfigError, match="STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET"):
        create_app({**base_config(database_uri), "PAYMENT_GATEWAY": "stripe"})
    with pytest.raises(ConfigError, match="PAYMENT_GATEWAY"):
        create_app({**base_config(database_uri), "PAYMENT_GATEWAY": "paypal"})


def test_the_stripe_client_uses_requests():
    from marketplace.payments.stripe_gateway import StripeGateway

    stripe_gateway = StripeGateway("sk_test_1", "whsec_1")
    assert isinstance(stripe_gateway.client._requestor._client, stripe.RequestsClient)
