"""Factories for the marketplace: fund money, approved applications, open listings, ready investors."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.models import Listing, LoanApplication, User
from marketplace.rules.appropriateness import Answers
from marketplace.services import bids, fund, ledger, listings, payment_flows, questionnaires
from marketplace.services.unit_of_work import run
from tests.app_helpers import ApiUser, ready_sme, submitted
from tests.helpers import make_user

YUAN = 100
TODAY = date.today()


def fund_pool(amount_fen: int) -> None:
    """Deposit fund capital as an admin does: a sandbox deposit credited to the fund's pool."""
    admin = db.session.scalar(sa.select(User).where(User.role == "admin").order_by(User.id).limit(1))
    admin = admin or make_user("admin", "fund-admin@example.com")
    outcome = payment_flows.fund_deposit(db.session, gateway(), admin, amount_fen, limit=fund.MAX_DEPOSIT_FEN)
    assert outcome.payment.status == "succeeded", outcome.payment.status


def approve(application: LoanApplication, manager, *, share_bps=2000, max_rate_bps=1500, days=7):
    """Mark an application approved with these terms, as the decision does (without opening it)."""
    application.status = "approved"
    application.max_rate_bps, application.listing_days, application.fund_share_bps = (
        max_rate_bps,
        days,
        share_bps,
    )
    application.first_approver_id = manager.id
    db.session.commit()
    return application


def approved_application(client, users, *, sme=None, share_bps=2000, amount="300000.00", category="industry"):
    """An application a fund manager approved with these terms (one approval: under four eyes)."""
    sme = sme or ready_sme(client)
    application = db.session.get(LoanApplication, submitted(sme, amount=amount, category=category))
    return approve(application, users["fund_manager"], share_bps=share_bps)


def open_listing(client, users, **terms) -> Listing:
    """A listing opened from a freshly approved application (the fund's pool topped up to pay for it)."""
    application = approved_application(client, users, **terms)
    fund_pool(application.amount_fen)
    return run(db.session, lambda: listings.open_listing(db.session, users["fund_manager"], application))


def answers(**overrides) -> Answers:
    """Balanced answers with a ¥500,000 declared limit."""
    values = {
        "age_band": "36-55",
        "annual_income_fen": 300_000 * YUAN,
        "investable_assets_fen": 1_000_000 * YUAN,
        "experience_years": 2,
        "loss_tolerance": "some",
        "declared_limit_fen": 500_000 * YUAN,
    }
    return Answers(**{**values, **overrides})


def ready_investor(client, email: str, deposit_yuan: str = "100000.00", **answer_overrides):
    """An investor who answered the questionnaire and deposited through the sandbox gateway;
    returns (user, ApiUser)."""
    user = make_user("investor", email)
    run(db.session, lambda: questionnaires.answer(db.session, user, answers(**answer_overrides), today=TODAY))
    api = ApiUser(client, email)
    response = api.post("/wallet/deposits", json={"amount": deposit_yuan})
    assert response.status_code == 201 and response.get_json()["status"] == "succeeded", response.get_json()
    return user, api


def wallet(user) -> dict:
    """The user's wallet and held balances in fen."""
    return ledger.balances(db.session, user)


def numbered_uscc(number: int) -> str:
    """A valid unified social credit code, different for each number."""
    from marketplace.rules.uscc import check_character

    first17 = f"91350100M{number:08d}"
    return first17 + check_character(first17)


def new_sme(client, number: int):
    """Another SME (sme<number>@example.com) with a complete profile and a statement; its ApiUser."""
    make_user("sme", f"sme{number}@example.com")
    return ready_sme(client, f"sme{number}@example.com", uscc=numbered_uscc(number))


def listing_of_new_sme(client, users, number: int, **terms) -> Listing:
    """An open listing of a new SME's freshly approved application."""
    return open_listing(client, users, sme=new_sme(client, number), **terms)


def place(investor, listing, yuan: int, rate: int):
    """A bid of `yuan` at `rate` basis points, placed and committed as a manual bid."""
    return run(
        db.session,
        lambda: bids.place_bid(
            db.session, investor, listing.id, amount_fen=yuan * YUAN, min_rate_bps=rate, today=TODAY
        ),
    )


def listing_bid_in_full(client, users):
    """An open ¥300,000 listing (fund 20 %) bid in full: alice ¥140,000 at 10 %, bob ¥100,000 at
    12 % (it funds at 12 %); returns (listing, alice, bob)."""
    listing = open_listing(client, users, share_bps=2000, amount="300000.00")
    alice = ready_investor(client, "alice@example.com", "200000.00")[0]
    bob = ready_investor(client, "bob@example.com", "200000.00")[0]
    place(alice, listing, 140_000, 1000)
    place(bob, listing, 100_000, 1200)
    return listing, alice, bob
