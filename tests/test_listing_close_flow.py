"""After a listing closes: `flask listings close-due`, the admin's close, the payout to the SME's bank."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, Listing, Loan, Payment
from marketplace.models.base import as_utc
from marketplace.services import clearing, ledger
from marketplace.services.unit_of_work import run
from tests.app_helpers import ApiUser
from tests.market_helpers import listing_bid_in_full, open_listing, place, ready_investor


@pytest.fixture
def funded_market(app, client, users):
    """A ¥300,000 listing (fund 20 %) bid in full by two investors: it funds at 12 %."""
    return listing_bid_in_full(client, users)


def after_close(listing) -> str:
    return (as_utc(listing.closes_at) + timedelta(minutes=1)).isoformat()


def payouts() -> list[Payment]:
    return list(db.session.scalars(sa.select(Payment).where(Payment.kind == "payout").order_by(Payment.id)))


def test_close_due_closes_the_listing_and_pays_the_loan_out_once(runner, users, funded_market):
    listing, _, _ = funded_market
    early = runner.invoke(args=["listings", "close-due", "--now", as_utc(listing.closes_at).isoformat()[:10]])
    assert early.exit_code == 0, early.output
    assert "0 listings closed" in early.output  # not due on the morning of the day it closes (UTC)

    result = runner.invoke(args=["listings", "close-due", "--now", after_close(listing)])

    assert result.exit_code == 0, result.output
    loan = db.session.scalar(sa.select(Loan))
    assert f"listing {listing.id}: funded, 300000.00 yuan at 12.00%, loan {loan.id}" in result.output
    assert f"payout of loan {loan.id}: succeeded" in result.output
    [payout] = payouts()
    assert (payout.user_id, payout.amount, payout.status) == (users["sme"].id, 30_000_000, "succeeded")
    assert ledger.balances(db.session, users["sme"]) == {"wallet": 0, "held": 0}

    again = runner.invoke(args=["listings", "close-due", "--now", after_close(listing)])
    assert again.exit_code == 0 and "0 listings closed, 0 earlier payouts started" in again.output
    assert len(payouts()) == 1
    events = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "listing.closed")
    )
    assert events == 1


def test_a_failed_payout_leaves_the_money_in_the_sme_wallet_and_says_so(
    runner, users, funded_market, monkeypatch
):
    listing, _, _ = funded_market
    monkeypatch.setattr("marketplace.payments.sandbox.FAILING_PAYOUT_FEN", 30_000_000 % 100)

    result = runner.invoke(args=["listings", "close-due", "--now", after_close(listing)])

    assert result.exit_code == 0, result.output
    assert "failed" in result.output and "300000.00 yuan stays in the SME's wallet" in result.output
    [payout] = payouts()
    assert payout.status == "failed"
    assert ledger.balances(db.session, users["sme"]) == {"wallet": 30_000_000, "held": 0}
    again = runner.invoke(args=["listings", "close-due", "--now", after_close(listing)])
    assert len(payouts()) == 1 and "0 earlier payouts started" in again.output  # never paid twice


def test_a_payout_a_stopped_run_never_started_is_started_by_the_next(runner, users, funded_market):
    listing, _, _ = funded_market
    now = as_utc(listing.closes_at)
    run(db.session, lambda: clearing.close_listing(db.session, None, listing.id, now=now))
    assert payouts() == []

    result = runner.invoke(args=["listings", "close-due", "--now", after_close(listing)])

    loan = db.session.scalar(sa.select(Loan))
    assert f"payout of loan {loan.id}: succeeded" in result.output
    assert "0 listings closed, 1 earlier payouts started" in result.output
    assert [p.status for p in payouts()] == ["succeeded"]


def test_close_due_refuses_a_time_that_is_not_iso(runner, funded_market):
    result = runner.invoke(args=["listings", "close-due", "--now", "tomorrow"])
    assert result.exit_code == 2 and "ISO 8601" in result.output
    assert db.session.scalar(sa.select(Listing.status)) == "open"


def test_an_admin_closes_a_listing_early_through_the_api(client, users, funded_market):
    listing, alice, _ = funded_market
    admin = ApiUser(client, "admin@example.com")

    response = admin.post(f"/listings/{listing.id}/close")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    loan = db.session.scalar(sa.select(Loan))
    assert (body["status"], body["clearing_rate_bps"], body["loan_id"], body["amount"]) == (
        "funded",
        1200,
        loan.id,
        "300000.00",
    )
    assert body["payout"]["status"] == "succeeded"
    again = admin.post(f"/listings/{listing.id}/close")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_state"
    assert admin.post("/listings/999999/close").status_code == 404
    assert len(payouts()) == 1


def test_only_administrators_close_listings_through_the_api(client, users, funded_market):
    listing, _, _ = funded_market
    for email in ("fund_manager@example.com", "alice@example.com", "sme@example.com"):
        assert ApiUser(client, email).post(f"/listings/{listing.id}/close").status_code == 403
    assert client.post(f"/api/v1/listings/{listing.id}/close").status_code == 401
    assert db.session.get(Listing, listing.id).status == "open"


def test_a_close_replayed_with_its_idempotency_key_answers_the_first_response(client, users, funded_market):
    listing, _, _ = funded_market
    admin = ApiUser(client, "admin@example.com")
    admin.headers = admin.headers | {"Idempotency-Key": "close-once"}
    first = admin.post(f"/listings/{listing.id}/close")
    replay = admin.post(f"/listings/{listing.id}/close")
    assert first.status_code == replay.status_code == 200
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.get_json() == first.get_json()
    assert len(payouts()) == 1


def test_close_due_says_when_a_listing_failed(runner, client, users):
    listing = open_listing(client, users, share_bps=2000, amount="300000.00")
    alice = ready_investor(client, "alice@example.com", "20000.00")[0]
    place(alice, listing, 10_000, 1000)

    result = runner.invoke(args=["listings", "close-due", "--now", after_close(listing)])

    assert f"listing {listing.id}: failed, below its minimum fill: no loan" in result.output
    assert "1 listings closed" in result.output and payouts() == []
    assert ledger.balances(db.session, alice) == {"wallet": 2_000_000, "held": 0}
