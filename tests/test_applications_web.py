"""The SME, fund manager and regulator pages for enterprises, statements and applications."""

from marketplace.extensions import db
from marketplace.models import Enterprise, FinancialStatement, LoanApplication
from tests.app_helpers import (
    LAST_YEAR,
    OTHER_USCC,
    ApiUser,
    count,
    enterprise_payload,
    ready_sme,
    statement_payload,
    submitted,
    upload_required_documents_web,
)
from tests.helpers import login, make_user


def profile_form(**overrides) -> dict:
    data = enterprise_payload()
    return {**data, **overrides}


def test_sme_saves_profile_through_the_form(sme_client):
    response = sme_client.post("/sme/enterprise", data=profile_form())
    assert response.status_code == 302
    page = sme_client.get("/sme/enterprise").get_data(as_text=True)
    assert "91350100M000100Y43" in page and 'value="5,000,000.00"' in page  # grouped, read back alike
    assert "C Manufacturing" in page and "制造业" not in page  # the reader's language only
    assert (
        sme_client.post("/sme/enterprise", data=profile_form(registered_capital="5,000,000.00")).status_code
        == 302
    )


def test_profile_form_shows_uscc_errors_inline_and_saves_nothing(sme_client):
    response = sme_client.post("/sme/enterprise", data=profile_form(uscc="91350100M000100Y44"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page and "check character" in page
    response = sme_client.post("/sme/enterprise", data=profile_form(registered_capital="abc", employees="x"))
    assert response.status_code == 422
    assert count(Enterprise) == 0


def test_statement_form_refuses_an_unbalanced_statement(sme_client):
    sme_client.post("/sme/enterprise", data=profile_form())
    data = statement_payload(total_assets="5000002.00")
    response = sme_client.post("/sme/statements/new", data=data)
    assert response.status_code == 422
    assert "Total assets must equal total liabilities plus equity" in response.get_data(as_text=True)
    assert count(FinancialStatement) == 0
    assert sme_client.post("/sme/statements/new", data=statement_payload()).status_code == 302
    page = sme_client.get("/sme/statements").get_data(as_text=True)
    assert str(LAST_YEAR) in page and "Debt ratio" in page and "40.00%" in page and "1.67×" in page


def test_sme_applies_submits_and_follows_the_timeline(sme_client):
    sme_client.post("/sme/enterprise", data=profile_form())
    sme_client.post("/sme/statements/new", data=statement_payload())
    response = sme_client.post(
        "/sme/applications/new",
        data={
            "amount": "50000",
            "term_months": "6",
            "repayment_method": "equal_principal",
            "purpose": "Buy a second CNC machine for the workshop.",
            "category": "industry",
        },
    )
    assert response.status_code == 302
    application_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    upload_required_documents_web(sme_client, application_id)
    response = sme_client.post(f"/sme/applications/{application_id}/submit", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Application submitted for review." in page and "In review" in page
    assert "Entered review" in page and "Main reasons lowering the score" in page
    assert "Model v0001" in page
    assert "Feature values the model saw" not in page  # the inputs table is for reviewers
    assert "Documents can be added or removed while the application is a draft" in page  # why no upload
    response = sme_client.post(f"/sme/applications/{application_id}/submit", follow_redirects=True)
    assert "already been submitted" in response.get_data(as_text=True)

    # Withdrawing cannot be undone: the button leads to a confirmation page, which works without
    # JavaScript; a POST without the confirmation withdraws nothing.
    detail = sme_client.get(f"/sme/applications/{application_id}").get_data(as_text=True)
    assert f'href="/sme/applications/{application_id}/withdraw"' in detail
    unconfirmed = sme_client.post(f"/sme/applications/{application_id}/withdraw")
    assert unconfirmed.status_code == 302 and unconfirmed.headers["Location"].endswith("/withdraw")
    assert db.session.get(LoanApplication, application_id, populate_existing=True).status == "in_review"
    confirm = sme_client.get(f"/sme/applications/{application_id}/withdraw").get_data(as_text=True)
    assert "Withdraw application #" in confirm and 'name="confirmed" value="yes"' in confirm
    response = sme_client.post(
        f"/sme/applications/{application_id}/withdraw", data={"confirmed": "yes"}, follow_redirects=True
    )
    assert "Application withdrawn." in response.get_data(as_text=True)
    assert db.session.get(LoanApplication, application_id, populate_existing=True).status == "withdrawn"


def test_application_form_errors_inline(sme_client):
    response = sme_client.post(
        "/sme/applications/new",
        data={
            "amount": "15500",
            "term_months": "40",
            "repayment_method": "equal_principal",
            "purpose": "short",
            "category": "industry",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "multiples of ¥1,000" in page and "3 to 36 months" in page and "20 to 2,000" in page
    assert count(LoanApplication) == 0


def test_sme_cannot_open_another_smes_application_or_statement_edit(app, client, users):
    make_user("sme", "other@example.com")
    other = ready_sme(client, "other@example.com", uscc=OTHER_USCC)
    application_id = submitted(other)
    login(client, "sme@example.com")
    assert client.get(f"/sme/applications/{application_id}").status_code == 403
    assert client.get(f"/sme/applications/{application_id}/edit").status_code == 403
    assert client.post(f"/sme/applications/{application_id}/withdraw").status_code == 403
    assert client.get("/sme/applications/999").status_code == 404
    assert client.get(f"/sme/statements/{LAST_YEAR}/edit").status_code == 409  # no profile of its own
    assert "Sanhaojie Smart Logistics" not in client.get("/sme/statements").get_data(as_text=True)


def test_fund_manager_queue_decision_and_regulator_read_only(client, users, fund_client, regulator_client):
    sme = ready_sme(client)
    application_id = submitted(sme)
    page = fund_client.get("/fund/applications").get_data(as_text=True)
    assert "Sanhaojie Smart Logistics" in page and "not scored" not in page
    grade = db.session.get(LoanApplication, application_id).assessment.grade
    assert f"<td>{grade}</td>" in page
    detail = fund_client.get(f"/fund/applications/{application_id}").get_data(as_text=True)
    assert "Feature values the model saw" in detail and "Attr2" in detail
    suggested = db.session.get(LoanApplication, application_id).assessment.max_rate_bps
    assert f'name="max_rate_bps" type="number" value="{suggested}"' in detail
    response = fund_client.post(f"/fund/applications/{application_id}", data={"decision": "reject"})
    assert response.status_code == 422 and "reason for the rejection" in response.get_data(as_text=True)
    response = fund_client.post(
        f"/fund/applications/{application_id}",
        data={"decision": "request_info", "note": "Please upload the 2025 audit report."},
    )
    assert response.status_code == 302
    detail = sme.get(f"/applications/{application_id}").get_json()
    assert detail["status"] == "info_requested"
    assert detail["decision"]["note"] == "Please upload the 2025 audit report."
    page = regulator_client.get(f"/regulator/applications/{application_id}").get_data(as_text=True)
    assert "Information requested" in page and "Decision" not in page.split("Timeline")[-1]
    assert regulator_client.post(f"/regulator/applications/{application_id}").status_code == 405
    assert "Sanhaojie" in regulator_client.get("/regulator/applications").get_data(as_text=True)


def test_other_roles_cannot_reach_the_pages(investor_client, fund_client, sme_client):
    assert investor_client.get("/fund/applications").status_code == 403
    assert investor_client.get("/sme/applications").status_code == 403
    assert investor_client.get("/regulator/applications").status_code == 403
    assert sme_client.get("/fund/applications").status_code == 403
    assert fund_client.get("/sme/enterprise").status_code == 403


def test_pages_render_in_chinese(client, users):
    make_user("sme", "zh@example.com", locale="zh_CN")
    login(client, "zh@example.com")
    page = client.get("/sme/enterprise").get_data(as_text=True)
    assert "统一社会信用代码" in page
    api = ApiUser(client, "zh@example.com")
    assert api.put("/enterprise", json=enterprise_payload()).status_code == 200
