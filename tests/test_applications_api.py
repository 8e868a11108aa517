"""The JSON API (/api/v1) for enterprises, statements, applications and decisions."""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Enterprise, FinancialStatement, Listing, LoanApplication
from tests.app_helpers import (
    LAST_YEAR,
    OTHER_USCC,
    ApiUser,
    application_payload,
    count,
    draft,
    enterprise_payload,
    ready_sme,
    statement_payload,
    submitted,
    upload_required_documents,
)
from tests.market_helpers import fund_pool


def test_full_lifecycle_through_the_api(client, users):
    sme = ApiUser(client, "sme@example.com")
    response = sme.put("/enterprise", json=enterprise_payload())
    assert response.status_code == 200
    body = response.get_json()
    assert body["uscc"] == "91350100M000100Y43" and body["registered_capital"] == "5000000.00"
    assert sme.get("/enterprise").get_json()["name"] == body["name"]

    response = sme.post("/enterprise/statements", json=statement_payload())
    assert response.status_code == 201
    statement = response.get_json()
    assert statement["year"] == LAST_YEAR and statement["net_profit"] == "640000.00"
    assert statement["ratios"]["debt_ratio"] == "0.4000"
    assert statement["ratios"]["current_ratio"] == "1.6667"

    response = sme.post("/applications", json=application_payload())
    assert response.status_code == 201
    created = response.get_json()
    assert created["status"] == "draft" and created["amount"] == "300000.00"
    upload_required_documents(sme, created["id"])

    response = sme.post(f"/applications/{created['id']}/submit")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == created["id"] and body["status"] == "in_review"
    assessment = body["assessment"]
    assert assessment["grade"] in "ABCDE" and assessment["model_version"] == "v0001"
    assert 0 < assessment["pd"] < 1 and 300 < assessment["score"] < 900
    assert assessment["max_rate_bps"] in (800, 1000, 1200, 1500, 1800)
    assert 1 <= len(assessment["reasons"]) <= 3
    assert all(r["code"].startswith("R_") and r["text"] for r in assessment["reasons"])

    fund_pool(1_000_000_00)  # the fund's capital, deposited by the admin through the gateway
    fund = ApiUser(client, "fund_manager@example.com")
    queue = fund.get("/review/applications?status=in_review").get_json()["items"]
    assert [item["id"] for item in queue] == [created["id"]]
    assert queue[0]["enterprise"]["name"] == "Sanhaojie Smart Logistics Co., Ltd."

    response = fund.post(
        f"/applications/{created['id']}/decision",
        json={
            "decision": "approve",
            "max_rate_bps": 1200,
            "listing_days": 7,
            "fund_share_bps": 2000,
            "note": "Good cover.",
        },
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "approved"
    listing = db.session.scalar(sa.select(Listing).where(Listing.application_id == created["id"]))
    assert response.get_json()["listing_id"] == listing.id and listing.status == "open"

    detail = sme.get(f"/applications/{created['id']}").get_json()
    assert detail["decision"]["max_rate_bps"] == 1200
    events = [entry["event"] for entry in detail["history"]]
    assert events == ["create", "document_added", "document_added", "submit", "start_review", "approve"]
    assert detail["history"][4]["to"] == "in_review"
    regulator = ApiUser(client, "regulator@example.com")
    assert regulator.get(f"/applications/{created['id']}").status_code == 200


def test_unknown_fields_are_refused_and_nothing_saved(client, users):
    sme = ApiUser(client, "sme@example.com")
    response = sme.put("/enterprise", json={**enterprise_payload(), "owner_id": 99})
    assert response.status_code == 422
    assert "owner_id" in response.get_json()["error"]["fields"]
    assert count(Enterprise) == 0
    ready = ready_sme(client)
    response = ready.post("/applications", json={**application_payload(), "status": "approved"})
    assert response.status_code == 422 and count(LoanApplication) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "9999.00"),
        ("amount", "1000001.00"),
        ("amount", "15500.00"),
        ("amount", 50000.5),
        ("amount", ""),
        ("amount", "12.345"),
        ("term_months", 2),
        ("term_months", 37),
        ("term_months", "12"),
        ("repayment_method", "balloon"),
        ("purpose", "too short"),
        ("purpose", "x" * 2001),
        ("category", "military"),
        ("purpose", None),
    ],
)
def test_bad_application_input_is_refused(client, users, field, value):
    sme = ready_sme(client)
    response = sme.post("/applications", json=application_payload(**{field: value}))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert count(LoanApplication) == 0


def test_uscc_errors_say_which_rule_failed(client, users):
    sme = ApiUser(client, "sme@example.com")
    cases = {
        "91350100M000100Y4": "exactly 18 characters",
        "91350100m000100Y43": "lower-case",
        "91350100M000100I43": "Only digits",
        "Z1350100M000100Y43": "Only digits",
        "B1350100M000100Y43": "registration authority",
        "97350100M000100Y43": "entity type",
        "913501A0M000100Y43": "administrative division",
        "91350100M000100Y44": "check character",
    }
    for code, words in cases.items():
        response = sme.put("/enterprise", json=enterprise_payload(uscc=code))
        assert response.status_code == 422, code
        assert words in response.get_json()["error"]["fields"]["uscc"][0], code
    assert count(Enterprise) == 0


def test_a_code_registered_by_another_account_is_refused_without_detail(client, users):
    from tests.helpers import make_user

    make_user("sme", "other@example.com", name="Other Owner")
    ready_sme(client, "other@example.com", uscc=OTHER_USCC)
    sme = ApiUser(client, "sme@example.com")
    response = sme.put("/enterprise", json=enterprise_payload(uscc=OTHER_USCC))
    assert response.status_code == 409
    text = str(response.get_json())
    assert "already registered" in text and "other@example.com" not in text and "Other Owner" not in text
    assert count(Enterprise) == 1


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("founded_on", "2999-01-01", "future"),
        ("contact_phone", "12345678901", "mobile"),
        ("tax_credit_rating", "AA", "A, B, M, C and D"),
        ("industry", "Z", "A to T"),
        ("employees", -1, "between 0"),
        ("registered_capital", "-5.00", "negative"),
        ("name", "", "required"),
        ("name", "x" * 201, "too long"),
    ],
)
def test_bad_profile_input_is_refused(client, users, field, value, words):
    sme = ApiUser(client, "sme@example.com")
    response = sme.put("/enterprise", json=enterprise_payload(**{field: value}))
    assert response.status_code == 422
    assert words in str(response.get_json()["error"]["fields"][field])
    assert count(Enterprise) == 0


def test_statement_year_twice_is_a_conflict_and_put_replaces(client, users):
    sme = ready_sme(client)
    assert sme.post("/enterprise/statements", json=statement_payload()).status_code == 409
    response = sme.put(
        f"/enterprise/statements/{LAST_YEAR}",
        json={k: v for k, v in statement_payload(net_profit="1.00").items() if k != "year"},
    )
    assert response.status_code == 200 and response.get_json()["net_profit"] == "1.00"
    assert count(FinancialStatement) == 1
    assert sme.post("/enterprise/statements", json=statement_payload(year=LAST_YEAR - 3)).status_code == 422


def test_statement_before_profile_is_refused(client, users):
    sme = ApiUser(client, "sme@example.com")
    assert sme.post("/enterprise/statements", json=statement_payload()).status_code == 409
    assert count(FinancialStatement) == 0


def test_submit_explains_what_is_missing(client, users):
    sme = ApiUser(client, "sme@example.com")
    application_id = draft(sme)
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.status_code == 422
    assert "enterprise profile" in response.get_json()["error"]["message"]
    sme.put("/enterprise", json=enterprise_payload())
    response = sme.post(f"/applications/{application_id}/submit")
    assert "financial statement" in response.get_json()["error"]["message"]
    assert sme.get(f"/applications/{application_id}").get_json()["status"] == "draft"


def test_double_submit_is_refused(client, users):
    sme = ready_sme(client)
    application_id = submitted(sme)
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.status_code == 409


def test_regulatory_cap_counts_open_applications(client, users):
    sme = ready_sme(client)
    submitted(sme, amount="600000.00")
    response = sme.post("/applications", json=application_payload(amount="500000.00"))
    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert "1000000.00" in message and "600000.00" in message and "1100000.00" in message
    second = draft(sme, amount="400000.00")
    upload_required_documents(sme, second)
    assert sme.post(f"/applications/{second}/submit").status_code == 200
