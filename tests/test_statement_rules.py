"""Consistency rules of a financial statement, each with a failing case; ratios from scoring."""

import pytest

from marketplace.rules.statement_checks import NON_NEGATIVE, statement_problems
from marketplace.services.statements import ratios_by_year
from scoring.statements import STATEMENT_FIELDS

YUAN = 100
GOOD = {
    "revenue": 8_000_000,
    "cost_of_sales": 6_000_000,
    "operating_profit": 900_000,
    "profit_before_tax": 850_000,
    "net_profit": 640_000,
    "depreciation": 200_000,
    "interest_expense": 100_000,
    "total_assets": 5_000_000,
    "fixed_assets": 2_500_000,
    "current_assets": 2_000_000,
    "inventory": 500_000,
    "receivables": 600_000,
    "cash": 400_000,
    "total_liabilities": 2_000_000,
    "current_liabilities": 1_200_000,
    "equity": 3_000_000,
    "share_capital": 1_000_000,
    "retained_earnings": 2_000_000,
}
GOOD = {name: value * YUAN for name, value in GOOD.items()}


def test_a_consistent_statement_has_no_problems():
    assert set(GOOD) == set(STATEMENT_FIELDS)
    assert statement_problems(GOOD) == {}


def test_balance_within_one_yuan_is_accepted_and_beyond_refused():
    assert statement_problems({**GOOD, "total_assets": GOOD["total_assets"] + 100}) == {}
    problems = statement_problems({**GOOD, "total_assets": GOOD["total_assets"] + 101})
    assert "liabilities plus equity" in problems["total_assets"][0]


def test_current_assets_above_total_assets_is_refused():
    problems = statement_problems({**GOOD, "current_assets": GOOD["total_assets"] + 1})
    assert "cannot exceed total assets" in problems["current_assets"][0]


def test_inventory_receivables_and_cash_above_current_assets_is_refused():
    problems = statement_problems({**GOOD, "cash": GOOD["cash"] + 600_000 * YUAN})
    assert "Inventory, receivables and cash" in problems["current_assets"][0]


def test_current_liabilities_above_total_liabilities_is_refused():
    problems = statement_problems({**GOOD, "current_liabilities": GOOD["total_liabilities"] + 1})
    assert "cannot exceed total liabilities" in problems["current_liabilities"][0]


def test_fixed_and_current_assets_above_total_is_refused():
    problems = statement_problems({**GOOD, "fixed_assets": GOOD["fixed_assets"] + 600_000 * YUAN})
    assert "Fixed assets and current assets" in problems["fixed_assets"][0]


@pytest.mark.parametrize("name", NON_NEGATIVE)
def test_quantities_that_cannot_be_negative_are_refused(name):
    assert "cannot be negative" in statement_problems({**GOOD, name: -1})[name][0]


@pytest.mark.parametrize("name", ["operating_profit", "profit_before_tax", "net_profit", "retained_earnings"])
def test_losses_may_be_negative(name):
    assert name not in statement_problems({**GOOD, name: -5 * YUAN})


def test_ratios_come_from_scoring_key_ratios_with_growth_against_the_prior_year():
    class Row:
        def __init__(self, year, **values):
            self.year = year
            for key, value in values.items():
                setattr(self, key, value)

    current = Row(2025, **GOOD)
    prior = Row(2024, **{**GOOD, "revenue": 4_000_000 * YUAN})
    ratios = ratios_by_year([current, prior])
    assert str(ratios[2025]["debt_ratio"]) == "0.4000"
    assert str(ratios[2025]["revenue_growth"]) == "1.0000"
    assert ratios[2024]["revenue_growth"] is None
