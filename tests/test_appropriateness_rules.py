"""The risk questionnaire's scoring: worked cases, and that more tolerance never lowers the class."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.rules.appropriateness import (
    AGE_BANDS,
    LOSS_TOLERANCES,
    RISK_CLASSES,
    Answers,
    answer_problems,
    may_bid_on,
    risk_class,
    score,
    valid_until,
)

YUAN = 100


def answers(**overrides) -> Answers:
    values = {
        "age_band": "36-55",
        "annual_income_fen": 300_000 * YUAN,
        "investable_assets_fen": 1_000_000 * YUAN,
        "experience_years": 2,
        "loss_tolerance": "some",
        "declared_limit_fen": 100_000 * YUAN,
    }
    return Answers(**{**values, **overrides})


@pytest.mark.parametrize(
    "overrides, points, expected",
    [
        # 1 (age) + 1 (income) + 1 (assets) + 1 (experience) + 2 (some loss) = 6
        ({}, 6, "balanced"),
        # a retiree with little money and no experience who can bear some loss: 0+0+0+0+2
        (
            {
                "age_band": "56+",
                "annual_income_fen": 50_000 * YUAN,
                "investable_assets_fen": 200_000 * YUAN,
                "experience_years": 0,
                "declared_limit_fen": 10_000 * YUAN,
            },
            2,
            "conservative",
        ),
        # young, well off, experienced, can bear a high loss: 2+2+2+2+4
        (
            {
                "age_band": "18-35",
                "annual_income_fen": 800_000 * YUAN,
                "investable_assets_fen": 5_000_000 * YUAN,
                "experience_years": 5,
                "loss_tolerance": "high",
            },
            12,
            "aggressive",
        ),
        # the same investor who can bear no loss is conservative whatever the points (8)
        (
            {
                "age_band": "18-35",
                "annual_income_fen": 800_000 * YUAN,
                "investable_assets_fen": 5_000_000 * YUAN,
                "experience_years": 5,
                "loss_tolerance": "none",
            },
            8,
            "conservative",
        ),
        # boundaries: 9 points is aggressive, 8 balanced, 5 balanced, 4 conservative
        ({"loss_tolerance": "high", "age_band": "18-35", "experience_years": 1}, 9, "aggressive"),
        ({"loss_tolerance": "high", "age_band": "18-35", "experience_years": 0}, 8, "balanced"),
        ({"experience_years": 0, "annual_income_fen": 0}, 4, "conservative"),
        ({"experience_years": 0}, 5, "balanced"),
    ],
)
def test_worked_answers_score_into_their_class(overrides, points, expected):
    given_answers = answers(**overrides)
    assert score(given_answers) == points
    assert risk_class(given_answers) == expected


def test_conservative_investors_may_not_bid_on_grades_d_and_e():
    assert [g for g in "ABCDE" if may_bid_on("conservative", g)] == ["A", "B", "C"]
    assert all(may_bid_on("balanced", g) and may_bid_on("aggressive", g) for g in "ABCDE")
    assert not may_bid_on("unknown", "A")


def test_a_result_is_valid_for_a_year():
    assert valid_until(date(2026, 12, 2)) == date(2027, 12, 2)
    assert valid_until(date(2027, 3, 1)) == date(2028, 2, 29)  # 365 days, across a leap day


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"age_band": "99+"}, "age_band"),
        ({"loss_tolerance": "some-ish"}, "loss_tolerance"),
        ({"annual_income_fen": -1}, "annual_income"),
        ({"investable_assets_fen": -1, "declared_limit_fen": 0}, "investable_assets"),
        ({"experience_years": -1}, "experience_years"),
        ({"experience_years": 81}, "experience_years"),
        ({"declared_limit_fen": 0}, "declared_limit"),
        ({"declared_limit_fen": 1_000_001 * YUAN}, "declared_limit"),
    ],
)
def test_answers_that_cannot_be_scored_name_their_field(overrides, field):
    assert field in answer_problems(answers(**overrides))


def test_sound_answers_have_no_problems():
    assert answer_problems(answers()) == {}


RANK = {name: rank for rank, name in enumerate(RISK_CLASSES)}
any_answers = st.builds(
    Answers,
    age_band=st.sampled_from(AGE_BANDS),
    annual_income_fen=st.integers(0, 10**10),
    investable_assets_fen=st.integers(1, 10**11),
    experience_years=st.integers(0, 80),
    loss_tolerance=st.sampled_from(LOSS_TOLERANCES),
    declared_limit_fen=st.just(1),
)


@given(any_answers, st.integers(0, 10**10), st.integers(0, 40))
def test_more_income_assets_experience_or_tolerance_never_lowers_the_class(base, more_money, more_years):
    richer = replace(
        base,
        annual_income_fen=base.annual_income_fen + more_money,
        investable_assets_fen=base.investable_assets_fen + more_money,
        experience_years=min(80, base.experience_years + more_years),
    )
    assert RANK[risk_class(richer)] >= RANK[risk_class(base)]
    bolder = replace(
        base, loss_tolerance=LOSS_TOLERANCES[min(2, LOSS_TOLERANCES.index(base.loss_tolerance) + 1)]
    )
    assert RANK[risk_class(bolder)] >= RANK[risk_class(base)]
    assert 0 <= score(base) <= 12
