"""The risk questionnaire through the API and the investor's page: scored, refused, expiring."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import RiskQuestionnaire
from tests.app_helpers import ApiUser
from tests.helpers import login, make_user

BODY = {
    "age_band": "36-55",
    "annual_income": "300000.00",
    "investable_assets": "1000000.00",
    "experience_years": 2,
    "loss_tolerance": "some",
    "declared_limit": "500000.00",
}


def rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RiskQuestionnaire))


def test_get_is_404_until_answered_then_the_result(client, users):
    api = ApiUser(client, users["investor"].email)
    assert api.get("/investor/questionnaire").status_code == 404
    response = api.put("/investor/questionnaire", json=BODY)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["risk_class"] == "balanced" and body["declared_limit"] == "500000.00"
    assert body["valid_until"]
    again = api.get("/investor/questionnaire").get_json()
    assert again["risk_class"] == "balanced" and again["valid"] is True


def test_no_loss_tolerance_is_conservative(client, users):
    api = ApiUser(client, users["investor"].email)
    body = api.put("/investor/questionnaire", json={**BODY, "loss_tolerance": "none"}).get_json()
    assert body["risk_class"] == "conservative"


def test_bad_answers_are_422_naming_the_field_and_store_nothing(client, users):
    api = ApiUser(client, users["investor"].email)
    response = api.put("/investor/questionnaire", json={**BODY, "declared_limit": "2000000.00"})
    assert response.status_code == 422
    assert "declared_limit" in response.get_json()["error"]["fields"]
    response = api.put("/investor/questionnaire", json={**BODY, "age_band": "90"})
    assert response.status_code == 422 and "age_band" in response.get_json()["error"]["fields"]
    response = api.put("/investor/questionnaire", json={**BODY, "annual_income": 12.5})
    assert response.status_code == 422
    assert rows() == 0


def test_other_roles_may_not_answer(client, users):
    api = ApiUser(client, users["sme"].email)
    assert api.put("/investor/questionnaire", json=BODY).status_code == 403
    assert rows() == 0


def test_the_page_saves_answers_and_explains_the_result(investor_client):
    page = investor_client.get("/investor/questionnaire").get_data(as_text=True)
    assert "Conservative investors cannot bid on grades D and E" in page
    form = {**BODY, "loss_tolerance": "none"}
    response = investor_client.post("/investor/questionnaire", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "you are a Conservative investor" in page
    assert "You may bid on listings of grades A, B, C." in page and "Valid until" in page
    assert rows() == 1


def test_the_page_refuses_a_limit_above_assets_in_chinese(client, app):
    make_user("investor", "zh@example.com", locale="zh_CN")
    login(client, "zh@example.com")
    response = client.post("/investor/questionnaire", data={**BODY, "declared_limit": "2000000"})
    assert response.status_code == 422
    assert "该额度不能超过您的可投资资产。" in response.get_data(as_text=True)
    assert rows() == 0


def test_an_expired_result_reads_as_expired_and_asks_again(client, users):
    api = ApiUser(client, users["investor"].email)
    assert api.put("/investor/questionnaire", json=BODY).status_code == 200
    result = db.session.scalars(sa.select(RiskQuestionnaire)).one()
    result.valid_until = date(2020, 1, 1)
    db.session.commit()
    assert api.get("/investor/questionnaire").get_json()["valid"] is False
    login(client, users["investor"].email)
    page = client.get("/investor/questionnaire").get_data(as_text=True)
    assert "Your result expired on 2020-01-01: answer again before bidding." in page
    assert "Your risk questionnaire expired on 2020-01-01" in client.get("/investor/").get_data(as_text=True)
