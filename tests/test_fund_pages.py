"""The fund's pages: figures and leverage, the policy form, its version history, who may see what."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import FundPolicyVersion
from marketplace.services import fund, listings
from marketplace.services.unit_of_work import run
from tests.helpers import login, make_user
from tests.market_helpers import approved_application, fund_pool

GOOD = {
    "max_share_bps": "2500",
    "eligible_categories": ["government", "industry"],
    "max_per_enterprise": "2,000,000.00",
    "budget_government": "",
    "budget_livelihood": "",
    "budget_industry": "3000000",
    "budget_none": "",
    "target_leverage": "4.50",
}


def versions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(FundPolicyVersion))


def test_the_fund_page_shows_the_money_and_says_the_defaults_apply(client, users, fund_client):
    fund_pool(1_000_000_00)
    application = approved_application(client, users, share_bps=2000, amount="300000.00", category="industry")
    run(db.session, lambda: listings.open_listing(db.session, users["fund_manager"], application))
    page = fund_client.get("/fund/fund").get_data(as_text=True)
    assert 'id="fund-pool">CN¥940,000.00' in page and 'id="fund-committed">CN¥60,000.00' in page
    assert "the defaults apply" in page and "The fund has not lent yet" in page
    assert "<svg" in page and 'href="/fund/fund"' in page  # the chart, and the navigation link


def test_the_policy_form_saves_a_version_and_lists_it(fund_client):
    page = fund_client.get("/fund/fund/policy").get_data(as_text=True)
    assert "The defaults apply" in page and "No version saved yet." in page
    response = fund_client.post("/fund/fund/policy", data=GOOD)
    assert response.status_code == 302
    policy = fund.current_policy(db.session)
    assert policy.max_share_bps == 2500 and policy.eligible_categories == {"government", "industry"}
    assert policy.max_per_enterprise_fen == 2_000_000_00 and policy.budgets_fen == {"industry": 3_000_000_00}
    assert str(policy.target_leverage) == "4.50"
    page = fund_client.get("/fund/fund/policy").get_data(as_text=True)
    assert "Policy version 1 saved." in page and "Version 1, in force" in page
    assert "fund_manager@example.com" in page
    overview = fund_client.get("/fund/fund").get_data(as_text=True)
    assert "the defaults apply" not in overview and "CN¥3,000,000.00" in overview


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"max_share_bps": ""}, "This field is required."),
        ({"max_share_bps": "abc"}, "Not a valid integer value."),
        ({"max_share_bps": "3001"}, "The maximum share must be 0 to 3,000 basis points."),
        ({"max_share_bps": "-1"}, "The maximum share must be 0 to 3,000 basis points."),
        ({"eligible_categories": ["space"]}, "not a valid choice"),
        ({"max_per_enterprise": "-5"}, "negative"),
        ({"max_per_enterprise": "lots"}, "yuan"),
        ({"budget_industry": "-1.00"}, "negative"),
        ({"budget_livelihood": "1.234"}, "2 decimal places"),
        ({"target_leverage": ""}, "This field is required."),
        ({"target_leverage": "four"}, "Enter the leverage as a number"),
        ({"target_leverage": "0"}, "The target leverage must be above 0 and at most 100."),
        ({"target_leverage": "100.5"}, "The target leverage must be above 0 and at most 100."),
        ({"target_leverage": "4.555"}, "at most 2 decimal places"),
        ({"target_leverage": "NaN"}, "at most 2 decimal places"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_saves_nothing(fund_client, change, message):
    response = fund_client.post("/fund/fund/policy", data={**GOOD, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert versions() == 0


def test_no_category_is_a_policy_too(fund_client):
    data = {key: value for key, value in GOOD.items() if key != "eligible_categories"}
    assert fund_client.post("/fund/fund/policy", data=data).status_code == 302
    assert fund.current_policy(db.session).eligible_categories == frozenset()


def test_regulators_read_without_the_form_and_may_not_post(regulator_client):
    page = regulator_client.get("/fund/fund/policy").get_data(as_text=True)
    assert "The defaults apply" in page and 'name="target_leverage"' not in page
    assert regulator_client.get("/fund/fund").status_code == 200
    assert regulator_client.post("/fund/fund/policy", data=GOOD).status_code == 403
    assert regulator_client.get("/fund/applications").status_code == 403  # the rest stays the managers'
    assert 'href="/fund/fund"' in regulator_client.get("/regulator/").get_data(as_text=True)
    assert versions() == 0


@pytest.mark.parametrize("role_client", ["sme_client", "investor_client", "admin_client"])
def test_other_roles_are_refused(request, role_client):
    client = request.getfixturevalue(role_client)
    assert client.get("/fund/fund").status_code == 403
    assert client.get("/fund/fund/policy").status_code == 403
    assert client.post("/fund/fund/policy", data=GOOD).status_code == 403
    assert versions() == 0


def test_the_history_is_paginated_and_names_who_set_each_version(app, fund_client):
    make_user("fund_manager", "second@example.com", name="Second Manager")
    second = app.test_client()
    login(second, "second@example.com")
    for client in (fund_client, second, fund_client):
        assert client.post("/fund/fund/policy", data=GOOD).status_code == 302
    page = fund_client.get("/fund/fund/policy?per_page=2").get_data(as_text=True)
    assert "Second Manager" in page and "page=2" in page
    assert "Version 3, in force" in page


def test_the_pages_read_in_chinese(app, users):
    make_user("fund_manager", "zh@example.com", locale="zh_CN")
    client = app.test_client()
    login(client, "zh@example.com")
    assert "智慧城市基金" in client.get("/fund/fund").get_data(as_text=True)
    assert "基金政策" in client.get("/fund/fund/policy").get_data(as_text=True)
