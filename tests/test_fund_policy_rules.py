"""The fund policy's checks on a commitment: each refusal on its own, all at once, and leverage."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.rules.fund_policy import (
    FundPolicy,
    FundPosition,
    commitment_problems,
    leverage,
    policy_problems,
)

YUAN = 100
PLENTY = FundPosition(pool_fen=10_000_000 * YUAN, enterprise_fen=0, category_fen=0)
ZH = {
    "The fund's policy allows a share of at most %(max)s %%.": "基金政策允许的份额最多为 %(max)s%%。",
    "The fund does not co-invest in the category %(category)s.": "基金不投资于“%(category)s”类别。",
    "Smart industry": "智慧产业",
}


def texts(problems, translate=lambda text: text) -> list[str]:
    return [problem.render(translate) for problem in problems]


def test_the_default_policy_limits_nothing_but_the_funds_money_and_the_thirty_percent_cap():
    assert (
        commitment_problems(FundPolicy(), PLENTY, category="none", share_bps=3000, fund_fen=300_000 * YUAN)
        == []
    )
    short = FundPosition(pool_fen=299_999_99, enterprise_fen=0, category_fen=0)
    assert texts(
        commitment_problems(FundPolicy(), short, category="none", share_bps=3000, fund_fen=300_000 * YUAN)
    ) == ["The fund has ¥299,999.99 uncommitted; this share needs ¥300,000."]


def test_no_share_needs_no_check():
    broke = FundPosition(pool_fen=0, enterprise_fen=0, category_fen=0)
    assert (
        commitment_problems(
            FundPolicy(eligible_categories=frozenset()), broke, category="industry", share_bps=0, fund_fen=0
        )
        == []
    )


def test_every_rule_broken_is_named_at_once():
    policy = FundPolicy(
        max_share_bps=2000,
        eligible_categories=frozenset({"government"}),
        max_per_enterprise_fen=100_000 * YUAN,
        budgets_fen={"industry": 500_000 * YUAN},
    )
    position = FundPosition(pool_fen=50_000 * YUAN, enterprise_fen=80_000 * YUAN, category_fen=450_000 * YUAN)
    problems = commitment_problems(
        policy, position, category="industry", share_bps=2500, fund_fen=60_000 * YUAN
    )
    assert texts(problems) == [
        "The fund's policy allows a share of at most 20 %.",
        "The fund does not co-invest in the category Smart industry.",
        "The fund has ¥50,000 uncommitted; this share needs ¥60,000.",
        "The fund may put at most ¥100,000 into one enterprise; it has ¥80,000 there already.",
        "The budget of Smart industry (¥500,000) would be exceeded; ¥450,000 is used.",
    ]
    # The category's name is translated with the message.
    assert texts(problems[:2], lambda text: ZH.get(text, text)) == [
        "基金政策允许的份额最多为 20%。",
        "基金不投资于“智慧产业”类别。",
    ]


def test_limits_are_inclusive():
    policy = FundPolicy(
        max_share_bps=1250, max_per_enterprise_fen=100_000 * YUAN, budgets_fen={"industry": 100_000 * YUAN}
    )
    exact = FundPosition(pool_fen=40_000 * YUAN, enterprise_fen=60_000 * YUAN, category_fen=60_000 * YUAN)
    assert (
        commitment_problems(policy, exact, category="industry", share_bps=1250, fund_fen=40_000 * YUAN) == []
    )
    assert texts(
        commitment_problems(policy, exact, category="industry", share_bps=1251, fund_fen=40_000 * YUAN)
    ) == ["The fund's policy allows a share of at most 12.5 %."]


@pytest.mark.parametrize(
    "policy, field",
    [
        (FundPolicy(max_share_bps=3001), "max_share_bps"),
        (FundPolicy(max_share_bps=-1), "max_share_bps"),
        (FundPolicy(eligible_categories=frozenset({"space"})), "eligible_categories"),
        (FundPolicy(max_per_enterprise_fen=-1), "max_per_enterprise"),
        (FundPolicy(budgets_fen={"space": 1}), "budgets"),
        (FundPolicy(budgets_fen={"industry": -1}), "budgets"),
        (FundPolicy(target_leverage=Decimal(0)), "target_leverage"),
        (FundPolicy(target_leverage=Decimal("100.01")), "target_leverage"),
    ],
)
def test_a_policy_out_of_range_names_the_setting(policy, field):
    assert field in policy_problems(policy)


def test_the_default_policy_is_valid():
    assert policy_problems(FundPolicy()) == {}


def test_leverage_is_private_yuan_per_fund_yuan():
    assert leverage(400_000 * YUAN, 100_000 * YUAN) == Decimal("4.00")
    assert leverage(2, 3) == Decimal("0.67")
    assert leverage(1, 0) is None


@given(
    st.integers(0, 10**10),
    st.integers(0, 10**10),
    st.integers(0, 10**10),
    st.integers(1, 10**9),
    st.integers(0, 3000),
)
def test_a_commitment_within_every_limit_is_accepted_and_one_fen_more_refused(
    pool, used, budget_left, fund, share
):
    policy = FundPolicy(max_per_enterprise_fen=used + fund, budgets_fen={"livelihood": used + fund})
    fits = FundPosition(pool_fen=fund, enterprise_fen=used, category_fen=used)
    assert commitment_problems(policy, fits, category="livelihood", share_bps=share, fund_fen=fund) == []
    over = commitment_problems(policy, fits, category="livelihood", share_bps=share, fund_fen=fund + 1)
    assert len(over) == 3  # pool, enterprise and category budget each refuse the extra fen
