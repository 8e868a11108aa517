"""Wallet pages: balance, deposit and withdrawal forms, double submission, statement, CSV, admin."""

import re

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import LedgerTransaction, Payment
from marketplace.services import ledger
from tests.helpers import login, make_user

pytestmark = pytest.mark.usefixtures("ledger_consistent")


def key_of(page: str, prefix: str) -> str:
    return re.search(rf'name="{prefix}-idempotency_key" type="hidden" value="([0-9a-f]{{32}})"', page).group(
        1
    )


def deposit(client, amount, key=None):
    key = key or key_of(client.get("/wallet/").get_data(as_text=True), "deposit")
    return client.post("/wallet/deposit", data={"deposit-amount": amount, "deposit-idempotency_key": key})


def withdraw(client, amount, key=None):
    key = key or key_of(client.get("/wallet/").get_data(as_text=True), "withdraw")
    return client.post("/wallet/withdraw", data={"withdraw-amount": amount, "withdraw-idempotency_key": key})


@pytest.mark.parametrize("role_client", ["investor_client", "sme_client"])
def test_deposit_and_withdraw_through_the_pages(request, users, role_client):
    client = request.getfixturevalue(role_client)
    response = deposit(client, "1,000.00")
    assert response.status_code == 302
    page = client.get("/wallet/").get_data(as_text=True)
    assert "Deposit of CN¥1,000.00: Succeeded." in page and "¥1,000.00" in page
    assert withdraw(client, "400").status_code == 302
    page = client.get("/wallet/").get_data(as_text=True)
    assert "Withdrawal of CN¥400.00: Succeeded." in page and "¥600.00" in page
    assert 'href="/wallet/"' in client.get("/wallet/statement").get_data(as_text=True)


def test_a_double_submitted_withdrawal_moves_money_once(investor_client, users):
    deposit(investor_client, "100.00")
    key = key_of(investor_client.get("/wallet/").get_data(as_text=True), "withdraw")
    first = withdraw(investor_client, "30.00", key)
    second = withdraw(investor_client, "30.00", key)
    assert first.status_code == second.status_code == 302
    assert "already submitted" in investor_client.get("/wallet/").get_data(as_text=True)
    assert ledger.balances(db.session, users["investor"])["wallet"] == 70_00
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Payment).where(Payment.kind == "payout"))
        == 1
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "This field is required."),
        ("-1", "greater than zero"),
        ("0.00", "greater than zero"),
        ("ten", "yuan"),
        ("1.234", "2 decimal places"),
        ("1000000.01", "per-transaction limit"),
    ],
)
def test_bad_amounts_are_shown_on_the_form_and_move_nothing(investor_client, amount, message):
    response = deposit(investor_client, amount)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 0


def test_a_tampered_form_key_is_refused(investor_client):
    response = deposit(investor_client, "10.00", key="not-a-key")
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_withdrawing_more_than_available_shows_insufficient_funds(investor_client):
    deposit(investor_client, "5.00")
    response = withdraw(investor_client, "5.01")
    assert response.status_code == 409
    assert "Insufficient funds" in response.get_data(as_text=True)


def test_statement_shows_running_balances_filters_and_exports_csv(investor_client):
    deposit(investor_client, "100.00")
    withdraw(investor_client, "40.00")
    withdraw(investor_client, "10.13")  # fails in the sandbox: held, then returned
    page = investor_client.get("/wallet/statement").get_data(as_text=True)
    for text in ("Deposit", "Withdrawal", "Withdrawal returned", "¥60.00", "¥49.87"):
        assert text in page
    empty = investor_client.get("/wallet/statement?start=2000-01-01&end=2000-01-31").get_data(as_text=True)
    assert "No movements in this period." in empty
    bad = investor_client.get("/wallet/statement?start=01/02/2026")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(as_text=True)
    reversed_range = investor_client.get("/wallet/statement?start=2026-02-01&end=2026-01-01")
    assert reversed_range.status_code == 422
    csv = investor_client.get("/wallet/statement.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Time,Type,Amount (yuan),Balance after (yuan),Transaction"
    assert [line.split(",")[1:4] for line in lines[1:]] == [
        ["Deposit", "100.00", "100.00"],
        ["Withdrawal", "-40.00", "60.00"],
        ["Withdrawal", "-10.13", "49.87"],
        ["Withdrawal returned", "10.13", "60.00"],
    ]
    assert investor_client.get("/wallet/statement.csv?start=bad").status_code == 422


@pytest.mark.parametrize("role_client", ["fund_client", "regulator_client", "admin_client"])
@pytest.mark.parametrize("path", ["/wallet/", "/wallet/statement", "/wallet/statement.csv"])
def test_other_roles_cannot_see_wallet_pages(request, role_client, path):
    assert request.getfixturevalue(role_client).get(path).status_code == 403


def test_other_roles_cannot_post_to_wallet_forms(fund_client):
    response = fund_client.post(
        "/wallet/deposit", data={"deposit-amount": "10.00", "deposit-idempotency_key": "a" * 32}
    )
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/wallet/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_nav_links_lead_to_the_wallet(investor_client, sme_client):
    assert 'href="/wallet/"' in investor_client.get("/investor/").get_data(as_text=True)
    assert 'href="/wallet/"' in sme_client.get("/sme/").get_data(as_text=True)


def test_admin_payments_page_lists_failures_and_the_ledger_check(investor_client, admin_client):
    deposit(investor_client, "50.00")
    withdraw(investor_client, "20.13")
    assert (
        admin_client.post("/admin/payments/ledger-check").status_code == 302
    )  # checks are stored, not run per view
    page = admin_client.get("/admin/payments").get_data(as_text=True)
    assert "Ledger consistent" in page
    assert "The bank account was closed (sandbox)." in page and "sbx_po_" in page
    failed = admin_client.get("/admin/payments?status=failed").get_data(as_text=True)
    assert "sbx_po_" in failed and "sbx_pi_" not in failed
    assert investor_client.get("/admin/payments").status_code == 403


def test_the_wallet_page_is_translated(app, investor_client, users):
    users["investor"].locale = "zh_CN"
    db.session.commit()
    page = investor_client.get("/wallet/").get_data(as_text=True)
    assert "钱包" in page and "可用余额" in page


def test_a_payout_returned_by_the_bank_is_named_on_the_statement_in_both_languages(investor_client, users):
    import json

    from marketplace.gateways import gateway
    from marketplace.models import SandboxObject
    from marketplace.payments import signature

    deposit(investor_client, "100.00")
    withdraw(investor_client, "40.00")  # paid out at once by the sandbox
    payout = db.session.scalar(sa.select(SandboxObject).where(SandboxObject.object_type == "payout"))
    payload = json.dumps(gateway().event(payout, "payout.failed")).encode()
    response = investor_client.post(
        "/api/v1/webhooks/payments",
        data=payload,
        headers={
            "Stripe-Signature": signature.sign(payload, gateway().webhook_secret),
            "Content-Type": "application/json",
        },
    )
    assert response.get_json()["outcome"] == "applied"
    assert ledger.balances(db.session, users["investor"])["wallet"] == 100_00
    page = investor_client.get("/wallet/statement").get_data(as_text=True)
    assert "Withdrawal returned by the bank" in page and "¥100.00" in page
    investor_client.post("/language", data={"locale": "zh_CN", "next": "/wallet/statement"})
    assert "提现被银行退回" in investor_client.get("/wallet/statement").get_data(as_text=True)


def test_payment_history_and_failures_read_in_chinese(app, users):
    make_user("admin", "zh-admin@example.com", locale="zh_CN")
    make_user("investor", "zh-investor@example.com", locale="zh_CN")
    investor = app.test_client()
    login(investor, "zh-investor@example.com")
    deposit(investor, "50.00")
    flashed = withdraw(investor, "20.13")  # the sandbox fails payouts of ¥x.13
    assert flashed.status_code == 302
    page = investor.get("/wallet/").get_data(as_text=True)  # the flash says why, and so does the list
    assert "提现 ¥20.13：失败。 收款银行账户已销户（沙箱）。" in page
    admin = app.test_client()
    login(admin, "zh-admin@example.com")
    page = admin.get("/admin/payments").get_data(as_text=True)
    assert "提交请求" in page and "服务商通知 evt_" in page and "收款银行账户已销户（沙箱）" in page
    assert "· request" not in page and "· event" not in page
