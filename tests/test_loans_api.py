"""What borrowers and investors read after a listing closes: loans, portfolio, notifications (API)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Loan, Notification
from marketplace.models.base import as_utc
from marketplace.services import clearing
from marketplace.services.unit_of_work import run
from tests.app_helpers import ApiUser
from tests.helpers import make_user
from tests.market_helpers import open_listing, place, ready_investor


@pytest.fixture
def loan(app, client, users):
    """A ¥300,000 loan at 12 %: alice ¥140,000, bob ¥100,000, the fund ¥60,000; carol was released."""
    listing = open_listing(client, users, share_bps=2000, amount="300000.00")
    alice = ready_investor(client, "alice@example.com", "200000.00")[0]
    bob = ready_investor(client, "bob@example.com", "200000.00")[0]
    carol = ready_investor(client, "carol@example.com", "200000.00")[0]
    place(alice, listing, 140_000, 1000)
    place(bob, listing, 100_000, 1200)
    place(carol, listing, 50_000, 1400)
    closed = run(
        db.session,
        lambda: clearing.close_listing(db.session, None, listing.id, now=as_utc(listing.closes_at)),
    )
    return db.session.get(Loan, closed.loan_id), {"alice": alice, "bob": bob, "carol": carol}


def test_each_role_lists_the_loans_it_may_read(client, users, loan):
    loan, investors = loan
    expected = {
        "id": loan.id,
        "listing_id": loan.listing_id,
        "amount": "300000.00",
        "rate_bps": 1200,
        "term_months": loan.term_months,
        "repayment_method": loan.repayment_method,
        "status": "current",
        "days_past_due": 0,
        "outstanding_principal": "300000.00",
    }
    for email in ("sme", "alice", "bob", "fund_manager", "regulator"):
        body = ApiUser(client, f"{email}@example.com").get("/loans").get_json()
        assert body["total"] == 1 and body["items"][0].items() >= expected.items(), email
    assert ApiUser(client, "carol@example.com").get("/loans").get_json()["items"] == []
    make_user("sme", "other-sme@example.com")
    assert ApiUser(client, "other-sme@example.com").get("/loans").get_json()["items"] == []
    assert ApiUser(client, "admin@example.com").get("/loans").status_code == 403
    assert ApiUser(client, "sme@example.com").get("/loans?per_page=0").status_code == 422


def test_an_investor_sees_only_its_own_parts_holder(client, users, loan):
    loan, investors = loan
    body = ApiUser(client, "alice@example.com").get(f"/loans/{loan.id}").get_json()
    parts = sorted((p["holder"], p["principal"], p["mine"], p.get("investor_id")) for p in body["parts"])
    assert parts == [
        ("fund", "60000.00", False, None),
        ("investor", "100000.00", False, None),
        ("investor", "140000.00", True, investors["alice"].id),
    ]
    assert body["installments"] == [] and body["amount"] == "300000.00"
    assert body["payout"] is None  # closed by the service alone: no payout started


def test_the_borrower_sees_amounts_without_holders_and_managers_see_all(client, users, loan):
    loan, investors = loan
    sme = ApiUser(client, "sme@example.com").get(f"/loans/{loan.id}").get_json()
    assert {p.get("investor_id") for p in sme["parts"]} == {None}
    assert sorted(p["principal"] for p in sme["parts"]) == ["100000.00", "140000.00", "60000.00"]
    manager = ApiUser(client, "fund_manager@example.com").get(f"/loans/{loan.id}").get_json()
    assert {p.get("investor_id") for p in manager["parts"]} == {
        None,
        investors["alice"].id,
        investors["bob"].id,
    }


def test_a_loan_is_refused_to_those_without_a_part_and_unknown_ones_are_404(client, users, loan):
    loan, _ = loan
    make_user("sme", "other-sme@example.com")
    for email in ("carol", "other-sme"):
        response = ApiUser(client, f"{email}@example.com").get(f"/loans/{loan.id}")
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert ApiUser(client, "alice@example.com").get("/loans/999999").status_code == 404


def test_the_portfolio_sums_the_investors_parts(client, users, loan):
    loan, _ = loan
    body = ApiUser(client, "alice@example.com").get("/portfolio").get_json()
    assert body["parts"] == [
        {
            "loan_id": loan.id,
            "principal": "140000.00",
            "outstanding": "140000.00",
            "rate_bps": 1200,
            "status": "current",
            "received_interest": "0.00",
            "received_principal": "0.00",
        }
    ]
    assert body["totals"] == {
        "invested": "140000.00",
        "outstanding": "140000.00",
        "received_interest": "0.00",
        "received_principal": "0.00",
        "fees_paid": "0.00",
        "losses": "0.00",
        "xirr": None,  # nothing received yet: no rate exists
    }
    empty = ApiUser(client, "carol@example.com").get("/portfolio").get_json()
    assert empty["parts"] == [] and empty["totals"]["invested"] == "0.00"
    assert ApiUser(client, "sme@example.com").get("/portfolio").status_code == 403


def test_notifications_read_in_the_readers_language_and_are_marked_read(client, users, loan):
    loan, investors = loan
    alice = ApiUser(client, "alice@example.com")
    body = alice.get("/notifications").get_json()
    assert body["unread"] == 1 and body["total"] == 1
    [item] = body["items"]
    assert item["kind"] == "bid_accepted" and item["read"] is False
    assert item["text"].endswith(f"on listing #{loan.listing_id} was accepted: ¥140,000 at 12.00% a year.")
    zh = ApiUser(client, "sme@example.com")
    users["sme"].locale = "zh_CN"
    db.session.commit()
    assert "¥300,000" in zh.get("/notifications").get_json()["items"][0]["text"]
    assert "Your listing" not in zh.get("/notifications").get_json()["items"][0]["text"]

    response = alice.post(f"/notifications/{item['id']}/read")
    assert response.status_code == 200 and response.get_json()["read"] is True
    assert alice.post(f"/notifications/{item['id']}/read").status_code == 200  # again is harmless
    assert alice.get("/notifications").get_json()["unread"] == 0

    bobs = db.session.scalar(sa.select(Notification.id).where(Notification.user_id == investors["bob"].id))
    assert alice.post(f"/notifications/{bobs}/read").status_code == 403
    assert alice.post("/notifications/999999/read").status_code == 404
    assert db.session.get(Notification, bobs).read_at is None
    assert client.get("/api/v1/notifications").status_code == 401
