"""Bids through the API and the pages: placed, lowered, cancelled; every refusal holds and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, Bid, RiskQuestionnaire
from tests.app_helpers import ApiUser
from tests.helpers import login, make_user
from tests.market_helpers import YUAN, open_listing, ready_investor, wallet


@pytest.fixture
def listing(app, client, users):
    return open_listing(client, users)


@pytest.fixture
def alice(app, client):
    return ready_investor(client, "alice@example.com", "10000.00")


def state(user) -> tuple:
    """What a refusal must leave untouched: bids, audit events, the user's balances."""
    bids = db.session.scalar(sa.select(sa.func.count()).select_from(Bid))
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    return bids, events, tuple(sorted(wallet(user).items()))


def web(app, email, locale_user=None):
    test_client = app.test_client()
    login(test_client, email)
    return test_client


def test_place_list_lower_cancel_through_the_api(client, listing, alice):
    user, api = alice
    response = api.post(f"/listings/{listing.id}/bids", json={"amount": "1000.00", "min_rate_bps": 1200})
    assert response.status_code == 201, response.get_json()
    bid = response.get_json()
    assert bid["status"] == "active" and bid["amount"] == "1000.00" and bid["listing_id"] == listing.id
    assert wallet(user) == {"wallet": 9_000 * YUAN, "held": 1_000 * YUAN}
    items = api.get("/bids").get_json()["items"]
    assert [(i["id"], i["source"], i["accepted_amount"]) for i in items] == [(bid["id"], "manual", "0.00")]
    lowered = api.call("PATCH", f"/bids/{bid['id']}", json={"amount": "600.00"})
    assert lowered.status_code == 200 and lowered.get_json()["amount"] == "600.00"
    assert wallet(user) == {"wallet": 9_400 * YUAN, "held": 600 * YUAN}
    cancelled = api.delete(f"/bids/{bid['id']}")
    assert cancelled.status_code == 200 and cancelled.get_json() == {"id": bid["id"], "status": "cancelled"}
    assert wallet(user) == {"wallet": 10_000 * YUAN, "held": 0}


def test_an_idempotency_key_places_one_bid(client, listing, alice):
    user, api = alice
    headers = {**api.headers, "Idempotency-Key": "bid-once-1"}
    body = {"amount": "500.00", "min_rate_bps": 1100}
    first = client.post(f"/api/v1/listings/{listing.id}/bids", json=body, headers=headers)
    again = client.post(f"/api/v1/listings/{listing.id}/bids", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert wallet(user)["held"] == 500 * YUAN


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "120.00", "min_rate_bps": 1200}, "amount"),
        ({"amount": "12.345", "min_rate_bps": 1200}, "amount"),
        ({"amount": "500.00", "min_rate_bps": 9000}, "min_rate_bps"),
        ({"amount": "500.00", "min_rate_bps": "12%"}, "min_rate_bps"),
    ],
)
def test_bad_amount_or_rate_is_422_naming_the_field(client, listing, alice, body, field):
    user, api = alice
    before = state(user)
    response = api.post(f"/listings/{listing.id}/bids", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert state(user) == before


def test_refusals_hold_and_write_nothing(client, users, listing, alice):
    user, api = alice
    others = [ApiUser(client, users[role].email) for role in ("fund_manager", "sme", "regulator")]
    before = state(user)
    assert (
        api.post("/listings/999999/bids", json={"amount": "500.00", "min_rate_bps": 1200}).status_code == 404
    )
    too_much = api.post(f"/listings/{listing.id}/bids", json={"amount": "20000.00", "min_rate_bps": 1200})
    assert too_much.status_code == 409 and too_much.get_json()["error"]["code"] == "insufficient_funds"
    for other in others:
        assert (
            other.post(
                f"/listings/{listing.id}/bids", json={"amount": "500.00", "min_rate_bps": 1200}
            ).status_code
            == 403
        )
    assert state(user) == before


def test_no_questionnaire_is_409_and_the_page_links_to_it(app, client, users, listing):
    api = ApiUser(client, users["investor"].email)
    assert api.post("/wallet/deposits", json={"amount": "1000.00"}).status_code == 201
    page = web(app, users["investor"].email)
    before = state(users["investor"])
    response = api.post(f"/listings/{listing.id}/bids", json={"amount": "500.00", "min_rate_bps": 1200})
    assert response.status_code == 409 and "risk questionnaire" in response.get_json()["error"]["message"]
    form = page.post(f"/investor/listings/{listing.id}/bids", data={"amount": "500", "min_rate_bps": "1200"})
    assert form.status_code == 409
    assert 'href="/investor/questionnaire"' in form.get_data(as_text=True)
    assert state(users["investor"]) == before


def test_conservative_investors_may_not_bid_on_grade_d(app, client, listing):
    user, api = ready_investor(client, "carl@example.com", "10000.00", loss_tolerance="none")
    listing.grade = "D"
    db.session.commit()
    carl = web(app, "carl@example.com")
    before = state(user)
    response = api.post(f"/listings/{listing.id}/bids", json={"amount": "500.00", "min_rate_bps": 1200})
    assert response.status_code == 403 and "Conservative" in response.get_json()["error"]["message"]
    form = carl.post(f"/investor/listings/{listing.id}/bids", data={"amount": "500", "min_rate_bps": "1200"})
    assert form.status_code == 403 and "you may not bid on grade D" in form.get_data(as_text=True)
    assert state(user) == before


def test_a_closed_listing_refuses_bids_and_changes(app, client, listing, alice):
    user, api = alice
    bid = api.post(f"/listings/{listing.id}/bids", json={"amount": "500.00", "min_rate_bps": 1200}).get_json()
    listing.opens_at, listing.closes_at = (
        listing.opens_at - timedelta(days=8),
        listing.opens_at - timedelta(days=1),
    )
    db.session.commit()
    alice_web = web(app, "alice@example.com")
    before = state(user)
    assert (
        api.post(f"/listings/{listing.id}/bids", json={"amount": "500.00", "min_rate_bps": 1200}).status_code
        == 409
    )
    assert api.delete(f"/bids/{bid['id']}").status_code == 409
    assert api.call("PATCH", f"/bids/{bid['id']}", json={"amount": "100.00"}).status_code == 409
    page = alice_web.post(
        f"/investor/listings/{listing.id}/bids", data={"amount": "500", "min_rate_bps": "1200"}
    )
    assert page.status_code == 409
    assert state(user) == before


def test_others_bids_are_not_yours(client, listing, alice):
    user, api = alice
    bid = api.post(f"/listings/{listing.id}/bids", json={"amount": "500.00", "min_rate_bps": 1200}).get_json()
    _bob, bob_api = ready_investor(client, "bob@example.com", "1000.00")
    before = state(user)
    assert bob_api.delete(f"/bids/{bid['id']}").status_code == 403
    assert bob_api.call("PATCH", f"/bids/{bid['id']}", json={"amount": "100.00"}).status_code == 403
    assert bob_api.delete("/bids/999999").status_code == 404
    assert bob_api.get("/bids").get_json()["items"] == []
    raised = api.call("PATCH", f"/bids/{bid['id']}", json={"amount": "600.00"})
    assert raised.status_code == 422 and "amount" in raised.get_json()["error"]["fields"]
    assert state(user) == before


def test_the_pages_place_lower_and_cancel(app, client, listing, alice):
    user, _api = alice
    page = web(app, "alice@example.com")
    assert "Bid on this listing" in page.get(f"/investor/listings/{listing.id}").get_data(as_text=True)
    placed = page.post(
        f"/investor/listings/{listing.id}/bids", data={"amount": "1,000", "min_rate_bps": "1200"}
    )
    assert placed.status_code == 302
    bid = db.session.scalars(sa.select(Bid)).one()
    assert wallet(user)["held"] == 1_000 * YUAN
    listed = page.get("/investor/bids").get_data(as_text=True)
    assert "Active" in listed and "Manual" in listed and "12.00%" in listed
    bad = page.post(f"/investor/bids/{bid.id}/lower", data={"amount": "2000"})
    assert bad.status_code == 422 and "A bid can only be lowered" in bad.get_data(as_text=True)
    assert page.post(f"/investor/bids/{bid.id}/lower", data={"amount": "500"}).status_code == 302
    assert wallet(user)["held"] == 500 * YUAN
    # Cancelling asks first: a POST without the confirmation only leads to the question.
    assert (
        page.post(f"/investor/bids/{bid.id}/cancel")
        .headers["Location"]
        .endswith(f"/investor/bids/{bid.id}/cancel")
    )
    assert wallet(user)["held"] == 500 * YUAN
    assert "Cancel bid #" in page.get(f"/investor/bids/{bid.id}/cancel").get_data(as_text=True)
    done = page.post(f"/investor/bids/{bid.id}/cancel", data={"confirmed": "yes"}, follow_redirects=True)
    assert "cancelled" in done.get_data(as_text=True) and wallet(user) == {"wallet": 10_000 * YUAN, "held": 0}


def test_the_bid_form_refuses_in_chinese_holding_nothing(app, client, listing):
    make_user("investor", "zh@example.com", locale="zh_CN")
    api = ApiUser(client, "zh@example.com")
    api.put("/investor/questionnaire", json={
        "age_band": "36-55", "annual_income": "300000", "investable_assets": "1000000",
        "experience_years": 2, "loss_tolerance": "some", "declared_limit": "500000",
    })  # fmt: skip
    assert api.post("/wallet/deposits", json={"amount": "1000.00"}).status_code == 201
    user = db.session.scalar(sa.select(RiskQuestionnaire)).investor_id
    page = web(app, "zh@example.com")
    before = state(db.session.get(type(listing.application.applicant), user))
    response = page.post(
        f"/investor/listings/{listing.id}/bids", data={"amount": "120", "min_rate_bps": "1200"}
    )
    assert response.status_code == 422 and "投标金额须为 ¥50 的整数倍。" in response.get_data(as_text=True)
    response = page.post(
        f"/investor/listings/{listing.id}/bids", data={"amount": "5000", "min_rate_bps": "1200"}
    )
    assert response.status_code == 409
    assert state(db.session.get(type(listing.application.applicant), user)) == before


def test_other_investors_cannot_open_my_bid_pages(app, client, listing, alice):
    _user, api = alice
    bid = api.post(f"/listings/{listing.id}/bids", json={"amount": "500.00", "min_rate_bps": 1200}).get_json()
    ready_investor(client, "bob@example.com", "1000.00")
    bob = web(app, "bob@example.com")
    assert bob.get(f"/investor/bids/{bid['id']}/cancel").status_code == 403
    assert bob.post(f"/investor/bids/{bid['id']}/cancel", data={"confirmed": "yes"}).status_code == 403
    assert bob.get("/investor/bids/999999/cancel").status_code == 404
    assert "alice" not in bob.get(f"/investor/listings/{listing.id}").get_data(as_text=True)


def test_fund_managers_and_smes_cannot_bid_through_the_pages(app, users, listing):
    clients = {role: web(app, users[role].email) for role in ("fund_manager", "sme")}
    before = state(users["investor"])
    for role, page in clients.items():
        assert "Bid on this listing" not in page.get(f"/investor/listings/{listing.id}").get_data(
            as_text=True
        )
        response = page.post(
            f"/investor/listings/{listing.id}/bids", data={"amount": "500", "min_rate_bps": "1200"}
        )
        assert response.status_code == 403, role
    assert state(users["investor"]) == before
