"""The document checklist: documents have a kind, required items block submission, configuration
chooses the required items, and every reader of an application sees the checklist."""

from __future__ import annotations

import io
import sqlite3

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from marketplace.config import ConfigError, from_environment
from marketplace.extensions import db
from marketplace.models import ApplicationDocument, AuditEvent, CreditAssessment, LoanApplication
from marketplace.rules.documents import (
    CHECKLIST_NAMES,
    DEFAULT_REQUIRED,
    DOCUMENT_KINDS,
    UnknownChecklistCode,
    checklist,
    listing,
    missing_items,
    required_codes,
)
from tests.app_helpers import (
    OTHER_USCC,
    PDF,
    ApiUser,
    count,
    draft,
    ready_sme,
    submitted,
    upload,
    upload_required_documents,
    upload_required_documents_web,
)
from tests.helpers import login, make_user

CODES = list(CHECKLIST_NAMES)


def status_of(application_id: int) -> str:
    return db.session.get(LoanApplication, application_id, populate_existing=True).status


def checklist_of(api: ApiUser, application_id: int):
    return api.get(f"/applications/{application_id}/checklist")


@pytest.fixture
def owned(client, users):
    sme = ready_sme(client)
    return sme, draft(sme)


# --- the rule -----------------------------------------------------------------------------------


def test_required_codes_read_the_setting_in_checklist_order():
    assert required_codes("tax_certificate, business_licence ,") == ("business_licence", "tax_certificate")
    assert required_codes(["financial_statements", "financial_statements"]) == ("financial_statements",)
    assert required_codes("") == required_codes([]) == ()
    assert DEFAULT_REQUIRED == ("business_licence", "financial_statements")
    for bad in ("business_licence,passport", "other", ["bank_statements", 3]):
        with pytest.raises(UnknownChecklistCode):
            required_codes(bad)


def test_a_checklist_item_is_satisfied_by_a_document_of_its_kind_only():
    class Doc:
        def __init__(self, kind):
            self.kind = kind

    licence = Doc("business_licence")
    items = checklist(("business_licence", "financial_statements"), [licence, Doc("other"), Doc("unknown")])
    assert [item.code for item in items] == CODES
    assert [(item.required, item.satisfied) for item in items] == [
        (True, True),
        (True, False),
        (False, False),
        (False, False),
    ]
    assert items[0].documents == (licence,)
    assert [item.code for item in missing_items(items)] == ["financial_statements"]


def test_names_are_listed_with_the_readers_list_pattern():
    chinese = {"%(list)s, %(item)s": "%(list)s、%(item)s"}
    assert listing(["营业执照", "最近一期财务报表", "纳税证明"], lambda t: chinese.get(t, t)) == (
        "营业执照、最近一期财务报表、纳税证明"
    )
    assert listing(["A", "B"]) == "A, B" and listing(["A"]) == "A" and listing([]) == ""


# --- configuration --------------------------------------------------------------------------------


def test_configuration_reads_and_validates_the_required_items(tmp_path):
    assert from_environment(str(tmp_path), {})["DOCUMENT_CHECKLIST_REQUIRED"] == DEFAULT_REQUIRED
    environ = {"DOCUMENT_CHECKLIST_REQUIRED": "bank_statements,business_licence"}
    assert from_environment(str(tmp_path), environ)["DOCUMENT_CHECKLIST_REQUIRED"] == (
        "business_licence",
        "bank_statements",
    )
    assert (
        from_environment(str(tmp_path), {"DOCUMENT_CHECKLIST_REQUIRED": ""})["DOCUMENT_CHECKLIST_REQUIRED"]
        == ()
    )
    for bad in ("business_licence,passport", "other"):
        with pytest.raises(ConfigError, match="DOCUMENT_CHECKLIST_REQUIRED"):
            from_environment(str(tmp_path), {"DOCUMENT_CHECKLIST_REQUIRED": bad})


def test_the_app_refuses_to_start_with_an_unknown_required_item(monkeypatch, database_uri):
    from marketplace.app import create_app

    monkeypatch.setenv("DOCUMENT_CHECKLIST_REQUIRED", "business_licence,id_card")
    with pytest.raises(ConfigError, match="id_card"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_uri})


def test_configuration_changes_the_required_set(app, owned):
    sme, application_id = owned
    app.config["DOCUMENT_CHECKLIST_REQUIRED"] = ("bank_statements", "tax_certificate")
    items = checklist_of(sme, application_id).get_json()["items"]
    assert {item["code"]: item["required"] for item in items} == {
        "business_licence": False,
        "financial_statements": False,
        "bank_statements": True,
        "tax_certificate": True,
    }
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["documents"] == ["bank_statements", "tax_certificate"]
    upload_required_documents(sme, application_id, ["bank_statements", "tax_certificate"])
    assert sme.post(f"/applications/{application_id}/submit").status_code == 200

    app.config["DOCUMENT_CHECKLIST_REQUIRED"] = ()  # nothing required: no documents needed
    second = draft(sme, amount="20000.00")
    assert sme.post(f"/applications/{second}/submit").status_code == 200


# --- the checklist endpoint -------------------------------------------------------------------------


def test_the_owner_reads_the_checklist_in_its_language(client, owned):
    sme, application_id = owned
    response = checklist_of(sme, application_id)
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["code"] for item in items] == CODES
    assert items[0] == {
        "code": "business_licence",
        "name": "Business licence",
        "required": True,
        "satisfied": False,
    }
    assert [item["required"] for item in items] == [True, True, False, False]
    upload(sme, application_id, kind="business_licence")
    upload(sme, application_id)  # no kind: "other", satisfies nothing
    satisfied = [item["satisfied"] for item in checklist_of(sme, application_id).get_json()["items"]]
    assert satisfied == [True, False, False, False]

    make_user("sme", "zh@example.com", locale="zh_CN")
    chinese = ready_sme(client, "zh@example.com", uscc=OTHER_USCC)
    names = [item["name"] for item in checklist_of(chinese, draft(chinese)).get_json()["items"]]
    assert names == ["营业执照", "最近一期财务报表", "近六个月银行流水", "纳税证明"]


def test_who_may_read_the_checklist(client, owned):
    sme, application_id = owned
    make_user("sme", "other@example.com")
    other = ApiUser(client, "other@example.com")
    fund = ApiUser(client, "fund_manager@example.com")
    regulator = ApiUser(client, "regulator@example.com")
    investor = ApiUser(client, "investor@example.com")
    assert checklist_of(other, application_id).status_code == 403
    assert checklist_of(sme, 9999).status_code == 404
    assert checklist_of(investor, application_id).status_code == 403
    assert checklist_of(fund, application_id).status_code == 403  # a draft never submitted
    assert checklist_of(regulator, application_id).status_code == 200
    upload_required_documents(sme, application_id)
    assert sme.post(f"/applications/{application_id}/submit").status_code == 200
    items = checklist_of(fund, application_id).get_json()["items"]
    assert [item["satisfied"] for item in items] == [True, True, False, False]
    assert checklist_of(regulator, application_id).get_json()["items"] == items
    assert checklist_of(fund, 9999).status_code == 404
    assert client.get(f"/api/v1/applications/{application_id}/checklist").status_code == 401


# --- uploads with a kind -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_upload_with_each_kind(owned, kind):
    sme, application_id = owned
    response = upload(sme, application_id, name="scan.pdf", kind=kind)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == kind and body["filename"] == "scan.pdf" and body["size"] == len(PDF)
    assert body["content_type"] == "application/pdf" and len(body["sha256"]) == 64
    assert db.session.get(ApplicationDocument, body["id"]).kind == kind
    documents = sme.get(f"/applications/{application_id}").get_json()["documents"]
    assert [document["kind"] for document in documents] == [kind]


def test_an_upload_without_a_kind_is_other_and_satisfies_nothing(owned):
    sme, application_id = owned
    body = upload(sme, application_id).get_json()
    assert body["kind"] == "other"
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.get_json()["error"]["fields"]["documents"] == ["business_licence", "financial_statements"]


def test_an_unknown_kind_is_refused_naming_the_field(owned):
    sme, application_id = owned
    for kind in ("passport", "", "Business_Licence", "business_licence\u202e"):
        response = upload(sme, application_id, kind=kind)
        assert response.status_code == 422, kind
        error = response.get_json()["error"]
        assert list(error["fields"]) == ["kind"] and "business_licence" in error["fields"]["kind"][0]
    assert count(ApplicationDocument) == 0


def test_a_kind_of_the_wrong_type_is_refused(owned):
    sme, application_id = owned
    as_file = {"kind": FileStorage(io.BytesIO(b"business_licence"), filename="kind.txt")}
    twice = [("kind", "business_licence"), ("kind", "financial_statements")]
    for extra in (as_file, twice):
        fields = [*(extra.items() if isinstance(extra, dict) else extra)]
        fields.append(("file", FileStorage(io.BytesIO(PDF), filename="a.pdf")))
        boundary, body = encode_multipart(MultiDict(fields))
        response = sme.post(
            f"/applications/{application_id}/documents",
            data=body,
            content_type=f'multipart/form-data; boundary="{boundary}"',
        )
        assert response.status_code == 422
        assert "kind" in response.get_json()["error"]["fields"]
    assert count(ApplicationDocument) == 0


# --- submission -------------------------------------------------------------------------------------


def test_submit_is_refused_until_every_required_document_is_uploaded(owned):
    sme, application_id = owned
    events = count(AuditEvent)
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"] == {"documents": ["business_licence", "financial_statements"]}
    assert "Business licence, Latest financial statements" in error["message"]
    upload(sme, application_id, kind="business_licence")
    upload(sme, application_id, kind="bank_statements")
    events = count(AuditEvent)
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.get_json()["error"]["fields"] == {"documents": ["financial_statements"]}
    assert status_of(application_id) == "draft" and count(CreditAssessment) == 0
    assert count(AuditEvent) == events  # the refusal changed nothing
    upload(sme, application_id, kind="financial_statements")
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.status_code == 200 and response.get_json()["status"] == "in_review"


def test_a_missing_profile_and_missing_documents_are_named_together(client, users):
    sme = ApiUser(client, "sme@example.com")
    application_id = draft(sme)
    error = sme.post(f"/applications/{application_id}/submit").get_json()["error"]
    assert error["fields"]["documents"] == ["business_licence", "financial_statements"]
    assert "enterprise profile" in error["fields"]["application"][0]
    assert "enterprise profile" in error["message"] and "Business licence" in error["message"]


def test_removing_a_required_document_blocks_the_submission_again(owned):
    sme, application_id = owned
    licence, _ = upload_required_documents(sme, application_id)
    assert sme.delete(f"/applications/{application_id}/documents/{licence}").status_code == 200
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.get_json()["error"]["fields"]["documents"] == ["business_licence"]


def test_resubmitting_after_an_information_request_checks_the_checklist_again(client, owned):
    sme, application_id = owned
    licence, _ = upload_required_documents(sme, application_id)
    assert sme.post(f"/applications/{application_id}/submit").status_code == 200
    fund = ApiUser(client, "fund_manager@example.com")
    body = {"decision": "request_info", "note": "A clearer licence scan, please."}
    assert fund.post(f"/applications/{application_id}/decision", json=body).status_code == 200
    assert sme.delete(f"/applications/{application_id}/documents/{licence}").status_code == 200
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.status_code == 422 and status_of(application_id) == "info_requested"
    upload(sme, application_id, kind="business_licence")
    assert sme.post(f"/applications/{application_id}/submit").status_code == 200


# --- pages ---------------------------------------------------------------------------------------------


def test_the_smes_page_shows_the_checklist_and_refuses_submission_in_chinese(app, client):
    make_user("sme", "zh@example.com", locale="zh_CN")
    application_id = draft(ready_sme(client, "zh@example.com"))
    login(client, "zh@example.com")
    page = client.get(f"/sme/applications/{application_id}").get_data(as_text=True)
    assert "申请材料清单" in page and "营业执照" in page and "近六个月银行流水" in page
    assert page.count('badge text-bg-warning">必需<') == 2 and page.count('missing">未上传<') == 4
    assert "提交前，请先上传必需的文件：营业执照、最近一期财务报表。" in page
    assert 'aria-describedby="missing-documents"' in page
    assert '<option selected value="business_licence">' in page  # the upload form offers what is missing

    response = client.post(f"/sme/applications/{application_id}/submit", follow_redirects=True)
    flashed = response.get_data(as_text=True)
    assert "上传必需的文件（营业执照、最近一期财务报表）" in flashed
    assert status_of(application_id) == "draft" and count(CreditAssessment) == 0

    upload_required_documents_web(client, application_id, ["business_licence"])
    page = client.get(f"/sme/applications/{application_id}").get_data(as_text=True)
    assert "business_licence.pdf" in page and "✓" in page and page.count('missing">未上传<') == 3
    assert "提交前，请先上传必需的文件：最近一期财务报表。" in page
    response = client.post(f"/sme/applications/{application_id}/submit", follow_redirects=True)
    assert "上传必需的文件（最近一期财务报表）" in response.get_data(as_text=True)

    upload_required_documents_web(client, application_id, ["financial_statements"])
    response = client.post(f"/sme/applications/{application_id}/submit", follow_redirects=True)
    assert "借款申请已提交审核。" in response.get_data(as_text=True)
    assert status_of(application_id) == "in_review"
    page = client.get(f"/sme/applications/{application_id}").get_data(as_text=True)
    assert "missing-documents" not in page


def test_an_unknown_kind_through_the_page_is_flashed_and_stores_nothing(sme_client, client):
    application_id = draft(ready_sme(client))
    response = sme_client.post(
        f"/sme/applications/{application_id}/documents",
        data={"kind": "passport", "file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Unknown kind of document" in response.get_data(as_text=True)
    assert count(ApplicationDocument) == 0


def test_fund_managers_and_regulators_see_the_checklist(client, users, fund_client, regulator_client):
    sme = ready_sme(client)
    application_id = submitted(sme)
    for reader, prefix in ((fund_client, "/fund"), (regulator_client, "/regulator")):
        page = reader.get(f"{prefix}/applications/{application_id}").get_data(as_text=True)
        assert "Document checklist" in page and "Business licence" in page
        assert "business_licence.pdf" in page and "financial_statements.pdf" in page
        assert page.count('missing">Not uploaded<') == 2 and page.count('warning">Required<') == 2
        assert "missing-documents" not in page  # the submit hint is the SME's


# --- existing documents and the demo -------------------------------------------------------------------


def test_documents_from_before_the_checklist_become_other(tmp_path):
    from flask_migrate import upgrade

    from marketplace.app import create_app
    from tests.conftest import base_config

    path = tmp_path / "old.sqlite3"
    app = create_app({**base_config(f"sqlite:///{path}"), "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    with app.app_context():
        upgrade(revision="0007")
        with sqlite3.connect(path) as connection:
            connection.executescript(
                "INSERT INTO users (id, email, name, role, password_hash, locale, is_active_account, "
                "created_at, password_changed_at, session_generation) "
                "VALUES (1, 'old@example.com', 'old', 'sme', 'x', 'en', 1, '2025-01-01', '2025-01-01', 0);"
                "INSERT INTO loan_applications (id, applicant_id, status, amount_fen, term_months, "
                "repayment_method, purpose, category, created_at, updated_at) VALUES (1, 1, 'draft', "
                "1000000, 12, 'equal_installment', 'An application from before the checklist.', 'none', "
                "'2025-01-01', '2025-01-01');"
                "INSERT INTO application_documents (id, application_id, uploaded_by_id, original_name, "
                "stored_name, content_type, size_bytes, sha256, created_at) "
                "VALUES (1, 1, 1, 'old.pdf', 'abc.pdf', 'application/pdf', 10, 'x', '2025-01-01');"
            )
        upgrade(revision="0008")
        kinds = db.session.scalars(sa.text("SELECT kind FROM application_documents")).all()
        db.session.remove()
        db.engine.dispose()
    assert kinds == ["other"]


def test_the_demo_application_carries_a_valid_pdf_for_every_item(runner):
    from marketplace.cli.demo import DEMO_DOCUMENTS, demo_pdf
    from marketplace.services.documents import detected_type

    assert set(DEMO_DOCUMENTS) == set(CHECKLIST_NAMES)
    assert all(detected_type(demo_pdf(line)) == "application/pdf" for _, line in DEMO_DOCUMENTS.values())
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    application = db.session.scalars(sa.select(LoanApplication)).one()
    assert application.status == "in_review"
    assert sorted(document.kind for document in application.documents) == sorted(CHECKLIST_NAMES)
