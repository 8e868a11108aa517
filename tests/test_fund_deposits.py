"""The fund's capital: deposits through the payment gateway credited to the fund's pool."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.domain_errors import NotAllowed
from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import AuditEvent, LedgerTransaction, Payment
from marketplace.services import fund, ledger, payment_flows
from marketplace.services.ledger_check import check
from tests.market_helpers import fund_pool

pytestmark = pytest.mark.usefixtures("ledger_consistent")
YUAN = 100


def pool() -> int:
    return ledger.balances(db.session, fund.FUND)["pool"]


def page_key(page: str) -> str:
    return re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"', page).group(1)


def deposit_page(client, amount, key=None):
    key = key or page_key(client.get("/admin/fund").get_data(as_text=True))
    return client.post("/admin/fund", data={"amount": amount, "idempotency_key": key})


def test_a_settled_deposit_credits_the_pool_and_the_admin_is_its_user_and_actor(app, users):
    admin = users["admin"]
    outcome = payment_flows.fund_deposit(
        db.session, gateway(), admin, 500_000 * YUAN, limit=fund.MAX_DEPOSIT_FEN
    )
    payment = outcome.payment
    assert (payment.status, payment.kind, payment.credited_owner, payment.user_id) == (
        "succeeded",
        "deposit",
        "fund",
        admin.id,
    )
    assert pool() == 500_000 * YUAN
    requested = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "payment.deposit_requested")
    )
    assert requested.actor_id == admin.id and requested.payload["credited_owner"] == "fund"
    assert check(db.session).ok


def test_a_declined_deposit_leaves_the_pool_unchanged(app, users):
    fund_pool(1_000 * YUAN)
    with pytest.raises(Exception, match="declined"):
        payment_flows.fund_deposit(
            db.session, gateway(), users["admin"], 1_000 * YUAN + 2, limit=fund.MAX_DEPOSIT_FEN
        )
    assert pool() == 1_000 * YUAN
    failed = db.session.scalar(sa.select(Payment).where(Payment.status == "failed"))
    assert failed.credited_owner == "fund"


@pytest.mark.parametrize("role", ["sme", "investor", "fund_manager", "regulator"])
def test_only_admins_deposit_into_the_fund(app, users, role):
    with pytest.raises(NotAllowed):
        payment_flows.fund_deposit(db.session, gateway(), users[role], 100 * YUAN, limit=fund.MAX_DEPOSIT_FEN)
    assert pool() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_the_same_key_deposits_once(app, users):
    for _ in range(2):
        payment_flows.fund_deposit(
            db.session,
            gateway(),
            users["admin"],
            100 * YUAN,
            limit=fund.MAX_DEPOSIT_FEN,
            idempotency_key="k1",
        )
    assert pool() == 100 * YUAN


def test_the_cli_deposits_through_the_gateway(app, users, runner):
    result = runner.invoke(args=["fund", "deposit", "--amount", "5000000.00"])
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output and "fund pool 5000000.00 yuan" in result.output
    assert pool() == 5_000_000 * YUAN
    declined = runner.invoke(args=["fund", "deposit", "--amount", "10.02"])
    assert declined.exit_code == 1 and "declined" in declined.output
    assert pool() == 5_000_000 * YUAN


@pytest.mark.parametrize("amount", ["", "-5", "0", "ten", "1.234", "100000000.01"])
def test_the_cli_refuses_bad_amounts(app, users, runner, amount):
    result = runner.invoke(args=["fund", "deposit", "--amount", amount])
    assert result.exit_code != 0 and "refused" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_the_cli_refuses_a_non_admin(app, users, runner):
    result = runner.invoke(args=["fund", "deposit", "--amount", "10", "--admin", users["fund_manager"].email])
    assert result.exit_code != 0 and "admin" in result.output
    assert pool() == 0


def test_the_admin_page_deposits_and_lists_the_deposits(admin_client, users):
    response = deposit_page(admin_client, "2,000,000.00")
    assert response.status_code == 302
    page = admin_client.get("/admin/fund").get_data(as_text=True)
    assert "Deposit of CN¥2,000,000.00 into the fund: Succeeded." in page
    assert "admin@example.com" in page and 'id="fund-pool">CN¥2,000,000.00' in page
    assert pool() == 2_000_000 * YUAN


def test_a_double_submitted_page_deposits_once(admin_client):
    key = page_key(admin_client.get("/admin/fund").get_data(as_text=True))
    assert deposit_page(admin_client, "100.00", key).status_code == 302
    assert deposit_page(admin_client, "100.00", key).status_code == 302
    assert "already submitted" in admin_client.get("/admin/fund").get_data(as_text=True)
    assert pool() == 100 * YUAN


def test_a_declined_page_deposit_says_why_and_leaves_the_pool(admin_client):
    response = deposit_page(admin_client, "100.02")
    assert response.status_code in (402, 422)
    assert "declined" in response.get_data(as_text=True)
    assert pool() == 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "This field is required."),
        ("-1", "greater than zero"),
        ("0.00", "greater than zero"),
        ("ten", "yuan"),
        ("1.234", "2 decimal places"),
        ("100000000.01", "per-transaction limit"),
    ],
)
def test_bad_page_amounts_are_refused_and_move_nothing(admin_client, amount, message):
    response = deposit_page(admin_client, amount)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 0


def test_a_tampered_key_is_refused(admin_client):
    assert deposit_page(admin_client, "10.00", key="nope").status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


@pytest.mark.parametrize("role_client", ["fund_client", "investor_client", "regulator_client", "sme_client"])
def test_only_admins_see_the_page(request, role_client):
    client = request.getfixturevalue(role_client)
    assert client.get("/admin/fund").status_code == 403
    assert client.post("/admin/fund", data={"amount": "10", "idempotency_key": "a" * 32}).status_code == 403
    assert pool() == 0


def test_the_page_is_paginated(admin_client, users):
    for index in range(3):
        fund_pool((index + 1) * 100 * YUAN)
    page = admin_client.get("/admin/fund?per_page=2").get_data(as_text=True)
    assert page.count("admin@example.com") >= 2
    assert "page=2" in page


def test_the_audit_log_names_the_deposit_in_words(regulator_client, users):
    fund_pool(100 * YUAN)
    page = regulator_client.get("/regulator/audit").get_data(as_text=True)
    assert "Deposit requested" in page and "Payment status changed" in page
