"""Closing a listing: the auction's outcome in wallets, loan parts and the fund, exact to the fen."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.domain_errors import InvalidState, NotAllowed
from marketplace.extensions import db
from marketplace.models import Bid, Listing, Loan, LoanPart, Notification
from marketplace.models.base import as_utc
from marketplace.rules.notifications import render
from marketplace.services import clearing, fund, ledger
from marketplace.services.unit_of_work import run
from tests.market_helpers import YUAN, open_listing, place, ready_investor, wallet


def close(listing, actor=None, **kwargs):
    now = kwargs.pop("now", as_utc(listing.closes_at))
    return run(db.session, lambda: clearing.close_listing(db.session, actor, listing.id, now=now, **kwargs))


@pytest.fixture
def market(app, client, users):
    """A ¥300,000 listing with a 20 % fund share (P = ¥240,000) and three investors of ¥200,000."""
    listing = open_listing(client, users, share_bps=2000, amount="300000.00")
    investors = [
        ready_investor(client, f"{name}@example.com", "200000.00")[0] for name in ("alice", "bob", "carol")
    ]
    return listing, investors


def test_a_funded_listing_makes_a_loan_exact_to_the_fen(app, runner, users, market):
    listing, (alice, bob, carol) = market
    sme_id = listing.borrower_id
    pool_before = ledger.balances(db.session, fund.FUND)["pool"]
    place(alice, listing, 100_000, 1000)
    place(bob, listing, 100_000, 1100)
    carol_marginal = place(carol, listing, 80_000, 1200)
    place(carol, listing, 10_000, 900)

    closed = close(listing)

    # Sorted by rate: carol ¥10,000 @ 9 %, alice @ 10 %, bob @ 11 % fit whole (¥210,000); carol's
    # ¥80,000 @ 12 % takes the remaining ¥30,000 of P. r* = 12 %, Q = ¥240,000, A = Q / 0.8 = T.
    assert (closed.status, closed.loan_fen) == ("funded", 300_000 * YUAN)
    stored = db.session.get(Listing, listing.id)
    assert (stored.status, stored.clearing_rate_bps) == ("funded", 1200)
    loan = db.session.get(Loan, closed.loan_id)
    assert (loan.amount_fen, loan.rate_bps, loan.borrower_id, loan.status) == (
        30_000_000,
        1200,
        sme_id,
        "current",
    )
    parts = sorted(
        (p.holder_type, p.investor_id, p.principal_fen)
        for p in db.session.scalars(sa.select(LoanPart).where(LoanPart.loan_id == loan.id))
    )
    assert parts == sorted(
        [
            ("fund", None, 6_000_000),
            ("investor", alice.id, 10_000_000),
            ("investor", bob.id, 10_000_000),
            ("investor", carol.id, 1_000_000),
            ("investor", carol.id, 3_000_000),
        ]
    )
    assert wallet(alice) == {"wallet": 100_000 * YUAN, "held": 0}
    assert wallet(bob) == {"wallet": 100_000 * YUAN, "held": 0}
    assert wallet(carol) == {"wallet": 160_000 * YUAN, "held": 0}  # ¥50,000 of ¥80,000 came back
    assert ledger.balances(db.session, ("user", sme_id))["wallet"] == 300_000 * YUAN
    assert ledger.balances(db.session, fund.FUND) == {"pool": pool_before, "committed": 0}
    assert ledger.balances(db.session, ("listing", listing.id)) == {"escrow": 0}
    assert ledger.balances(db.session, ("loan", loan.id)) == {"receivable": -30_000_000}
    marginal = db.session.get(Bid, carol_marginal.id)
    assert (marginal.status, marginal.accepted_fen) == ("partly_accepted", 3_000_000)
    assert {b.status for b in db.session.scalars(sa.select(Bid))} == {"accepted", "partly_accepted"}

    for command in (["ledger", "check"], ["audit", "verify"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output


def test_notifications_tell_each_party_what_happened(market):
    listing, (alice, bob, _) = market
    place(alice, listing, 200_000, 1000)
    place(bob, listing, 100_000, 1400)
    close(listing)
    texts = {
        (n.user_id, render(n.kind, n.params))
        for n in db.session.scalars(sa.select(Notification).order_by(Notification.id))
    }
    # P = ¥240,000: alice whole at 10 %, bob ¥40,000 of ¥100,000; r* = 14 %.
    assert texts == {
        (
            listing.borrower_id,
            f"Your listing #{listing.id} is funded: a ¥300,000 loan at 14.00% a year is in your wallet.",
        ),
        (alice.id, f"Your bid #1 on listing #{listing.id} was accepted: ¥200,000 at 14.00% a year."),
        (
            bob.id,
            f"Your bid #2 on listing #{listing.id} was partly accepted: ¥40,000 at 14.00% a year; "
            "¥60,000 is back in your wallet.",
        ),
    }


def test_below_the_minimum_fill_everything_goes_back(market):
    listing, (alice, bob, _) = market
    pool_before = ledger.balances(db.session, fund.FUND)["pool"]
    place(alice, listing, 100_000, 1000)
    place(bob, listing, 91_950, 1100)  # Q ¥191,950 → A ¥239,937.50 < ¥240,000 (80 % of T)

    closed = close(listing)

    assert (closed.status, closed.loan_id) == ("failed", None)
    assert db.session.get(Listing, listing.id).status == "failed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Loan)) == 0
    assert {b.status for b in db.session.scalars(sa.select(Bid))} == {"released"}
    assert wallet(alice) == wallet(bob) == {"wallet": 200_000 * YUAN, "held": 0}
    # The whole commitment of ¥60,000 is back in the pool.
    assert ledger.balances(db.session, fund.FUND) == {"pool": pool_before + 6_000_000, "committed": 0}
    kinds = {n.kind for n in db.session.scalars(sa.select(Notification))}
    assert kinds == {"listing_failed", "bid_released"}


def test_a_listing_with_no_bids_fails_and_returns_the_commitment(market):
    listing, _ = market
    assert close(listing).status == "failed"
    assert ledger.balances(db.session, fund.FUND)["committed"] == 0


def test_closing_twice_closes_once(market):
    listing, (alice, _, _) = market
    place(alice, listing, 200_000, 1000)
    place(market[1][1], listing, 100_000, 1000)
    assert close(listing).status == "funded"
    assert close(listing) is None  # the scheduled command: nothing to do
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Loan)) == 1
    assert clearing.due_listing_ids(db.session, as_utc(listing.closes_at) + timedelta(days=1)) == []


def test_a_listing_not_yet_due_stays_open(market):
    listing, _ = market
    assert close(listing, now=as_utc(listing.closes_at) - timedelta(seconds=1)) is None
    assert db.session.get(Listing, listing.id).status == "open"
    assert clearing.due_listing_ids(db.session, as_utc(listing.closes_at)) == [listing.id]


def test_an_administrator_may_close_early_and_nobody_else(users, market):
    listing, _ = market
    early = as_utc(listing.closes_at) - timedelta(days=3)
    for role in ("fund_manager", "investor", "sme", "regulator"):
        with pytest.raises(NotAllowed):
            clearing.close_listing(db.session, users[role], listing.id, now=early, early=True)
        db.session.rollback()
    assert close(listing, users["admin"], now=early, early=True).status == "failed"
    with pytest.raises(InvalidState):
        clearing.close_listing(db.session, users["admin"], listing.id, now=early, early=True)
