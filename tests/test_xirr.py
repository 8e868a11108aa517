"""XIRR of dated cash flows: worked examples, the cases with no rate, and a round-trip property."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.rules.xirr import xirr, xirr_bps

START = date(2025, 1, 1)


def test_a_year_at_ten_percent():
    assert xirr_bps([(START, -100_000), (START + timedelta(days=365), 110_000)]) == 1000


def test_excels_documented_example():
    # Microsoft's XIRR help page: these flows give 0.373362535 (37.34 %).
    flows = [
        (date(2008, 1, 1), -10_000),
        (date(2008, 3, 1), 2_750),
        (date(2008, 10, 30), 4_250),
        (date(2009, 2, 15), 3_250),
        (date(2009, 4, 1), 2_750),
    ]
    assert xirr(flows) == pytest.approx(0.373362535, abs=1e-6)


def test_a_loss_gives_a_negative_rate():
    assert xirr_bps([(START, -100_000), (START + timedelta(days=365), 90_000)]) == -1000


@pytest.mark.parametrize(
    "flows",
    [
        [],
        [(START, -100_000)],  # money out, nothing back yet (a fresh portfolio)
        [(START, -100_000), (START + timedelta(days=30), -5_000)],
        [(START, 100_000)],
        [(START, -100_000), (START, 100_000)],  # no time passed
        [(START, 0), (START + timedelta(days=10), 0)],
    ],
)
def test_no_rate_exists(flows):
    assert xirr(flows) is None and xirr_bps(flows) is None


@given(
    rate_bps=st.integers(min_value=-5_000, max_value=50_000),
    days=st.integers(min_value=30, max_value=3 * 365),
    principal=st.integers(min_value=100_000, max_value=100_000_000),
)
def test_the_rate_a_single_repayment_was_priced_at_is_found_again(rate_bps, days, principal):
    repaid = round(principal * (1 + rate_bps / 10_000) ** (days / 365))
    found = xirr([(START, -principal), (START + timedelta(days=days), repaid)])
    # Repaid to the fen: the rate is exact up to what half a fen of rounding moves it by.
    rate = rate_bps / 10_000
    one_fen = (1 + rate) * 365 / (days * repaid)
    assert found == pytest.approx(rate, abs=one_fen + 1e-8)
