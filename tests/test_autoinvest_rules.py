"""Auto-invest planning: matching, the fair rotation, the caps, and its invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from marketplace.rules.autoinvest import (
    AutoRule,
    InvestorFacts,
    ListingFacts,
    plan_auto_bids,
    rotation,
    rule_matches,
)

YUAN = 100
LISTING = ListingFacts("B", "industry", 12, "equal_installment", 1500, 100_000 * YUAN)


def rule(rule_id: int, investor_id: int, **overrides) -> AutoRule:
    values = {
        "grades": frozenset("ABC"),
        "categories": frozenset({"industry", "livelihood"}),
        "min_term": 6,
        "max_term": 24,
        "methods": frozenset({"equal_installment", "equal_principal"}),
        "min_rate_bps": 1000,
        "amount_per_loan_fen": 5_000 * YUAN,
        "max_total_fen": 50_000 * YUAN,
        "invested_fen": 0,
    }
    return AutoRule(rule_id, investor_id, **{**values, **overrides})


def investor(investor_id: int, served: datetime | None = None, **overrides) -> InvestorFacts:
    values = {"available_fen": 100_000 * YUAN, "headroom_fen": 100_000 * YUAN, "risk_class": "balanced"}
    return InvestorFacts(investor_id, last_served_at=served, **{**values, **overrides})


def test_a_rule_matches_only_listings_inside_every_filter():
    base = rule(1, 1)
    assert rule_matches(base, LISTING)
    assert not rule_matches(replace(base, grades=frozenset("A")), LISTING)
    assert not rule_matches(replace(base, categories=frozenset({"government"})), LISTING)
    assert not rule_matches(replace(base, min_term=13), LISTING)
    assert not rule_matches(replace(base, max_term=11), LISTING)
    assert not rule_matches(replace(base, methods=frozenset({"interest_only"})), LISTING)
    assert not rule_matches(replace(base, min_rate_bps=1501), LISTING)
    assert not rule_matches(replace(base, active=False), LISTING)


def test_the_investor_served_longest_ago_goes_first_and_never_served_before_anyone():
    march, april = datetime(2026, 3, 1), datetime(2026, 4, 1)
    order = rotation([investor(4, april), investor(2, march), investor(9), investor(3)])
    assert [i.investor_id for i in order] == [3, 9, 2, 4]


def test_when_the_room_runs_out_the_rotation_decides_who_bids():
    # Room for ¥12,000: the never-served investor 7 bids ¥5,000, then 2 (served in March)
    # ¥5,000, then 5 (served in April) gets the last ¥2,000.
    listing = replace(LISTING, room_fen=12_000 * YUAN)
    plan = plan_auto_bids(
        listing,
        [rule(10, 5), rule(11, 2), rule(12, 7)],
        [investor(5, datetime(2026, 4, 1)), investor(2, datetime(2026, 3, 1)), investor(7)],
    )
    assert [(p.investor_id, p.amount_fen // YUAN) for p in plan] == [(7, 5_000), (2, 5_000), (5, 2_000)]
    assert all(p.min_rate_bps == 1000 for p in plan)


def test_a_bid_is_cut_to_the_rule_total_the_wallet_and_the_declared_limit_in_fifty_yuan_units():
    plan = plan_auto_bids(
        LISTING,
        [
            rule(1, 1, invested_fen=47_000 * YUAN),  # ¥3,000 left of its ¥50,000 total
            rule(2, 2),
            rule(3, 3),
        ],
        [investor(1), investor(2, available_fen=1_234_56), investor(3, headroom_fen=4_321 * YUAN)],
    )
    assert {p.investor_id: p.amount_fen for p in plan} == {1: 3_000 * YUAN, 2: 1_200 * YUAN, 3: 4_300 * YUAN}


def test_one_bid_per_investor_from_the_lowest_matching_rule():
    plan = plan_auto_bids(
        LISTING, [rule(8, 1, min_rate_bps=1200), rule(3, 1, min_rate_bps=1100)], [investor(1)]
    )
    assert [(p.rule_id, p.min_rate_bps) for p in plan] == [(3, 1100)]


def test_no_bid_without_a_valid_questionnaire_or_outside_the_investors_risk_class():
    grade_d = replace(LISTING, grade="D")
    rules = [
        rule(1, 1, grades=frozenset("ABCDE")),
        rule(2, 2, grades=frozenset("ABCDE")),
        rule(3, 3, grades=frozenset("ABCDE")),
    ]
    plan = plan_auto_bids(
        grade_d, rules, [investor(1, risk_class=None), investor(2, risk_class="conservative"), investor(3)]
    )
    assert [p.investor_id for p in plan] == [3]


def test_too_little_money_skips_the_investor_who_keeps_their_turn():
    plan = plan_auto_bids(LISTING, [rule(1, 1), rule(2, 2)], [investor(1, available_fen=49_99), investor(2)])
    assert [p.investor_id for p in plan] == [2]


rules_strategy = st.lists(
    st.builds(
        lambda rid, inv, amount, invested, rate: rule(
            rid, inv, amount_per_loan_fen=amount * 5_000, invested_fen=invested * 5_000, min_rate_bps=rate
        ),
        rid=st.integers(1, 1_000),
        inv=st.integers(1, 12),
        amount=st.integers(1, 400),
        invested=st.integers(0, 1_100),
        rate=st.integers(800, 1600),
    ),
    max_size=30,
    unique_by=lambda r: r.id,
)
investors_strategy = st.lists(
    st.builds(
        lambda inv, available, headroom, served, risk: investor(
            inv,
            None if served is None else datetime(2026, 1, 1 + served),
            available_fen=available,
            headroom_fen=headroom,
            risk_class=risk,
        ),
        inv=st.integers(1, 12),
        available=st.integers(0, 10**8),
        headroom=st.integers(0, 10**8),
        served=st.none() | st.integers(0, 27),
        risk=st.sampled_from([None, "conservative", "balanced", "aggressive"]),
    ),
    max_size=12,
    unique_by=lambda i: i.investor_id,
)


@given(rules_strategy, investors_strategy, st.integers(0, 10**8), st.sampled_from("ABCDE"))
def test_planned_bids_respect_every_cap(rules, investors, room, grade):
    listing = replace(LISTING, room_fen=room, grade=grade)
    plan = plan_auto_bids(listing, rules, investors)
    by_investor = {i.investor_id: i for i in investors}
    by_rule = {r.id: r for r in rules}
    assert sum(p.amount_fen for p in plan) <= room
    assert len({p.investor_id for p in plan}) == len(plan)  # one bid per investor
    for p in plan:
        who, the_rule = by_investor[p.investor_id], by_rule[p.rule_id]
        assert the_rule.investor_id == p.investor_id and rule_matches(the_rule, listing)
        assert p.amount_fen >= 5_000 and p.amount_fen % 5_000 == 0
        assert p.amount_fen <= min(who.available_fen, who.headroom_fen, the_rule.amount_per_loan_fen)
        assert p.amount_fen <= the_rule.max_total_fen - the_rule.invested_fen
        assert who.risk_class is not None and (grade in "ABC" or who.risk_class != "conservative")
    # Deterministic: the same facts in another order plan the same bids.
    assert plan_auto_bids(listing, rules[::-1], investors[::-1]) == plan
