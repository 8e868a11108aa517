"""Browsing listings and reading one: who may, filters and sorts, totals without bidders, constant queries."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import User
from marketplace.services import bids
from marketplace.services.unit_of_work import run
from tests.app_helpers import ApiUser
from tests.helpers import login, make_user
from tests.market_helpers import TODAY, YUAN, listing_of_new_sme, open_listing, ready_investor
from tests.test_list_queries import counted_statements


@pytest.fixture
def listing(app, client, users):
    return open_listing(client, users)


def bid(investor, listing, amount_yuan, rate):
    return run(
        db.session,
        lambda: bids.place_bid(
            db.session, investor, listing.id, amount_fen=amount_yuan * YUAN, min_rate_bps=rate, today=TODAY
        ),
    )


def test_investors_browse_open_listings_with_their_totals(client, users, listing):
    alice, _ = ready_investor(client, "alice@example.com", "10000.00")
    bid(alice, listing, 1_000, 1200)
    api = ApiUser(client, users["investor"].email)
    body = api.get("/listings?status=open").get_json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["id"] == listing.id and item["bid_total"] == "1000.00"
    assert set(item) >= {
        "id", "application_id", "enterprise_name", "grade", "amount", "max_rate_bps", "term_months",
        "repayment_method", "category", "fund_share_bps", "closes_at", "bid_total", "status",
    }  # fmt: skip
    assert "alice" not in str(body)


@pytest.mark.parametrize("role", ["fund_manager", "regulator"])
def test_fund_managers_and_regulators_browse_too(client, users, listing, role):
    assert ApiUser(client, users[role].email).get("/listings").get_json()["total"] == 1


def test_smes_may_not_browse(client, users, listing):
    assert ApiUser(client, users["sme"].email).get("/listings").status_code == 403


def test_filters_and_sorts(client, users, listing):
    other = listing_of_new_sme(client, users, 2, category="livelihood")
    other.max_rate_bps, listing.grade, other.grade = 1800, "B", "D"
    db.session.commit()
    api = ApiUser(client, users["investor"].email)
    assert [i["id"] for i in api.get("/listings?category=livelihood").get_json()["items"]] == [other.id]
    assert [i["id"] for i in api.get("/listings?grade=B").get_json()["items"]] == [listing.id]
    assert [i["id"] for i in api.get("/listings?min_rate=1600").get_json()["items"]] == [other.id]
    assert [i["id"] for i in api.get("/listings?sort=rate").get_json()["items"]] == [other.id, listing.id]
    assert api.get("/listings?status=funded").get_json()["total"] == 0
    bad = api.get("/listings?sort=cheapest")
    assert bad.status_code == 422 and "sort" in bad.get_json()["error"]["fields"]


def test_detail_shows_totals_grade_and_reasons_never_bidders(client, users, listing):
    alice, _ = ready_investor(client, "alice@example.com", "10000.00")
    bid(alice, listing, 1_000, 1200)
    bid(alice, listing, 500, 1250)
    body = ApiUser(client, users["investor"].email).get(f"/listings/{listing.id}").get_json()
    assert body["bid_total"] == "1500.00" and body["bid_count"] == 2
    assert body["status"] == "open" and body["min_fill"] and body["loan_id"] is None
    assert body["grade"] == listing.grade and isinstance(body["pd"], float)
    assert isinstance(body["reasons"], list)
    assert "alice" not in str(body)


def test_the_borrower_reads_its_listing_other_smes_do_not(client, users, listing):
    assert ApiUser(client, users["sme"].email).get(f"/listings/{listing.id}").status_code == 200
    make_user("sme", "other@example.com")
    assert ApiUser(client, "other@example.com").get(f"/listings/{listing.id}").status_code == 403
    assert ApiUser(client, users["investor"].email).get("/listings/999999").status_code == 404


def test_the_pages_list_and_show_a_listing(client, users, listing):
    alice, _ = ready_investor(client, "alice@example.com", "10000.00")
    bid(alice, listing, 1_000, 1200)
    login(client, users["investor"].email)
    page = client.get("/investor/listings").get_data(as_text=True)
    assert f"/investor/listings/{listing.id}" in page and "funded" in page
    assert (
        client.get("/investor/listings?category=livelihood").get_data(as_text=True).count("no-listings") == 1
    )
    response = client.get(f"/investor/listings/{listing.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in page and "Bids by minimum rate" in page and "1 bid" in page
    assert listing.enterprise.uscc not in page and "alice" not in page
    assert "Key ratios" in page and listing.application.purpose in page


def test_the_page_reads_in_chinese(client, users, listing):
    make_user("investor", "zh@example.com", locale="zh_CN")
    login(client, "zh@example.com")
    page = client.get(f"/investor/listings/{listing.id}").get_data(as_text=True)
    assert "暂无投标" in page and "企业" in page


def test_fund_managers_read_the_pages_smes_only_their_own(app, users, listing):
    fund = app.test_client()
    login(fund, users["fund_manager"].email)
    assert 'href="/investor/listings"' in fund.get("/fund/").get_data(as_text=True)  # in the menu
    assert fund.get("/investor/listings").status_code == 200
    assert fund.get(f"/investor/listings/{listing.id}").status_code == 200
    assert fund.get("/investor/").status_code == 403
    sme = app.test_client()
    login(sme, users["sme"].email)
    assert sme.get("/investor/listings").status_code == 403
    link = f"/investor/applications/{listing.application_id}/listing"
    assert link in sme.get(f"/sme/applications/{listing.application_id}").get_data(as_text=True)
    assert sme.get(link).headers["Location"].endswith(f"/investor/listings/{listing.id}")
    assert sme.get(f"/investor/listings/{listing.id}").status_code == 200
    make_user("sme", "other@example.com")
    other = app.test_client()
    login(other, "other@example.com")
    assert other.get(f"/investor/listings/{listing.id}").status_code == 403


def test_browsing_takes_constant_queries(app, client, users):
    listing_of_new_sme(client, users, 2)
    investor = app.test_client()
    login(investor, users["investor"].email)
    api = ApiUser(client, users["investor"].email)

    def statements(path, test_client, headers=None):
        assert test_client.get(path, headers=headers or {}).status_code == 200
        db.session.rollback()
        db.session.expunge_all()
        with counted_statements() as found:
            assert test_client.get(path, headers=headers or {}).status_code == 200
        return len(found)

    manager_id = users["fund_manager"].id
    few = (statements("/investor/listings", investor), statements("/api/v1/listings", client, api.headers))
    users = {"fund_manager": db.session.get(User, manager_id)}
    for number in (3, 4, 5):
        listing_of_new_sme(client, users, number)
    many = (statements("/investor/listings", investor), statements("/api/v1/listings", client, api.headers))
    assert few == many
