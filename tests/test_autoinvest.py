"""Auto-invest: rules saved and deleted through the API and the page, and the bids they place when
a listing opens (rotation, caps, risk class, deleted and paused rules), visible and cancellable."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AutoInvestRule, Bid
from marketplace.models.base import utcnow
from marketplace.services import autoinvest
from marketplace.services.unit_of_work import run
from tests.helpers import login
from tests.market_helpers import (
    TODAY,
    YUAN,
    listing_of_new_sme,
    open_listing,
    ready_investor,
    wallet,
)

RULE = {
    "grades": ["A", "B", "C", "D", "E"],
    "categories": ["government", "livelihood", "industry", "none"],
    "terms": [3, 36],
    "methods": ["equal_installment", "equal_principal", "interest_only"],
    "min_rate_bps": 800,
    "amount_per_loan": "1000.00",
    "max_total": "100000.00",
    "active": True,
}


def auto_bids(listing_id=None) -> list[Bid]:
    query = sa.select(Bid).where(Bid.source == "auto").order_by(Bid.id)
    if listing_id is not None:
        query = query.where(Bid.listing_id == listing_id)
    return list(db.session.scalars(query))


def rule_for(api, **overrides) -> dict:
    response = api.post("/autoinvest/rules", json={**RULE, **overrides})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_rules_are_saved_listed_and_deleted_by_their_owner(client, users):
    _alice, api = ready_investor(client, "alice@example.com", "1000.00")
    rule = rule_for(api)
    assert rule["terms"] == [3, 36] and rule["amount_per_loan"] == "1000.00" and rule["id"]
    assert [r["id"] for r in api.get("/autoinvest/rules").get_json()["items"]] == [rule["id"]]
    _bob, bob_api = ready_investor(client, "bob@example.com", "1000.00")
    assert bob_api.delete(f"/autoinvest/rules/{rule['id']}").status_code == 403
    assert api.delete(f"/autoinvest/rules/{rule['id']}").status_code == 204
    assert api.delete(f"/autoinvest/rules/{rule['id']}").status_code == 404
    stored = db.session.get(AutoInvestRule, rule["id"])
    db.session.refresh(stored)
    assert stored.deleted_at is not None and stored.active is False
    assert api.get("/autoinvest/rules").get_json()["items"] == []


def test_bad_rules_are_422_naming_the_field(client, users):
    _alice, api = ready_investor(client, "alice@example.com", "1000.00")
    for body, field in [
        ({"grades": ["F"]}, "grades"),
        ({"terms": [24, 6]}, "terms"),
        ({"amount_per_loan": "120.00"}, "amount_per_loan"),
        ({"max_total": "50.00"}, "max_total"),
        ({"min_rate_bps": 0}, "min_rate_bps"),
    ]:
        response = api.post("/autoinvest/rules", json={**RULE, **body})
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"], body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AutoInvestRule)) == 0


def test_rotation_over_two_listings(client, users):
    alice, alice_api = ready_investor(client, "alice@example.com", "500000.00")
    bob, bob_api = ready_investor(client, "bob@example.com", "500000.00")
    rule_for(alice_api, amount_per_loan="240000.00", max_total="480000.00")
    rule_for(bob_api, amount_per_loan="240000.00", max_total="480000.00")
    first = open_listing(client, users)  # ¥300,000, the fund 20 %: room for one ¥240,000 bid
    assert [(b.investor_id, b.amount_fen) for b in auto_bids(first.id)] == [(alice.id, 240_000 * YUAN)]
    second = listing_of_new_sme(client, users, 2, amount="600000.00")
    # Bob was never served: he goes first; Alice, served on the first listing, goes last.
    assert [b.investor_id for b in auto_bids(second.id)] == [bob.id, alice.id]
    assert wallet(alice)["held"] == 480_000 * YUAN and wallet(bob)["held"] == 240_000 * YUAN


def test_caps_cut_the_bids(client, users):
    alice, alice_api = ready_investor(client, "alice@example.com", "10000.00")
    bob, bob_api = ready_investor(client, "bob@example.com", "720.00")
    carol, carol_api = ready_investor(client, "carol@example.com", "10000.00", declared_limit_fen=800 * YUAN)
    rule_for(alice_api, max_total="1500.00")  # the rule's total
    rule_for(bob_api)  # the wallet
    rule_for(carol_api)  # the declared limit
    first = open_listing(client, users)
    amounts = {b.investor_id: b.amount_fen for b in auto_bids(first.id)}
    assert amounts == {alice.id: 1_000 * YUAN, bob.id: 700 * YUAN, carol.id: 800 * YUAN}
    second = listing_of_new_sme(client, users, 2)
    assert {b.investor_id: b.amount_fen for b in auto_bids(second.id)} == {alice.id: 500 * YUAN}


def test_risk_class_and_switched_off_rules(client, users):
    graded_d = open_listing(client, users)
    graded_d.grade = "D"
    db.session.commit()
    careful, careful_api = ready_investor(client, "carl@example.com", "10000.00", loss_tolerance="none")
    bold, bold_api = ready_investor(client, "bea@example.com", "10000.00")
    _paused, paused_api = ready_investor(client, "paula@example.com", "10000.00")
    _deleted, deleted_api = ready_investor(client, "dan@example.com", "10000.00")
    rule_for(careful_api)
    rule_for(bold_api)
    rule_for(paused_api, active=False)
    gone = rule_for(deleted_api)
    assert deleted_api.delete(f"/autoinvest/rules/{gone['id']}").status_code == 204
    now = utcnow()
    run(db.session, lambda: autoinvest.run_autoinvest(db.session, graded_d, now=now, today=TODAY))
    # The conservative investor stays out of grade D; paused and deleted rules never bid.
    assert [b.investor_id for b in auto_bids(graded_d.id)] == [bold.id]
    graded_b = listing_of_new_sme(client, users, 2)
    graded_b.grade = "B"  # as if opened at grade B: run again for it
    db.session.commit()
    run(db.session, lambda: autoinvest.run_autoinvest(db.session, graded_b, now=now, today=TODAY))
    assert careful.id in {b.investor_id for b in auto_bids(graded_b.id)}


def test_auto_bids_are_listed_and_cancelled_like_manual_ones(app, client, users):
    alice, api = ready_investor(client, "alice@example.com", "10000.00")
    rule = rule_for(api)
    listing = open_listing(client, users)
    items = api.get("/bids").get_json()["items"]
    assert [(i["source"], i["amount"], i["min_rate_bps"], i["rule_id"]) for i in items] == [
        ("auto", "1000.00", 800, rule["id"])
    ]
    page = app.test_client()
    login(page, "alice@example.com")
    assert "Automatic" in page.get("/investor/bids").get_data(as_text=True)
    assert api.delete(f"/bids/{items[0]['id']}").get_json()["status"] == "cancelled"
    assert wallet(alice) == {"wallet": 10_000 * YUAN, "held": 0} and listing.status == "open"


def test_the_page_saves_and_deletes_rules(app, client, users):
    ready_investor(client, "alice@example.com", "1000.00")
    page = app.test_client()
    login(page, "alice@example.com")
    assert "Investors take turns" in page.get("/investor/autoinvest").get_data(as_text=True)
    form = {
        "grades": ["A", "B"], "categories": ["industry"], "methods": ["equal_installment"],
        "min_term": "6", "max_term": "24", "min_rate_bps": "900",
        "amount_per_loan": "500", "max_total": "5000", "active": "1",
    }  # fmt: skip
    bad = page.post("/investor/autoinvest", data={**form, "max_term": "3"})
    assert bad.status_code == 422 and "shortest and longest term" in bad.get_data(as_text=True)
    assert page.post("/investor/autoinvest", data=form).status_code == 302
    rule = db.session.scalars(sa.select(AutoInvestRule)).one()
    assert (rule.grades, rule.categories, rule.min_term, rule.max_term) == ("AB", "industry", 6, 24)
    assert "Delete rule #" in page.get("/investor/autoinvest").get_data(as_text=True)
    assert page.post(f"/investor/autoinvest/{rule.id}/delete").status_code == 302
    db.session.refresh(rule)
    assert rule.deleted_at is not None and not rule.active
