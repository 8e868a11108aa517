"""Fund manager decisions: terms, reasons, four eyes, and who may decide."""

import pytest

from marketplace.extensions import db
from marketplace.models import LoanApplication
from tests.app_helpers import ApiUser, ready_sme, submitted
from tests.helpers import login, make_user
from tests.market_helpers import fund_pool

APPROVE = {"decision": "approve", "max_rate_bps": 1500, "listing_days": 10, "fund_share_bps": 3000}


@pytest.fixture
def in_review(client, users):
    """A ¥1,000,000 application in review, and fund capital for a 30 % share of it."""
    sme = ready_sme(client)
    fund_pool(300_000_00)
    return sme, submitted(sme, amount="1000000.00")


def test_large_fund_share_needs_a_second_different_fund_manager(client, in_review):
    sme, application_id = in_review
    first = ApiUser(client, "fund_manager@example.com")
    response = first.post(f"/applications/{application_id}/decision", json=APPROVE)
    assert response.status_code == 200 and response.get_json()["status"] == "awaiting_second_approval"
    again = first.post(f"/applications/{application_id}/decision", json={"decision": "approve"})
    assert again.status_code == 409 and "different fund manager" in again.get_json()["error"]["message"]
    make_user("fund_manager", "second@example.com")
    second = ApiUser(client, "second@example.com")
    changed = second.post(f"/applications/{application_id}/decision", json={**APPROVE, "max_rate_bps": 2000})
    assert changed.status_code == 422
    response = second.post(f"/applications/{application_id}/decision", json={"decision": "approve"})
    assert response.status_code == 200 and response.get_json()["status"] == "approved"
    row = db.session.get(LoanApplication, application_id)
    assert row.first_approver_id != row.second_approver_id and row.max_rate_bps == 1500
    assert (
        second.post(f"/applications/{application_id}/decision", json={"decision": "approve"}).status_code
        == 409
    )


def test_small_fund_share_is_approved_by_one_fund_manager(client, in_review):
    _, application_id = in_review
    fund = ApiUser(client, "fund_manager@example.com")
    response = fund.post(f"/applications/{application_id}/decision", json={**APPROVE, "fund_share_bps": 2999})
    assert response.get_json()["status"] == "approved"


def test_threshold_is_configurable(app, client, in_review):
    app.config["FOUR_EYES_THRESHOLD_FEN"] = 10_000_000  # ¥100,000
    _, application_id = in_review
    fund = ApiUser(client, "fund_manager@example.com")
    response = fund.post(f"/applications/{application_id}/decision", json={**APPROVE, "fund_share_bps": 1000})
    assert response.get_json()["status"] == "awaiting_second_approval"


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "approve"},
        {**APPROVE, "max_rate_bps": 0},
        {**APPROVE, "max_rate_bps": 3601},
        {**APPROVE, "listing_days": 2},
        {**APPROVE, "listing_days": 31},
        {**APPROVE, "fund_share_bps": -1},
        {**APPROVE, "fund_share_bps": 3001},
        {**APPROVE, "max_rate_bps": "1500"},
        {**APPROVE, "extra": 1},
        {"decision": "reject"},
        {"decision": "reject", "note": "   "},
        {"decision": "request_info"},
        {"decision": "reject", "note": "x" * 2001},
        {"decision": "reject", "note": "No.", "max_rate_bps": 1000},
        {"decision": "maybe"},
        {},
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(client, in_review, body):
    _, application_id = in_review
    fund = ApiUser(client, "fund_manager@example.com")
    response = fund.post(f"/applications/{application_id}/decision", json=body)
    assert response.status_code == 422, response.get_json()
    assert db.session.get(LoanApplication, application_id).status == "in_review"


def test_rejection_reason_is_shown_to_the_sme(client, in_review):
    sme, application_id = in_review
    fund = ApiUser(client, "fund_manager@example.com")
    response = fund.post(
        f"/applications/{application_id}/decision",
        json={"decision": "reject", "note": "Debt ratio too high for the amount."},
    )
    assert response.get_json()["status"] == "rejected"
    detail = sme.get(f"/applications/{application_id}").get_json()
    assert detail["decision"]["note"] == "Debt ratio too high for the amount."
    assert detail["history"][-1]["note"] == "Debt ratio too high for the amount."


def test_decision_on_a_draft_or_unknown_application(client, users):
    sme = ready_sme(client)
    fund = ApiUser(client, "fund_manager@example.com")
    draft_id = sme.post(
        "/applications",
        json={
            "amount": "20000.00",
            "term_months": 3,
            "repayment_method": "interest_only",
            "purpose": "A draft nobody else may see yet.",
            "category": "none",
        },
    ).get_json()["id"]
    assert fund.post(f"/applications/{draft_id}/decision", json=APPROVE).status_code == 403
    assert fund.get(f"/applications/{draft_id}").status_code == 403
    assert fund.post("/applications/999/decision", json=APPROVE).status_code == 404


@pytest.mark.parametrize("role", ["sme", "investor", "regulator", "admin"])
def test_only_fund_managers_decide(client, in_review, role):
    _, application_id = in_review
    other = ApiUser(client, f"{role}@example.com")
    response = other.post(f"/applications/{application_id}/decision", json=APPROVE)
    assert response.status_code == 403
    assert db.session.get(LoanApplication, application_id).status == "in_review"


def test_review_queue_filters_and_refuses_bad_filters(client, in_review):
    fund = ApiUser(client, "fund_manager@example.com")
    assert len(fund.get("/review/applications").get_json()["items"]) == 1
    assert fund.get("/review/applications?status=approved").get_json()["items"] == []
    assert fund.get("/review/applications?category=industry&sort=amount_desc").status_code == 200
    assert fund.get("/review/applications?status=bogus").status_code == 422
    assert fund.get("/review/applications?sort=evil").status_code == 422
    assert fund.get("/review/applications?owner=1").status_code == 422
    assert ApiUser(client, "investor@example.com").get("/review/applications").status_code == 403
    assert ApiUser(client, "sme@example.com").get("/review/applications").status_code == 403


def test_four_eyes_through_the_pages(app, client, in_review):
    """The first approver's terms wait for a second manager, who is told, sees them read-only,
    confirms them with one button, and the timeline names both approvers."""
    _, application_id = in_review
    make_user("fund_manager", "second@example.com", name="Second Manager")
    first, second = app.test_client(), app.test_client()
    login(first, "fund_manager@example.com")
    login(second, "second@example.com")
    form = first.get(f"/fund/applications/{application_id}").get_data(as_text=True)
    assert "a second fund manager must confirm an approval" in form
    first.post(f"/fund/applications/{application_id}", data={**APPROVE, "note": ""})
    assert db.session.get(LoanApplication, application_id, populate_existing=True).status == (
        "awaiting_second_approval"
    )

    mine = first.get(f"/fund/applications/{application_id}").get_data(as_text=True)
    assert "You gave the first approval" in mine and 'name="max_rate_bps"' not in mine
    queue = second.get("/fund/applications").get_data(as_text=True)
    assert "1 approvals wait for a second fund manager." in queue
    assert "approvals wait" not in first.get("/fund/applications").get_data(as_text=True)  # not theirs
    view = second.get(f"/fund/applications/{application_id}").get_data(as_text=True)
    assert "fund_manager approved these terms" in view and "CN¥300,000.00" in view  # 30 % of ¥1,000,000
    assert 'name="max_rate_bps"' not in view and 'value="approve"' in view  # confirm, not edit
    assert (
        second.post(f"/fund/applications/{application_id}", data={"decision": "approve"}).status_code == 302
    )
    assert db.session.get(LoanApplication, application_id, populate_existing=True).status == "approved"
    timeline = second.get(f"/fund/applications/{application_id}").get_data(as_text=True)
    assert "Second Manager" in timeline and "fund_manager" in timeline  # both approvers named


def test_the_decision_sits_beside_the_score(app, client, in_review):
    _, application_id = in_review
    fund = app.test_client()
    login(fund, "fund_manager@example.com")
    page = fund.get(f"/fund/applications/{application_id}").get_data(as_text=True)
    beside = page.index('<div class="col-lg-5">')
    assert page.index("Grade") < beside < page.index("Record decision") < page.index("Financial statements")
