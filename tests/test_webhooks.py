"""The payment webhook: signatures, duplicates, out-of-order events, unknown types; signature scheme."""

import json
import time

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import LedgerTransaction, Payment, SandboxObject, WebhookEvent
from marketplace.payments import signature
from marketplace.services import ledger, payment_flows

pytestmark = pytest.mark.usefixtures("ledger_consistent")
URL = "/api/v1/webhooks/payments"


@pytest.fixture
def manual(app):
    """The sandbox without instant settlement: the test delivers events itself."""
    sandbox = gateway()
    sandbox.auto_settle = False
    yield sandbox
    sandbox.auto_settle = True


def open_payment(users, kind="deposit", amount=100_00, role="investor"):
    user = users[role]
    if kind == "payout":
        sandbox = gateway()
        sandbox.auto_settle = True
        payment_flows.deposit(db.session, sandbox, user, amount, limit=10**8)
        sandbox.auto_settle = False
    outcome = (payment_flows.deposit if kind == "deposit" else payment_flows.withdraw)(
        db.session, gateway(), user, amount, limit=10**8
    )
    return outcome.payment, db.session.get(SandboxObject, outcome.payment.provider_id)


def post_event(client, event, *, header=None, secret=None, timestamp=None):
    payload = json.dumps(event).encode()
    if header is None:
        header = signature.sign(payload, secret or gateway().webhook_secret, timestamp)
    return client.post(
        URL, data=payload, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    )


def wallet(users, role="investor"):
    return ledger.balances(db.session, users[role])


def test_a_signed_success_event_credits_the_wallet_once(client, users, manual):
    payment, obj = open_payment(users)
    assert payment.status == "processing" and wallet(users)["wallet"] == 0
    event = manual.event(obj, "payment_intent.succeeded")
    first = post_event(client, event)
    assert first.status_code == 200 and first.get_json() == {"received": True, "outcome": "applied"}
    duplicate = post_event(client, event)
    assert duplicate.status_code == 200 and duplicate.get_json()["outcome"] == "duplicate"
    assert wallet(users)["wallet"] == 100_00
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 1
    # a different event id with the same news moves nothing either
    again = post_event(client, manual.event(obj, "payment_intent.succeeded", event_id="evt_other"))
    assert again.get_json()["outcome"] == "stale" and wallet(users)["wallet"] == 100_00


@pytest.mark.parametrize("case", ["bad", "missing", "stale", "future", "wrong secret", "garbled"])
def test_bad_signatures_are_400_and_change_nothing(client, users, manual, case):
    payment, obj = open_payment(users)
    event = manual.event(obj, "payment_intent.succeeded")
    payload = json.dumps(event).encode()
    now = int(time.time())
    headers = {
        "bad": f"t={now},v1={'0' * 64}",
        "missing": None,
        "stale": signature.sign(payload, manual.webhook_secret, now - 301),
        "future": signature.sign(payload, manual.webhook_secret, now + 301),
        "wrong secret": signature.sign(payload, "whsec_not_ours", now),
        "garbled": "v1=abc,t=",
    }
    sent = {"Content-Type": "application/json"}
    if headers[case] is not None:
        sent["Stripe-Signature"] = headers[case]
    response = client.post(URL, data=payload, headers=sent)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_signature"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 0
    assert db.session.get(Payment, payment.id).status == "processing" and wallet(users)["wallet"] == 0


def test_a_valid_signature_over_a_body_that_is_not_an_event_is_400(client, users):
    response = post_event(client, ["not", "an", "event"])
    assert response.status_code == 400


def test_success_before_processing_ends_succeeded(client, users, manual):
    payment, obj = open_payment(users)
    assert (
        post_event(client, manual.event(obj, "payment_intent.succeeded")).get_json()["outcome"] == "applied"
    )
    late = post_event(client, manual.event(obj, "payment_intent.processing"))
    assert late.get_json()["outcome"] == "stale"
    db.session.refresh(payment)
    assert payment.status == "succeeded" and wallet(users)["wallet"] == 100_00
    assert [(h.status, h.applied) for h in payment.history][-1] == ("processing", False)


def test_a_failed_payout_returns_the_held_money(client, users, manual):
    payment, obj = open_payment(users, kind="payout", amount=40_00)
    assert wallet(users) == {"wallet": 0, "held": 40_00}
    response = post_event(client, manual.event(obj, "payout.failed"))
    assert response.get_json()["outcome"] == "applied"
    assert wallet(users) == {"wallet": 40_00, "held": 0}
    # a late "paid" cannot take the money a second time
    assert post_event(client, manual.event(obj, "payout.paid")).get_json()["outcome"] == "stale"
    assert wallet(users) == {"wallet": 40_00, "held": 0}
    assert db.session.get(Payment, payment.id).failure_message == "sandbox_account_closed"


def test_a_paid_payout_leaves_through_clearing(client, users, manual):
    open_payment(users, kind="payout", amount=40_00)
    obj = db.session.scalar(sa.select(SandboxObject).where(SandboxObject.object_type == "payout"))
    post_event(client, manual.event(obj, "payout.paid"))
    assert wallet(users) == {"wallet": 0, "held": 0}
    assert ledger.balances(db.session, ("platform", 0))["gateway_clearing"] == 0


def test_a_payout_returned_by_the_bank_after_it_was_paid_comes_back_to_the_wallet_once(client, users, manual):
    payment, obj = open_payment(users, kind="payout", amount=40_00)
    assert post_event(client, manual.event(obj, "payout.paid")).get_json()["outcome"] == "applied"
    assert wallet(users) == {"wallet": 0, "held": 0}
    returned = post_event(client, manual.event(obj, "payout.failed"))
    assert returned.get_json()["outcome"] == "applied"
    assert wallet(users) == {"wallet": 40_00, "held": 0}
    # the money is back at the provider, as it was after the deposit that funded the payout
    assert ledger.balances(db.session, ("platform", 0))["gateway_clearing"] == -40_00
    # another delivery of the news, under a new event id, cannot return the money twice
    again = post_event(client, manual.event(obj, "payout.failed", event_id="evt_failed_again"))
    assert again.get_json()["outcome"] == "stale" and wallet(users) == {"wallet": 40_00, "held": 0}
    payment = db.session.get(Payment, payment.id)
    assert payment.status == "failed" and payment.failure_message == "sandbox_account_closed"
    assert [h.status for h in payment.history if h.applied][-2:] == ["succeeded", "failed"]
    kinds = db.session.scalars(
        sa.select(LedgerTransaction.kind)
        .where(LedgerTransaction.reference_id == str(payment.id))
        .order_by(LedgerTransaction.id)
    ).all()
    assert kinds == ["withdrawal", "payout_settled", "payout_returned"]


def test_only_the_providers_event_can_fail_a_paid_payout(client, users, manual):
    from marketplace.services import payments

    payment, obj = open_payment(users, kind="payout", amount=40_00)
    post_event(client, manual.event(obj, "payout.paid"))
    locked = payments.lock_payment(db.session, payment.id)
    # a failure the platform infers (a refused request racing the paid event) is too late
    assert not payments.apply_status(db.session, locked, "failed", source="provider refused")
    db.session.commit()
    assert db.session.get(Payment, payment.id).status == "succeeded"
    assert wallet(users) == {"wallet": 0, "held": 0}


def test_a_deposit_that_succeeded_does_not_fail_afterwards(client, users, manual):
    payment, obj = open_payment(users)
    post_event(client, manual.event(obj, "payment_intent.succeeded"))
    late = post_event(client, manual.event(obj, "payment_intent.payment_failed"))
    assert late.get_json()["outcome"] == "stale"
    assert db.session.get(Payment, payment.id).status == "succeeded" and wallet(users)["wallet"] == 100_00


def test_unknown_event_types_are_acknowledged_and_ignored(client, users, manual):
    payment, obj = open_payment(users)
    event = manual.event(obj, "payment_intent.succeeded")
    event["type"], event["id"] = "charge.refund.updated", "evt_unknown"
    response = post_event(client, event)
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert db.session.get(Payment, payment.id).status == "processing"
    stored = db.session.scalar(sa.select(WebhookEvent))
    assert stored.event_type == "charge.refund.updated" and stored.outcome == "ignored"


def test_events_for_unknown_payments_and_wrong_amounts_move_nothing(client, users, manual):
    payment, obj = open_payment(users)
    unknown = manual.event(obj, "payment_intent.succeeded", event_id="evt_unknown_payment")
    unknown["data"]["object"]["metadata"]["payment_id"] = "424242"
    unknown["data"]["object"]["id"] = "sbx_pi_nobody"
    assert post_event(client, unknown).get_json()["outcome"] == "unknown_payment"
    forged = manual.event(obj, "payment_intent.succeeded", event_id="evt_forged_amount")
    forged["data"]["object"]["amount"] = 999_999_00
    assert post_event(client, forged).get_json()["outcome"] == "mismatch"
    assert wallet(users)["wallet"] == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 0


def test_the_webhook_needs_no_token_and_no_csrf(app, database_uri, users, manual):
    from marketplace.app import create_app
    from tests.conftest import base_config

    csrf_app = create_app(
        {
            **base_config(database_uri),
            "WTF_CSRF_ENABLED": True,
            "SANDBOX_WEBHOOK_SECRET": manual.webhook_secret,
        }
    )
    payment, obj = open_payment(users)
    event = manual.event(obj, "payment_intent.succeeded")
    db.session.rollback()  # this test's session must not hold SQLite's write lock meanwhile
    with csrf_app.app_context():
        csrf_app.extensions["payment_gateway"].auto_settle = False
        response = post_event(csrf_app.test_client(), event)
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 200


def test_verification_accepts_any_of_several_v1_values_within_the_window():
    payload = b'{"id": "evt_1"}'
    good = signature.sign(payload, "whsec_a", 1_700_000_000).partition("v1=")[2]
    header = f"t=1700000000,v1={'f' * 64},v1={good}"
    assert signature.verify(payload, header, "whsec_a", now=1_700_000_100) == 1_700_000_000
    for now in (1_700_000_301, 1_699_999_699):  # too old, and from the future
        with pytest.raises(signature.SignatureError, match="tolerance"):
            signature.verify(payload, header, "whsec_a", now=now)
    with pytest.raises(signature.SignatureError, match="matching"):
        signature.verify(payload + b" ", header, "whsec_a", now=1_700_000_000)
    with pytest.raises(signature.SignatureError, match="no webhook secret"):
        signature.verify(payload, header, "", now=1_700_000_000)
    with pytest.raises(signature.SignatureError, match="missing"):
        signature.verify(payload, None, "whsec_a", now=1_700_000_000)


@pytest.mark.parametrize("header", ["v1=abc,t=", "t=x,v1=" + "0" * 64, "t=1700000000", "garbage"])
def test_a_malformed_header_is_a_signature_error(header):
    with pytest.raises(signature.SignatureError):
        signature.verify(b"{}", header, "whsec_a", now=1_700_000_000)


def test_a_body_that_is_not_utf8_is_a_signature_error_not_a_crash(client):
    payload = b'{"id": "\xff"}'
    with pytest.raises(signature.SignatureError, match="UTF-8"):
        signature.verify(payload, signature.sign(payload, "whsec_a"), "whsec_a")
    response = client.post(
        URL,
        data=payload,
        headers={
            "Stripe-Signature": signature.sign(payload, gateway().webhook_secret),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_signature"


def test_our_signatures_match_the_stripe_sdk():
    import stripe

    payload = b'{"id": "evt_sdk", "object": "event"}'
    header = signature.sign(payload, "whsec_sdk")
    assert stripe.WebhookSignature.verify_header(payload.decode(), header, "whsec_sdk", tolerance=300)
