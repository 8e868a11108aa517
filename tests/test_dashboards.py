"""Each role's home page shows its figures and its next step, computed from the records."""

from __future__ import annotations

from tests.app_helpers import ready_sme, submitted
from tests.helpers import login, make_user


def test_a_new_sme_is_led_step_by_step(app, client, users):
    sme = app.test_client()
    login(sme, "sme@example.com")
    page = sme.get("/sme/").get_data(as_text=True)
    assert "Complete your enterprise profile." in page and 'href="/sme/enterprise"' in page
    assert "Missing" in page


def test_an_sme_with_an_application_in_review_waits_and_sees_its_counts(app, client, users):
    applicant = ready_sme(client)
    submitted(applicant)
    sme = app.test_client()
    login(sme, "sme@example.com")
    page = sme.get("/sme/").get_data(as_text=True)
    assert "Your application is with the smart-city fund" in page
    assert "In review: 1" in page and "Complete" in page


def test_the_fund_manager_sees_the_work_waiting(app, client, users):
    applicant = ready_sme(client)
    submitted(applicant)
    fund = app.test_client()
    login(fund, "fund_manager@example.com")
    page = fund.get("/fund/").get_data(as_text=True)
    assert "In review" in page and 'href="/fund/applications?status=in_review"' in page
    assert '<div class="value">1</div>' in page


def test_the_investor_sees_the_wallet_and_the_next_steps(app, users):
    make_user("investor", "zh-investor@example.com", locale="zh_CN")
    investor = app.test_client()
    login(investor, "zh-investor@example.com")
    page = investor.get("/investor/").get_data(as_text=True)
    assert "¥0.00" in page and "充值" in page
    assert 'href="/investor/questionnaire"' in page and 'href="/investor/listings"' in page
    assert "投标前需要填写" in page


def test_the_regulator_sees_applications_by_status(app, client, users):
    applicant = ready_sme(client)
    submitted(applicant)
    regulator = app.test_client()
    login(regulator, "regulator@example.com")
    page = regulator.get("/regulator/").get_data(as_text=True)
    assert 'href="/regulator/applications?status=in_review"' in page and "In review</a>: 1" in page
