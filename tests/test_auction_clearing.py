"""The uniform-price auction (DESIGN.md step 5): worked examples by hand, and its invariants."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.rules.auction import BidBook, ListingTerms, clear_auction, loan_amount_fen

YUAN = 100


def terms(target_yuan: int, share_bps: int = 0, *, max_rate: int = 2400, min_fill_yuan: int | None = None):
    min_fill = (min_fill_yuan if min_fill_yuan is not None else target_yuan * 8 // 10) * YUAN
    return ListingTerms(target_yuan * YUAN, share_bps, max_rate, min_fill)


def book(*bids: tuple[int, int, int]) -> BidBook:
    """Bids as (id, yuan, rate bps)."""
    return BidBook.from_rows((bid_id, yuan * YUAN, rate) for bid_id, yuan, rate in bids)


def accepted_yuan(clearing, the_book) -> dict[int, Decimal]:
    return {
        int(bid_id): Decimal(int(fen)) / YUAN
        for bid_id, fen in zip(the_book.ids, clearing.accepted_fen, strict=True)
    }


# --- worked examples (computed by hand from DESIGN.md step 5) ---------------------------------


def test_undersubscribed_above_the_minimum_fill_lends_what_was_bid_with_the_fund_alongside():
    # T ¥100,000, s 20 %: P = ¥80,000. Bids total ¥70,000 = Q, so A = 70,000 / 0.8 = ¥87,500,
    # at least the minimum fill of ¥80,000; the fund lends A - Q = ¥17,500 (≤ T x s = ¥20,000).
    the_book = book((1, 30_000, 900), (2, 40_000, 1000))
    clearing = clear_auction(terms(100_000, 2000), the_book)
    assert clearing.succeeded
    assert clearing.rate_bps == 1000
    assert (clearing.private_fen, clearing.loan_fen, clearing.fund_fen) == (
        7_000_000,
        8_750_000,
        1_750_000,
    )
    assert accepted_yuan(clearing, the_book) == {1: 30_000, 2: 40_000}


def test_below_the_minimum_fill_the_listing_fails_and_every_bid_is_released():
    # Q ¥50,000 → A = ¥62,500 < ¥80,000 (80 % of T).
    the_book = book((1, 30_000, 900), (2, 20_000, 1000))
    clearing = clear_auction(terms(100_000, 2000), the_book)
    assert not clearing.succeeded
    assert clearing.rate_bps is None
    assert (clearing.loan_fen, clearing.private_fen, clearing.fund_fen) == (0, 0, 0)
    assert list(clearing.released_fen(the_book)) == [3_000_000, 2_000_000]


def test_the_marginal_bid_is_split_in_whole_fifty_yuan_units():
    # T ¥10,000, s 12.34 %: P = ¥8,766. The ¥5,000 bid at 10 % fits; ¥3,766 is left, so the
    # 11 % bid gets ¥3,750 (75 units of ¥50). Q = ¥8,750; A = 8,750 / 0.8766 = ¥9,981.7476...
    # → ¥9,981.75 (half up); the fund lends ¥1,231.75 (≤ T x s = ¥1,234); r* = 11 %.
    the_book = book((1, 5_000, 1000), (2, 5_000, 1100))
    clearing = clear_auction(terms(10_000, 1234), the_book)
    assert clearing.succeeded and clearing.rate_bps == 1100
    assert accepted_yuan(clearing, the_book) == {1: 5_000, 2: 3_750}
    assert list(clearing.released_fen(the_book)) == [0, 125_000]
    assert (clearing.private_fen, clearing.loan_fen, clearing.fund_fen) == (875_000, 998_175, 123_175)


def test_cheaper_bids_go_first_whatever_order_they_arrived_in():
    # T ¥100,000, no fund share: 8 % (¥60,000) and 8.5 % (¥25,000) fit whole (¥85,000); the 9 %
    # bid gets the remaining ¥15,000 and sets r* = 9 %.
    the_book = book((1, 30_000, 900), (2, 60_000, 800), (3, 25_000, 850))
    clearing = clear_auction(terms(100_000), the_book)
    assert accepted_yuan(clearing, the_book) == {1: 15_000, 2: 60_000, 3: 25_000}
    assert clearing.rate_bps == 900 and clearing.loan_fen == 10_000_000 and clearing.fund_fen == 0


def test_all_bids_at_one_rate_the_earlier_bids_are_served_first():
    # Three ¥4,000 bids at 12 % for ¥10,000: ids 3 and 5 (earlier) whole, id 9 gets ¥2,000.
    the_book = book((5, 4_000, 1200), (9, 4_000, 1200), (3, 4_000, 1200))
    clearing = clear_auction(terms(10_000), the_book)
    assert accepted_yuan(clearing, the_book) == {3: 4_000, 5: 4_000, 9: 2_000}
    assert clearing.rate_bps == 1200


def test_a_thirty_percent_fund_share_fills_exactly_the_rest_of_the_target():
    # T ¥1,000,000, s 30 %: P = ¥700,000, bid in full; A = T and the fund lends T x s = ¥300,000.
    the_book = book((1, 400_000, 1500), (2, 300_000, 1000), (3, 50_000, 1600))
    clearing = clear_auction(terms(1_000_000, 3000), the_book)
    assert clearing.succeeded and clearing.rate_bps == 1500
    assert accepted_yuan(clearing, the_book) == {1: 400_000, 2: 300_000, 3: 0}
    assert (clearing.loan_fen, clearing.fund_fen) == (100_000_000, 30_000_000)


def test_no_bids_no_loan():
    clearing = clear_auction(terms(10_000), book())
    assert not clearing.succeeded and clearing.loan_fen == 0 and len(clearing.accepted_fen) == 0


def test_a_margin_smaller_than_fifty_yuan_is_not_lent_and_the_rate_stays_with_the_last_whole_bid():
    # T ¥10,000, s 12.34 %: P = ¥8,766; the ¥8,750 bid fits whole and leaves ¥16, less than a
    # unit, so the 20 % bid gets nothing and r* stays 10 %.
    the_book = book((1, 8_750, 1000), (2, 1_000, 2000))
    clearing = clear_auction(terms(10_000, 1234), the_book)
    assert clearing.rate_bps == 1000
    assert accepted_yuan(clearing, the_book) == {1: 8_750, 2: 0}


@pytest.mark.parametrize(
    "bad",
    [
        ((1, 10_000, 2500),),  # above the listing's maximum rate
        ((1, 10_000, 0),),  # below the minimum rate
    ],
)
def test_a_book_no_bid_validation_would_allow_is_refused(bad):
    with pytest.raises(ValueError):
        clear_auction(terms(10_000), book(*bad))


def test_amounts_not_in_fifty_yuan_units_are_refused():
    with pytest.raises(ValueError):
        clear_auction(terms(10_000), BidBook.from_rows([(1, 1_234, 1000)]))


@pytest.mark.parametrize(
    "target, share, min_fill",
    [
        (10_000 * YUAN + 1, 0, 100),
        (10_000 * YUAN, 3001, 100),
        (10_000 * YUAN, 0, 0),
        (10_000 * YUAN, 0, 10**9),
    ],
)
def test_impossible_listing_terms_are_refused(target, share, min_fill):
    with pytest.raises(ValueError):
        ListingTerms(target, share, 2400, min_fill)


def test_the_loan_amount_rounds_half_up_to_the_fen():
    for private, share in [(875_000, 1234), (1, 3000), (7_000_000, 2000), (5_000, 1)]:
        exact = Decimal(private) * 10_000 / (10_000 - share)
        assert loan_amount_fen(private, share) == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- invariants --------------------------------------------------------------------------------


def reference_clearing(listing: ListingTerms, rows: list[tuple[int, int, int]]):
    """DESIGN.md step 5 read literally, one bid at a time (the oracle)."""
    accepted = {bid_id: 0 for bid_id, _, _ in rows}
    room, rate = listing.private_target_fen, None
    for bid_id, amount, bid_rate in sorted(rows, key=lambda r: (r[2], r[0])):
        take = amount if amount <= room else room // 5_000 * 5_000
        if take:
            accepted[bid_id], room, rate = take, room - take, bid_rate
        if take < amount:
            break
    private = sum(accepted.values())
    loan = int(
        (Decimal(private) * 10_000 / (10_000 - listing.fund_share_bps)).quantize(Decimal(1), ROUND_HALF_UP)
    )
    if private == 0 or loan < listing.min_fill_fen:
        return False, None, 0, {bid_id: 0 for bid_id in accepted}
    return True, rate, loan, accepted


listings = st.builds(
    lambda thousands, share, fill_pct, max_rate: ListingTerms(
        thousands * 100_000, share, max_rate, max(1, thousands * 100_000 * fill_pct // 100)
    ),
    thousands=st.integers(10, 1_000),
    share=st.integers(0, 3000),
    fill_pct=st.integers(1, 100),
    max_rate=st.integers(1, 3600),
)


@st.composite
def listing_and_bids(draw):
    listing = draw(listings)
    count = draw(st.integers(0, 40))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    rows = [
        (
            bid_id,
            draw(st.integers(1, 4_000)) * 5_000,
            draw(st.integers(1, listing.max_rate_bps)),
        )
        for bid_id in ids
    ]
    return listing, rows


@settings(max_examples=300, deadline=None)
@given(listing_and_bids())
def test_clearing_keeps_every_rule_of_the_auction(case):
    listing, rows = case
    the_book = BidBook.from_rows(rows)
    clearing = clear_auction(listing, the_book)
    accepted = clearing.accepted_fen
    amounts, rates = the_book.amounts_fen, the_book.rates_bps

    # The oracle agrees bid by bid.
    succeeded, rate, loan, expected = reference_clearing(listing, rows)
    assert (clearing.succeeded, clearing.rate_bps, clearing.loan_fen) == (succeeded, rate, loan)
    assert {int(i): int(a) for i, a in zip(the_book.ids, accepted, strict=True)} == expected

    # Nothing lost or created: accepted + released = the bids, in whole ¥50 units, none negative.
    assert np.array_equal(accepted + clearing.released_fen(the_book), amounts)
    assert (accepted >= 0).all() and (accepted % 5_000 == 0).all()
    assert clearing.private_fen == int(accepted.sum()) <= listing.private_target_fen
    assert clearing.fund_fen == clearing.loan_fen - clearing.private_fen
    assert clearing.fund_fen <= listing.target_fen * listing.fund_share_bps // 10_000
    assert clearing.succeeded == (clearing.loan_fen >= listing.min_fill_fen > 0)
    if not clearing.succeeded:
        assert not accepted.any()
        return
    won = accepted > 0
    assert (rates[won] <= clearing.rate_bps).all()  # no accepted bid above r*
    assert (accepted[rates < clearing.rate_bps] == amounts[rates < clearing.rate_bps]).all()
    # Ties at r*: a later bid gets something only when every earlier one got all it asked.
    at_rate = np.flatnonzero(rates == clearing.rate_bps)
    for later in at_rate[won[at_rate]]:
        earlier = at_rate[the_book.ids[at_rate] < the_book.ids[later]]
        assert (accepted[earlier] == amounts[earlier]).all()


@settings(max_examples=50, deadline=None)
@given(listing_and_bids())
def test_the_order_of_the_book_does_not_change_the_result(case):
    listing, rows = case
    forward = clear_auction(listing, BidBook.from_rows(rows))
    backward = clear_auction(listing, BidBook.from_rows(rows[::-1]))
    assert (forward.rate_bps, forward.loan_fen) == (backward.rate_bps, backward.loan_fen)
    assert np.array_equal(forward.accepted_fen, backward.accepted_fen[::-1])
