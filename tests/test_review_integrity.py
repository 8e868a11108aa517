"""What was scored and approved stays what it was; odd input gets a clean answer."""

import pytest

from marketplace.extensions import db
from marketplace.models import ApplicationDocument, Enterprise, LoanApplication
from marketplace.money import MoneyError, parse_yuan
from tests.app_helpers import (
    OTHER_USCC,
    ApiUser,
    draft,
    enterprise_payload,
    ready_sme,
    statement_payload,
    submitted,
)
from tests.helpers import login, make_user
from tests.market_helpers import fund_pool

APPROVE = {"decision": "approve", "max_rate_bps": 1500, "listing_days": 10, "fund_share_bps": 3000}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_code_cannot_move_after_a_submission_so_the_cap_holds(client, users):
    sme = ready_sme(client)
    application_id = submitted(sme, amount="1000000.00")
    sme.post(f"/applications/{application_id}/withdraw")
    response = sme.put("/enterprise", json=enterprise_payload(uscc=OTHER_USCC))
    assert response.status_code == 422
    assert "uscc" in response.get_json()["error"]["fields"]
    assert db.session.scalar(db.select(Enterprise.uscc)) != OTHER_USCC


def test_profile_and_statements_are_frozen_while_under_review(client, users):
    sme = ready_sme(client)
    submitted(sme)
    renamed = sme.put("/enterprise", json=enterprise_payload(name="Another Name Co., Ltd."))
    assert renamed.status_code == 409
    replaced = sme.put(
        f"/enterprise/statements/{statement_payload()['year']}",
        json={k: v for k, v in statement_payload(net_profit="1.00").items() if k != "year"},
    )
    assert replaced.status_code == 409
    assert "being reviewed" in replaced.get_json()["error"]["message"]
    assert db.session.scalar(db.select(Enterprise.name)) == "Sanhaojie Smart Logistics Co., Ltd."


def test_second_manager_confirms_the_shown_terms_on_the_page(app, client, users):
    sme = ready_sme(client)
    fund_pool(300_000_00)  # the fund's 30 % of ¥1,000,000
    application_id = submitted(sme, amount="1000000.00")
    first = ApiUser(client, "fund_manager@example.com")
    assert (
        first.post(
            f"/applications/{application_id}/decision", json={**APPROVE, "max_rate_bps": 500}
        ).get_json()["status"]
        == "awaiting_second_approval"
    )
    make_user("fund_manager", "second@example.com")
    second = app.test_client()
    login(second, "second@example.com")
    page = second.get(f"/fund/applications/{application_id}").get_data(as_text=True)
    assert "5.00%" in page and 'name="max_rate_bps"' not in page  # the agreed terms, read-only
    assert "Terms awaiting second approval" in page
    response = second.post(
        f"/fund/applications/{application_id}",
        data={"decision": "approve", "max_rate_bps": "500", "listing_days": "10", "fund_share_bps": "3000"},
    )
    assert response.status_code == 302
    assert db.session.get(LoanApplication, application_id).status == "approved"


def test_replayed_first_approval_is_a_conflict_not_a_permission_error(client, users):
    fund_pool(300_000_00)
    application_id = submitted(ready_sme(client), amount="1000000.00")
    first = ApiUser(client, "fund_manager@example.com")
    first.post(f"/applications/{application_id}/decision", json=APPROVE)
    again = first.post(f"/applications/{application_id}/decision", json=APPROVE)
    assert again.status_code == 409


@pytest.mark.parametrize("path", ["/applications/99999999999999999999", "/applications/2147483648"])
def test_huge_ids_are_not_found(client, users, path):
    sme = ApiUser(client, "sme@example.com")
    assert sme.get(path).status_code == 404


def test_huge_ids_and_pages_on_pages(sme_client, regulator_client):
    assert sme_client.get("/sme/applications/99999999999999999999").status_code == 404
    assert regulator_client.get("/regulator/audit?page=99999999999999999999").status_code == 200


def test_api_timestamps_carry_an_offset(client, users):
    sme = ready_sme(client)
    created = sme.get(f"/applications/{draft(sme)}").get_json()
    assert created["created_at"].endswith("+00:00")
    assert sme.get("/enterprise").get_json()["created_at"].endswith("+00:00")


def test_cap_refusal_names_the_amount_field(client, users):
    sme = ready_sme(client)
    submitted(sme, amount="800000.00")
    response = sme.post(
        "/applications",
        json={
            "amount": "300000.00",
            "term_months": 12,
            "repayment_method": "equal_installment",
            "purpose": "Working capital for the new cold-chain route.",
            "category": "industry",
        },
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "amount" in error["fields"] and "¥800000.00" in error["message"]


def test_terms_on_a_rejection_name_their_fields(client, users):
    application_id = submitted(ready_sme(client))
    fund = ApiUser(client, "fund_manager@example.com")
    response = fund.post(
        f"/applications/{application_id}/decision",
        json={"decision": "reject", "note": "Too risky.", "max_rate_bps": 900},
    )
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["max_rate_bps"]


@pytest.mark.parametrize(("text", "fen"), [("1,250,000.50", 125_000_050), ("999,999", 99_999_900)])
def test_thousands_separators_are_read(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["1,50", "12,5", "3,0,0,000", ",100", "1,0000"])
def test_other_commas_are_refused(text):
    with pytest.raises(MoneyError, match="commas"):
        parse_yuan(text)


def test_chinese_user_reads_money_errors_and_status_names_in_chinese(app, client):
    make_user("sme", "zh@example.com", locale="zh_CN")
    sme = ready_sme(client, email="zh@example.com")
    application_id = submitted(sme)
    sme.post(f"/applications/{application_id}/withdraw")
    response = sme.post(f"/applications/{application_id}/withdraw")
    assert response.status_code == 409
    assert "已撤回" in response.get_json()["error"]["message"]
    bad = sme.post(
        "/applications",
        json={
            "amount": "1.001",
            "term_months": 12,
            "repayment_method": "equal_installment",
            "purpose": "Working capital for the new cold-chain route.",
            "category": "industry",
        },
    )
    assert bad.get_json()["error"]["fields"]["amount"] == ["金额最多保留两位小数"]


def test_english_api_user_gets_english_errors_whatever_the_default(app, client, users):
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_CN"
    sme = ready_sme(client)
    response = sme.post("/applications", json={"amount": "0.5"})
    assert response.status_code == 422
    assert "Missing data for required field." in str(response.get_json()["error"]["fields"])


def test_document_whose_file_is_gone_can_still_be_removed(app, client, users):
    sme = ready_sme(client)
    application_id = draft(sme)
    uploaded = client.post(
        f"/api/v1/applications/{application_id}/documents",
        headers=sme.headers,
        data={"file": (__import__("io").BytesIO(PDF), "plan.pdf")},
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    document = db.session.scalar(db.select(ApplicationDocument))
    (__import__("pathlib").Path(app.config["UPLOAD_FOLDER"]) / document.stored_name).unlink()
    response = sme.delete(f"/applications/{application_id}/documents/{document.id}")
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(ApplicationDocument)) == 0


def test_founding_date_before_1900_is_refused(client, users):
    sme = ApiUser(client, "sme@example.com")
    response = sme.put("/enterprise", json=enterprise_payload(founded_on="0001-01-01"))
    assert response.status_code == 422
    assert "1900" in response.get_json()["error"]["fields"]["founded_on"][0]
