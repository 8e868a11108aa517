"""Scoring at submission: stored with its inputs, explained, governed; the report card."""

import shutil

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, CreditAssessment, CreditModelVersion, LoanApplication
from marketplace.services import credit_models, unit_of_work
from scoring import ModelRegistry
from tests.app_helpers import (
    LAST_YEAR,
    count,
    draft,
    ready_sme,
    statement_payload,
    submitted,
    upload_required_documents,
)
from tests.helpers import login, make_user
from tests.scoring.conftest import train_small


def test_submission_stores_the_assessment_with_its_inputs(client, users):
    sme = ready_sme(client)
    sme.post("/enterprise/statements", json=statement_payload(year=LAST_YEAR - 1))
    application_id = submitted(sme)
    stored = db.session.scalars(sa.select(CreditAssessment)).all()
    assert len(stored) == 1
    assessment = stored[0]
    assert assessment.application_id == application_id and assessment.model_version == "v0001"
    assert assessment.statement_years == [LAST_YEAR, LAST_YEAR - 1]
    assert assessment.features["Attr2"] == pytest.approx(0.4)  # debt ratio of statement_payload
    assert assessment.features["Attr21"] == pytest.approx(1.0)  # revenue growth over the prior year
    assert len(assessment.artifact_sha256) == 64
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "application.start_review"))
    assert event.payload["assessment_id"] == assessment.id and event.payload["grade"] == assessment.grade


def test_each_resubmission_is_scored_again(client, users):
    sme = ready_sme(client)
    application_id = submitted(sme)
    fund = client  # the fund manager asks for more information, the SME submits again
    from tests.app_helpers import ApiUser

    reviewer = ApiUser(fund, "fund_manager@example.com")
    assert (
        reviewer.post(
            f"/applications/{application_id}/decision",
            json={"decision": "request_info", "note": "Please add the 2024 statement."},
        ).status_code
        == 200
    )
    assert sme.post(f"/applications/{application_id}/submit").status_code == 200
    assert count(CreditAssessment) == 2
    assert db.session.get(LoanApplication, application_id).assessment.id == 2


def test_grade_stays_explained_after_a_newer_model_is_promoted(
    app, client, users, tmp_path, model_registry_dir
):
    root = tmp_path / "registry"
    shutil.copytree(model_registry_dir, root)
    app.config["MODEL_REGISTRY_DIR"] = str(root)
    sme = ready_sme(client)
    application_id = submitted(sme)
    first = db.session.get(LoanApplication, application_id).assessment
    registry = ModelRegistry(root)
    newer = registry.save(train_small(seed=1), trained_by="pytest")
    unit_of_work.run(db.session, lambda: credit_models.promote(db.session, registry, newer, actor=None))
    assert credit_models.active_model(db.session, registry).version == newer
    regulator = app.test_client()
    login(regulator, "regulator@example.com")
    page = regulator.get(f"/regulator/applications/{application_id}").get_data(as_text=True)
    assert "Model v0001" in page and f"{first.score}" in page
    assert db.session.get(LoanApplication, application_id).assessment.model_version == "v0001"


def test_without_an_active_model_submission_is_refused_and_nothing_changes(app, client, users, tmp_path):
    app.config["MODEL_REGISTRY_DIR"] = str(tmp_path / "no-models")
    sme = ready_sme(client)
    application_id = draft(sme)
    upload_required_documents(sme, application_id)
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "model_unavailable"
    assert "Nothing was changed" in response.get_json()["error"]["message"]
    assert db.session.get(LoanApplication, application_id).status == "draft"
    assert count(CreditAssessment) == 0


def test_assessments_cannot_be_rewritten(client, users):
    submitted(ready_sme(client))
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("UPDATE credit_assessments SET grade = 'A'"))
        db.session.flush()
    db.session.rollback()


def test_reasons_are_shown_in_chinese(app, client, users):
    make_user("sme", "zh-sme@example.com", locale="zh_CN")
    sme = ready_sme(client, email="zh-sme@example.com", uscc="91110108551385082Q")
    application_id = submitted(sme)
    assessment = db.session.get(LoanApplication, application_id).assessment
    web = app.test_client()
    login(web, "zh-sme@example.com")
    page = web.get(f"/sme/applications/{application_id}").get_data(as_text=True)
    assert "信用评估" in page
    assert assessment.reasons[0]["text_zh"] in page
    assert assessment.reasons[0]["code"] not in page  # codes are for reviewers, not for the SME
    fund = app.test_client()
    login(fund, "fund_manager@example.com")
    review = fund.get(f"/fund/applications/{application_id}").get_data(as_text=True)
    assert assessment.reasons[0]["code"] in review
    assert "Current ratio" in review and review.index(">Attr2<") < review.index(">Attr10<")  # in model order
    api_reasons = sme.get(f"/applications/{application_id}").get_json()["assessment"]["reasons"]
    assert api_reasons[0]["text"] == assessment.reasons[0]["text_zh"]


@pytest.mark.parametrize("path", ["/fund/model", "/regulator/model"])
def test_report_card_for_reviewers(app, client, users, path):
    submitted(ready_sme(client))
    role = "fund_manager" if path.startswith("/fund") else "regulator"
    web = app.test_client()
    login(web, f"{role}@example.com")
    page = web.get(path).get_data(as_text=True)
    assert "Credit model report card" in page and "Active model v0001" in page
    assert page.count("<svg") >= 3  # calibration, score distribution, drift
    assert "1 applications scored by this model" in page
    assert "Score PSI" in page and '<table class="table table-sm drift">' in page
    for grade in "ABCDE":
        assert f'<td class="fw-semibold">{grade}</td>' in page


@pytest.mark.parametrize("role", ["sme", "investor", "admin"])
def test_report_card_is_not_for_other_roles(app, users, role):
    web = app.test_client()
    login(web, f"{role}@example.com")
    assert web.get("/fund/model").status_code == 403
    assert web.get("/regulator/model").status_code == 403


def test_report_card_charts_speak_the_readers_language(app, users):
    web = app.test_client()
    login(web, "fund_manager@example.com")
    web.post("/language", data={"locale": "zh_CN", "next": "/fund/model"})
    page = web.get("/fund/model").get_data(as_text=True)
    assert "预测违约概率" in page and "实际违约率" in page and "predicted PD" not in page


def test_report_card_without_live_data_and_without_a_model(app, fund_client, tmp_path):
    page = fund_client.get("/fund/model").get_data(as_text=True)
    assert "No application has been scored by this model yet." in page
    db.session.execute(sa.delete(CreditModelVersion))  # no model promoted yet
    db.session.commit()
    page = fund_client.get("/fund/model").get_data(as_text=True)
    assert "No credit model is active" in page


def test_report_card_renders_in_chinese(app, users):
    make_user("regulator", "zh-reg@example.com", locale="zh_CN")
    web = app.test_client()
    login(web, "zh-reg@example.com")
    page = web.get("/regulator/model").get_data(as_text=True)
    assert "信用模型报告" in page
