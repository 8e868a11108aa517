"""The final approval opens the listing and commits the fund's share in the same transaction;
a first approval of a four-eyes case only checks that the fund could take the share."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, LedgerTransaction, Listing, LoanApplication
from marketplace.rules.fund_policy import FundPolicy
from marketplace.services import fund, ledger
from marketplace.services.unit_of_work import run
from tests.app_helpers import OTHER_USCC, ApiUser, ready_sme, submitted
from tests.helpers import login, make_user
from tests.market_helpers import fund_pool

pytestmark = pytest.mark.usefixtures("ledger_consistent")
YUAN = 100
SINGLE = {"decision": "approve", "max_rate_bps": 1500, "listing_days": 10, "fund_share_bps": 2000}
FOUR_EYES = {**SINGLE, "fund_share_bps": 3000}  # ¥300,000 of ¥1,000,000: the threshold


@pytest.fixture
def application_id(client, users):
    return submitted(ready_sme(client), amount="1000000.00")


def decide(client, application_id, body, email="fund_manager@example.com"):
    return ApiUser(client, email).post(f"/applications/{application_id}/decision", json=body)


def state(application_id):
    """What a refused decision must leave unchanged."""
    return (
        db.session.get(LoanApplication, application_id, populate_existing=True).status,
        ledger.balances(db.session, fund.FUND),
        db.session.scalar(sa.select(sa.func.count()).select_from(Listing)),
        db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)),
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action.not_like("auth.%"))
        ),
    )


def test_a_single_approval_opens_the_listing_and_commits_the_fund_share(client, application_id):
    fund_pool(500_000 * YUAN)
    response = decide(client, application_id, SINGLE)
    assert response.status_code == 200
    body = response.get_json()
    listing = db.session.scalar(sa.select(Listing))
    assert body["status"] == "approved" and body["listing_id"] == listing.id
    assert (listing.status, listing.application_id, listing.fund_committed_fen) == (
        "open",
        application_id,
        200_000 * YUAN,
    )
    assert ledger.balances(db.session, fund.FUND) == {"pool": 300_000 * YUAN, "committed": 200_000 * YUAN}
    opened = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "listing.opened"))
    assert opened.payload["application_id"] == application_id


def test_a_share_the_fund_cannot_afford_is_refused_and_nothing_changes(client, application_id):
    fund_pool(100_000 * YUAN)
    before = state(application_id)
    response = decide(client, application_id, SINGLE)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"]["fund_share_bps"] == [
        "The fund has ¥100,000 uncommitted; this share needs ¥200,000."
    ]
    assert state(application_id) == before


def test_a_zero_share_needs_no_fund_money(client, application_id):
    response = decide(client, application_id, {**SINGLE, "fund_share_bps": 0})
    assert response.status_code == 200 and response.get_json()["listing_id"]
    assert ledger.balances(db.session, fund.FUND) == {"pool": 0, "committed": 0}


def test_a_policy_breach_is_refused(client, users, application_id):
    fund_pool(1_000_000 * YUAN)
    policy = FundPolicy(
        max_share_bps=1000, eligible_categories=frozenset({"government"}), target_leverage=Decimal(4)
    )
    run(db.session, lambda: fund.set_policy(db.session, users["fund_manager"], policy))
    before = state(application_id)
    response = decide(client, application_id, SINGLE)
    assert response.status_code == 422
    reasons = " ".join(response.get_json()["error"]["fields"]["fund_share_bps"])
    assert "at most 10 %" in reasons and "does not co-invest" in reasons
    assert state(application_id) == before


def test_four_eyes_commit_at_the_second_approval_not_the_first(client, users, application_id):
    fund_pool(300_000 * YUAN)
    first = decide(client, application_id, FOUR_EYES)
    assert first.status_code == 200
    assert first.get_json()["status"] == "awaiting_second_approval" and "listing_id" not in first.get_json()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Listing)) == 0
    assert ledger.balances(db.session, fund.FUND) == {"pool": 300_000 * YUAN, "committed": 0}
    make_user("fund_manager", "second@example.com")
    second = decide(client, application_id, {"decision": "approve"}, "second@example.com")
    assert second.status_code == 200
    listing = db.session.scalar(sa.select(Listing))
    assert second.get_json() | {"listing_id": listing.id} == second.get_json()
    assert ledger.balances(db.session, fund.FUND) == {"pool": 0, "committed": 300_000 * YUAN}


def test_four_eyes_first_approval_is_refused_at_once_when_the_fund_cannot_take_it(client, application_id):
    fund_pool(299_999 * YUAN)
    before = state(application_id)
    response = decide(client, application_id, FOUR_EYES)
    assert response.status_code == 422 and response.get_json()["error"]["fields"]["fund_share_bps"]
    assert state(application_id) == before


def test_the_second_approval_is_refused_when_the_money_went_elsewhere(client, users, application_id):
    fund_pool(300_000 * YUAN)
    assert decide(client, application_id, FOUR_EYES).status_code == 200
    make_user("sme", "other@example.com")
    other = submitted(ready_sme(client, "other@example.com", OTHER_USCC), amount="1000000.00")
    assert decide(client, other, {**SINGLE, "fund_share_bps": 2000}).status_code == 200  # takes ¥200,000
    make_user("fund_manager", "second@example.com")
    before = state(application_id)
    response = decide(client, application_id, {"decision": "approve"}, "second@example.com")
    assert response.status_code == 422 and response.get_json()["error"]["fields"]["fund_share_bps"]
    assert state(application_id) == before
    assert before[0] == "awaiting_second_approval"


def test_the_pages_flash_and_link_the_listing(app, client, users, application_id):
    fund_pool(500_000 * YUAN)
    manager = app.test_client()
    login(manager, "fund_manager@example.com")
    response = manager.post(f"/fund/applications/{application_id}", data={**SINGLE, "note": ""})
    assert response.status_code == 302
    listing = db.session.scalar(sa.select(Listing))
    page = manager.get(f"/fund/applications/{application_id}").get_data(as_text=True)
    assert f"Listing #{listing.id} is open for bids until" in page and "CN¥200,000.00" in page
    link = f'href="/investor/listings/{listing.id}"'
    assert link in page
    for email, path in (
        ("regulator@example.com", f"/regulator/applications/{application_id}"),
        ("sme@example.com", f"/sme/applications/{application_id}"),
    ):
        reader = app.test_client()
        login(reader, email)
        shown = reader.get(path).get_data(as_text=True)
        assert link in shown and "open for bids until" in shown, email


def test_before_approval_no_listing_is_shown(app, client, users, application_id):
    manager = app.test_client()
    login(manager, "fund_manager@example.com")
    assert "/investor/listings/" not in manager.get(f"/fund/applications/{application_id}").get_data(
        as_text=True
    )
