"""Why a payment failed, in the reader's language: flashes, the wallet, the admin page, the API.

The sandbox's declining paths and Stripe mocked at HTTP level (`responses`), each with a code the
table knows and one it does not, for a Chinese and an English reader.
"""

import json
import re

import pytest
import responses
import sqlalchemy as sa
import stripe

from marketplace.app import create_app
from marketplace.extensions import db
from marketplace.models import AuditEvent, Payment
from marketplace.payments import signature
from marketplace.services import ledger
from tests.conftest import POSTGRES_URL, RequestClient, _truncate_all, base_config
from tests.helpers import api_token, bearer, login, make_user

API = "https://api.stripe.com/v1"
SECRET = "whsec_test_secret"
ZH, EN = "zh_CN", "en"
SANDBOX_DECLINE = {
    ZH: "支付被拒绝：您的银行卡被拒绝（沙箱）。",
    EN: "The payment was declined: Your card was declined (sandbox).",
}
UNKNOWN = {
    ZH: "支付渠道拒绝了这笔付款（代码 brand_new_decline）。",
    EN: "The payment provider refused the payment (code brand_new_decline).",
}
PROVIDER_WORDS = ("Your card was declined.", "Your card has expired (raw).", "Something new happened.")


def key_of(page: str, prefix: str) -> str:
    return re.search(rf'name="{prefix}-idempotency_key" type="hidden" value="([0-9a-f]{{32}})"', page).group(
        1
    )


def submit(web, form: str, amount: str):
    key = key_of(web.get("/wallet/").get_data(as_text=True), form)
    return web.post(f"/wallet/{form}", data={f"{form}-amount": amount, f"{form}-idempotency_key": key})


def signed_in(app, email: str, role: str = "investor", locale: str = EN):
    make_user(role, email, locale=locale)
    web = app.test_client()
    login(web, email)
    return web


def history_row(page: str) -> str:
    """The newest payment's row on the wallet page."""
    return page.split("<tbody>", 1)[1].split("</tr>", 1)[0]


def assert_no_provider_words(page: str) -> None:
    for words in PROVIDER_WORDS:
        assert words not in page


# -- the sandbox -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", [ZH, EN])
def test_a_sandbox_decline_reads_in_the_readers_language_everywhere(app, users, locale):
    web = signed_in(app, f"decline-{locale}@example.com", locale=locale)
    response = submit(web, "deposit", "20.02")
    assert response.status_code == 402
    page = response.get_data(as_text=True)
    assert SANDBOX_DECLINE[locale] in page  # the flash
    assert SANDBOX_DECLINE[EN if locale == ZH else ZH] not in page
    payment = db.session.scalar(sa.select(Payment))
    assert payment.status == "failed" and payment.failure_message == "sandbox_card_declined"
    reason = SANDBOX_DECLINE[locale].split("：" if locale == ZH else ": ", 1)[1]
    assert f"({reason})" in history_row(web.get("/wallet/").get_data(as_text=True))
    token = api_token(web, f"decline-{locale}@example.com")
    item = web.get("/api/v1/wallet/payments", headers=bearer(token)).get_json()["items"][0]
    assert item["failure_code"] == "sandbox_card_declined" and item["failure_message"] == reason


def test_a_failed_sandbox_payout_is_flashed_in_chinese(app, users):
    web = signed_in(app, "payout-zh@example.com", locale=ZH)
    submit(web, "deposit", "100.00")
    response = submit(web, "withdraw", "20.13")
    assert response.status_code == 302
    page = web.get("/wallet/").get_data(as_text=True)
    assert "提现 ¥20.13：失败。 收款银行账户已销户（沙箱）。" in page
    assert "(收款银行账户已销户（沙箱）。)" in history_row(page)
    assert "closed (sandbox)" not in page


def test_the_admin_reads_failures_and_their_history_in_chinese_with_the_code(app, users):
    investor = signed_in(app, "both@example.com")
    submit(investor, "deposit", "20.02")
    submit(investor, "deposit", "100.00")
    submit(investor, "withdraw", "30.13")
    admin = signed_in(app, "zh-admin@example.com", role="admin", locale=ZH)
    page = admin.get("/admin/payments").get_data(as_text=True)
    assert "您的银行卡被拒绝（沙箱）。 <code>sandbox_card_declined</code>" in page
    assert "收款银行账户已销户（沙箱）。 <code>sandbox_account_closed</code>" in page
    history = "".join(re.findall(r'<td class="small history">(.*?)</td>', page, re.S))
    assert "· 收款银行账户已销户（沙箱）。" in history and "· 您的银行卡被拒绝（沙箱）。" in history
    assert "(sandbox)" not in page


def test_the_providers_words_are_kept_for_the_audit(app, users):
    web = signed_in(app, "audit@example.com")
    submit(web, "deposit", "20.02")
    payload = db.session.scalars(
        sa.select(AuditEvent.payload).where(AuditEvent.action == "payment.status").order_by(AuditEvent.seq)
    ).all()[-1]
    assert payload["failure_code"] == "sandbox_card_declined"
    assert payload["provider_message"] == "Your card was declined (sandbox)."


# -- Stripe, mocked at HTTP level ------------------------------------------------------------


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
    application.test_client_class = RequestClient  # a clean `g` per request, as in the app fixture
    with application.app_context():
        if POSTGRES_URL:
            _truncate_all()
        yield application
        db.session.remove()
        db.engine.dispose()


def card_error(code, decline_code=None, message="Your card was declined."):
    body = {"type": "card_error", "message": message, "code": code}
    if decline_code:
        body["decline_code"] = decline_code
    return {"error": body}


@responses.activate
@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (ZH, "支付被拒绝：您的银行卡已过期。"),
        (EN, "The payment was declined: Your card has expired."),
    ],
)
def test_a_stripe_decline_code_reads_in_the_readers_language(stripe_app, locale, expected):
    responses.post(
        f"{API}/payment_intents",
        status=402,
        json=card_error("card_declined", "expired_card", "Your card has expired (raw)."),
    )
    web = signed_in(stripe_app, f"stripe-{locale}@example.com", locale=locale)
    response = submit(web, "deposit", "100.00")
    assert response.status_code == 402
    page = response.get_data(as_text=True)
    assert expected in page
    assert_no_provider_words(page)
    assert db.session.scalar(sa.select(Payment.failure_message)) == "expired_card"
    reason = expected.split("：" if locale == ZH else ": ", 1)[1]
    wallet = web.get("/wallet/").get_data(as_text=True)
    assert f"({reason})" in history_row(wallet)
    assert_no_provider_words(wallet)


@responses.activate
@pytest.mark.parametrize("locale", [ZH, EN])
def test_an_unknown_stripe_code_is_named_in_a_translated_sentence(stripe_app, locale):
    responses.post(
        f"{API}/payment_intents",
        status=402,
        json=card_error("brand_new_decline", message="Something new happened."),
    )
    web = signed_in(stripe_app, f"unknown-{locale}@example.com", locale=locale)
    page = submit(web, "deposit", "100.00").get_data(as_text=True)
    assert UNKNOWN[locale] in page
    assert_no_provider_words(page)
    wallet = web.get("/wallet/").get_data(as_text=True)
    assert f"({UNKNOWN[locale]})" in history_row(wallet)
    admin = signed_in(stripe_app, f"admin-{locale}@example.com", role="admin", locale=locale)
    listing = admin.get("/admin/payments").get_data(as_text=True)
    assert f"{UNKNOWN[locale]} <code>brand_new_decline</code>" in listing
    assert_no_provider_words(listing)


@responses.activate
def test_a_failure_stripe_reports_by_webhook_shows_in_the_history_in_chinese(stripe_app):
    intent = {
        "id": "pi_9",
        "object": "payment_intent",
        "amount": 50_00,
        "currency": "cny",
        "status": "requires_payment_method",
        "client_secret": "pi_9_secret",
        "metadata": {"payment_id": "1"},
    }
    responses.post(f"{API}/payment_intents", json=intent)
    web = signed_in(stripe_app, "hook-zh@example.com", locale=ZH)
    assert submit(web, "deposit", "50.00").status_code == 302
    error = {
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "message": "Your card was declined.",
    }
    event = {
        "id": "evt_fail",
        "type": "payment_intent.payment_failed",
        "data": {"object": {**intent, "last_payment_error": error}},
    }
    payload = json.dumps(event).encode()
    hook = web.post(
        "/api/v1/webhooks/payments",
        data=payload,
        headers={"Stripe-Signature": signature.sign(payload, SECRET)},
    )
    assert hook.get_json()["outcome"] == "applied"
    page = web.get("/wallet/").get_data(as_text=True)
    assert "失败 <span" in history_row(page) and "(因资金不足，付款被拒绝。)" in history_row(page)
    assert_no_provider_words(page)
    user = db.session.scalar(sa.select(Payment.user_id))
    assert ledger.balances(db.session, ("user", user))["wallet"] == 0
