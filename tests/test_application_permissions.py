"""Who may read and change enterprises, statements and applications (API and pages)."""

import pytest

from marketplace.extensions import db
from marketplace.models import LoanApplication
from tests.app_helpers import (
    LAST_YEAR,
    OTHER_USCC,
    ApiUser,
    application_payload,
    enterprise_payload,
    ready_sme,
    submitted,
)
from tests.helpers import make_user


@pytest.fixture
def two_smes(client, users):
    make_user("sme", "other@example.com")
    mine = ready_sme(client)
    theirs = ready_sme(client, "other@example.com", uscc=OTHER_USCC)
    return mine, theirs


def test_an_sme_cannot_read_or_change_another_smes_application(two_smes):
    mine, theirs = two_smes
    application_id = submitted(theirs)
    assert mine.get(f"/applications/{application_id}").status_code == 403
    assert mine.put(f"/applications/{application_id}", json=application_payload()).status_code == 403
    assert mine.post(f"/applications/{application_id}/submit").status_code == 403
    assert mine.post(f"/applications/{application_id}/withdraw").status_code == 403
    assert mine.get("/applications").get_json()["items"] == []
    assert db.session.get(LoanApplication, application_id).status == "in_review"


def test_an_sme_sees_only_its_own_enterprise_and_statements(two_smes):
    mine, theirs = two_smes
    theirs.put(
        f"/enterprise/statements/{LAST_YEAR}", json={k: v for k, v in {"revenue": "1.00"}.items()}
    )  # malformed on purpose: refused
    assert mine.get("/enterprise").get_json()["uscc"] != OTHER_USCC
    assert [s["year"] for s in mine.get("/enterprise/statements").get_json()["items"]] == [LAST_YEAR]
    # PUT /enterprise always addresses the caller's own profile: another's code is refused.
    assert mine.put("/enterprise", json=enterprise_payload(uscc=OTHER_USCC)).status_code == 409
    assert theirs.get("/enterprise").get_json()["uscc"] == OTHER_USCC


@pytest.mark.parametrize("role", ["investor", "admin"])
def test_investors_and_admins_cannot_see_applications(client, two_smes, role):
    mine, _ = two_smes
    application_id = submitted(mine)
    other = ApiUser(client, f"{role}@example.com")
    assert other.get(f"/applications/{application_id}").status_code == 403
    assert other.get("/review/applications").status_code == 403
    assert other.get("/enterprise").status_code == 403


def test_regulators_read_but_cannot_change_anything(client, two_smes):
    mine, _ = two_smes
    application_id = submitted(mine)
    regulator = ApiUser(client, "regulator@example.com")
    assert regulator.get(f"/applications/{application_id}").status_code == 200
    assert regulator.get("/review/applications?status=").status_code == 200
    assert regulator.post("/applications", json=application_payload()).status_code == 403
    assert regulator.put(f"/applications/{application_id}", json=application_payload()).status_code == 403
    assert regulator.post(f"/applications/{application_id}/withdraw").status_code == 403
    assert regulator.put("/enterprise", json=enterprise_payload()).status_code == 403
    assert db.session.get(LoanApplication, application_id).status == "in_review"


def test_fund_managers_cannot_act_for_the_sme(client, two_smes):
    mine, _ = two_smes
    application_id = submitted(mine)
    fund = ApiUser(client, "fund_manager@example.com")
    assert fund.post(f"/applications/{application_id}/withdraw").status_code == 403
    assert fund.post("/applications", json=application_payload()).status_code == 403
    assert fund.get("/applications").status_code == 403


def test_no_token_is_401(client):
    assert client.get("/api/v1/applications/1").status_code == 401
    assert client.put("/api/v1/enterprise", json=enterprise_payload()).status_code == 401


def test_malformed_json_is_refused(client, users):
    sme = ApiUser(client, "sme@example.com")
    response = sme.put("/enterprise", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    response = sme.post("/applications", json=["a", "list"])
    assert response.status_code in (400, 422)
