"""Bids: the money held and given back, and every refusal leaving nothing held or written."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.domain_errors import InvalidState, NotAllowed, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import AuditEvent, Bid
from marketplace.models.base import as_utc
from marketplace.services import bids, ledger, questionnaires
from marketplace.services.unit_of_work import run
from tests.market_helpers import TODAY, YUAN, answers, open_listing, ready_investor, wallet


@pytest.fixture
def listing(app, client, users):
    return open_listing(client, users)


@pytest.fixture
def investor(app, client):
    user, _ = ready_investor(client, "alice@example.com", "10000.00")
    return user


def bid(investor, listing, amount_yuan=1_000, rate=1200, **kwargs):
    return run(
        db.session,
        lambda: bids.place_bid(
            db.session,
            investor,
            listing.id,
            amount_fen=amount_yuan * YUAN,
            min_rate_bps=rate,
            today=kwargs.pop("today", TODAY),
            **kwargs,
        ),
    )


def bid_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Bid))


def test_a_bid_holds_its_amount(listing, investor):
    placed = bid(investor, listing, 1_500, 1100)
    assert wallet(investor) == {"wallet": 8_500 * YUAN, "held": 1_500 * YUAN}
    stored = db.session.get(Bid, placed.id)
    assert (stored.status, stored.amount_fen, stored.min_rate_bps, stored.source) == (
        "active",
        150_000,
        1100,
        "manual",
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "bid.placed"))
    assert event.object_id == str(placed.id) and event.payload["amount_fen"] == 150_000


def test_cancelling_gives_the_money_back(listing, investor):
    placed = bid(investor, listing)
    run(db.session, lambda: bids.cancel_bid(db.session, investor, placed.id))
    assert db.session.get(Bid, placed.id).status == "cancelled"
    assert wallet(investor) == {"wallet": 10_000 * YUAN, "held": 0}
    with pytest.raises(InvalidState):  # only once
        bids.cancel_bid(db.session, investor, placed.id)


def test_lowering_releases_the_difference_and_raising_is_refused(listing, investor):
    placed = bid(investor, listing, 2_000)
    run(db.session, lambda: bids.lower_bid(db.session, investor, placed.id, amount_fen=1_250 * YUAN))
    assert wallet(investor) == {"wallet": 8_750 * YUAN, "held": 1_250 * YUAN}
    with pytest.raises(ValidationFailed) as refused:
        bids.lower_bid(db.session, investor, placed.id, amount_fen=1_300 * YUAN)
    assert refused.value.fields["amount"][0].render() == "A bid can only be lowered, below ¥1,250."
    db.session.rollback()
    assert db.session.get(Bid, placed.id).amount_fen == 1_250 * YUAN


def refused(error, investor, listing, **kwargs):
    """Assert the bid is refused with `error` and nothing was held or written."""
    before = wallet(investor)
    with pytest.raises(error) as caught:
        bid(investor, listing, **kwargs)
    db.session.rollback()
    assert wallet(investor) == before
    assert bid_count() == 0
    return caught.value


@pytest.mark.parametrize("amount_yuan", [0, 49, 1_025])
def test_amounts_other_than_whole_fifty_yuan_units_are_refused(listing, investor, amount_yuan):
    error = refused(ValidationFailed, investor, listing, amount_yuan=amount_yuan)
    assert error.fields["amount"][0].render() == "Bid a whole multiple of ¥50."


@pytest.mark.parametrize("rate", [0, 1501])
def test_a_rate_outside_one_to_the_listings_maximum_is_refused(listing, investor, rate):
    error = refused(ValidationFailed, investor, listing, rate=rate)
    assert "1,500" in error.fields["min_rate_bps"][0].render()


def test_more_than_the_wallet_holds_is_refused(listing, investor):
    refused(ledger.InsufficientFunds, investor, listing, amount_yuan=10_050)


def test_a_closed_listing_takes_no_bids(listing, investor):
    refused(InvalidState, investor, listing, now=as_utc(listing.closes_at))


def test_an_unknown_listing_is_not_found(investor):
    with pytest.raises(NotFound):
        bids.place_bid(db.session, investor, 999, amount_fen=5_000, min_rate_bps=1000, today=TODAY)


@pytest.mark.parametrize("role", ["sme", "fund_manager", "regulator", "admin"])
def test_only_investors_bid(listing, users, role):
    with pytest.raises(NotAllowed):
        bids.place_bid(db.session, users[role], listing.id, amount_fen=5_000, min_rate_bps=1000, today=TODAY)


def test_without_a_valid_questionnaire_there_is_no_bid(app, client, users, listing):
    user, _ = ready_investor(client, "bob@example.com")
    refused(InvalidState, user, listing, today=TODAY + timedelta(days=366))  # a year on: expired


def test_a_conservative_investor_may_not_bid_on_grade_d(app, client, listing):
    user, _ = ready_investor(client, "carol@example.com", loss_tolerance="none")
    listing.grade = "D"
    db.session.commit()
    error = refused(NotAllowed, user, listing)
    assert str(error) == "As a Conservative investor you may not bid on grade D listings."


def test_the_declared_limit_caps_money_at_risk(app, client, listing):
    user, _ = ready_investor(client, "dave@example.com", declared_limit_fen=1_500 * YUAN)
    bid(user, listing, 1_000)
    before = wallet(user)
    with pytest.raises(ValidationFailed) as caught:
        bid(user, listing, 550)
    db.session.rollback()
    assert str(caught.value) == "This bid would put ¥1,550 at risk, above the limit of ¥1,500 you declared."
    assert wallet(user) == before and bid_count() == 1


def test_someone_elses_bid_cannot_be_changed(app, client, listing, investor):
    placed = bid(investor, listing)
    other, _ = ready_investor(client, "erin@example.com")
    with pytest.raises(NotAllowed):
        bids.cancel_bid(db.session, other, placed.id)
    with pytest.raises(NotAllowed):
        bids.lower_bid(db.session, other, placed.id, amount_fen=5_000)
    db.session.rollback()
    assert db.session.get(Bid, placed.id).status == "active"


def test_a_bid_cannot_be_cancelled_once_the_listing_has_closed(listing, investor):
    placed = bid(investor, listing)
    with pytest.raises(InvalidState):
        bids.cancel_bid(db.session, investor, placed.id, now=as_utc(listing.closes_at) + timedelta(seconds=1))


def test_the_questionnaire_is_only_for_investors(users):
    with pytest.raises(NotAllowed):
        questionnaires.answer(db.session, users["sme"], answers(), today=TODAY)


operations = st.lists(
    st.tuples(st.sampled_from(["place", "cancel", "lower"]), st.integers(1, 60), st.integers(0, 20)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations)
def test_held_money_always_equals_the_active_bids(listing, investor, program):
    for operation, units, pick in program:
        mine = db.session.scalars(sa.select(Bid).where(Bid.status == "active").order_by(Bid.id)).all()
        try:
            if operation == "place" or not mine:
                bid(investor, listing, units * 50)
            else:
                target_id, amount_fen = mine[pick % len(mine)].id, units * 50 * YUAN
                if operation == "cancel":
                    run(db.session, lambda: bids.cancel_bid(db.session, investor, target_id))  # noqa: B023
                else:
                    change = lambda: bids.lower_bid(db.session, investor, target_id, amount_fen=amount_fen)  # noqa: B023, E731
                    run(db.session, change)
        except (ValidationFailed, InvalidState):
            db.session.rollback()
        active = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Bid.amount_fen), 0)).where(Bid.status == "active")
        )
        balances = wallet(investor)
        assert balances["held"] == active
        assert balances["wallet"] + balances["held"] == 10_000 * YUAN
