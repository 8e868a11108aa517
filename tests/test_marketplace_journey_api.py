"""One whole journey through the JSON API: apply, approve with a fund share, bid, close, a loan
exact to the fen, and the ledger and audit chain still consistent (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

from marketplace.extensions import db
from tests.app_helpers import ApiUser, ready_sme, submitted
from tests.helpers import make_user
from tests.market_helpers import fund_pool

QUESTIONNAIRE = {
    "age_band": "36-55",
    "annual_income": "300000.00",
    "investable_assets": "1000000.00",
    "experience_years": 3,
    "loss_tolerance": "some",
    "declared_limit": "500000.00",
}


def investor(client, email: str, deposit: str) -> ApiUser:
    make_user("investor", email)
    api = ApiUser(client, email)
    assert api.put("/investor/questionnaire", json=QUESTIONNAIRE).status_code == 200
    assert api.post("/wallet/deposits", json={"amount": deposit}).get_json()["status"] == "succeeded"
    return api


def test_apply_approve_bid_close_and_the_money_is_exact(client, runner, users):
    fund_pool(1_000_000 * 100)  # the fund's capital, deposited through the sandbox gateway
    sme = ready_sme(client)
    application_id = submitted(sme, amount="300000.00", category="livelihood")
    manager = ApiUser(client, "fund_manager@example.com")
    decision = manager.post(
        f"/applications/{application_id}/decision",
        json={"decision": "approve", "max_rate_bps": 1500, "listing_days": 7, "fund_share_bps": 2000},
    )
    assert decision.status_code == 200, decision.get_json()
    listing_id = decision.get_json()["listing_id"]
    fund = manager.get("/fund").get_json()
    assert (fund["pool"], fund["committed"]) == ("940000.00", "60000.00")  # T x s = ¥60,000

    alice = investor(client, "alice@example.com", "150000.00")
    bob = investor(client, "bob@example.com", "150000.00")
    carol = investor(client, "carol@example.com", "150000.00")
    bids = [
        (alice, {"amount": "100000.00", "min_rate_bps": 1000}),
        (bob, {"amount": "100000.00", "min_rate_bps": 1100}),
        (carol, {"amount": "80000.00", "min_rate_bps": 1200}),
    ]
    for api, body in bids:
        response = api.post(f"/listings/{listing_id}/bids", json=body)
        assert response.status_code == 201 and response.get_json()["status"] == "active", response.get_json()
    assert alice.get("/wallet").get_json() == {
        "available": "50000.00",
        "held": "100000.00",
        "currency": "CNY",
    }
    shown = alice.get(f"/listings/{listing_id}").get_json()
    assert (shown["bid_total"], shown["bid_count"]) == ("280000.00", 3)

    closed = ApiUser(client, "admin@example.com").post(f"/listings/{listing_id}/close")
    assert closed.status_code == 200, closed.get_json()
    # P = ¥240,000: alice and bob whole (¥200,000), carol's ¥80,000 at 12 % takes ¥40,000;
    # r* = 12 %, Q = ¥240,000, A = Q / 0.8 = ¥300,000, the fund lends ¥60,000.
    body = closed.get_json()
    assert (body["status"], body["clearing_rate_bps"], body["amount"]) == ("funded", 1200, "300000.00")
    loan = sme.get(f"/loans/{body['loan_id']}").get_json()
    assert (loan["amount"], loan["rate_bps"], loan["status"]) == ("300000.00", 1200, "current")
    assert sorted(part["principal"] for part in loan["parts"]) == [
        "100000.00",
        "100000.00",
        "40000.00",
        "60000.00",
    ]
    assert alice.get("/wallet").get_json()["available"] == "50000.00"
    assert bob.get("/wallet").get_json()["available"] == "50000.00"
    assert carol.get("/wallet").get_json() == {"available": "110000.00", "held": "0.00", "currency": "CNY"}
    bids_of_carol = carol.get("/bids").get_json()["items"]
    assert [(b["status"], b["accepted_amount"]) for b in bids_of_carol] == [("partly_accepted", "40000.00")]
    portfolio = carol.get("/portfolio").get_json()
    assert portfolio["totals"]["invested"] == "40000.00"
    fund = manager.get("/fund").get_json()
    assert (fund["pool"], fund["committed"], fund["lent_outstanding"]) == ("940000.00", "0.00", "60000.00")
    assert fund["leverage"] == "4.00"  # ¥240,000 private per ¥60,000 of the fund

    db.session.remove()
    for command in (["ledger", "check"], ["audit", "verify"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
