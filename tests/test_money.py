"""Money parsing and formatting: exact fen, no floats, clear refusals."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.money import (
    MAX_ABS_FEN,
    MoneyError,
    fen_to_decimal,
    format_rate,
    format_yuan,
    parse_rate_bps,
    parse_yuan,
    yuan_decimal_to_fen,
)

fen_amounts = st.integers(min_value=-MAX_ABS_FEN, max_value=MAX_ABS_FEN)


@given(fen_amounts)
def test_format_then_parse_returns_the_same_fen(fen):
    assert parse_yuan(format_yuan(fen), allow_negative=True) == fen


@given(fen_amounts)
def test_decimal_value_matches_fen(fen):
    assert fen_to_decimal(fen) * 100 == fen
    assert parse_yuan(fen_to_decimal(fen), allow_negative=True) == fen


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_two_decimal_strings_parse_exactly(whole, cents):
    assert parse_yuan(f"{whole}.{cents:02d}") == whole * 100 + cents


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("0", 0),
        ("1", 100),
        ("1.5", 150),
        ("12500.00", 1_250_000),
        (" 3.07 ", 307),
        ("1,000.10", 100_010),
        (Decimal("2.10"), 210),
        (7, 700),
    ],
)
def test_accepted_forms(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.1, "not a number"),
        ("1.001", "at most 2 decimal places"),
        ("-5.00", "must not be negative"),
        ("abc", "decimal number"),
        ("", "required"),
        (None, "decimal string"),
        (True, "not a number"),
        ("1e5", "decimal number"),
        ("NaN", "decimal number"),
        (Decimal("Infinity"), "finite"),
        ("99999999999999999999", "too large"),
        ("10000000001.00", "too large"),
    ],
)
def test_refused_with_a_clear_message(value, message):
    with pytest.raises(MoneyError, match=message):
        parse_yuan(value)


def test_zero_can_be_refused():
    with pytest.raises(MoneyError, match="greater than zero"):
        parse_yuan("0.00", allow_zero=False)


def test_negative_allowed_when_asked():
    assert parse_yuan("-0.01", allow_negative=True) == -1


def test_half_up_rounding_to_fen():
    assert yuan_decimal_to_fen(Decimal("1.005")) == 101
    assert yuan_decimal_to_fen(Decimal("1.00499")) == 100
    assert yuan_decimal_to_fen(Decimal("-1.005")) == -101


def test_format_refuses_non_integers():
    with pytest.raises(MoneyError):
        format_yuan(1.5)


@pytest.mark.parametrize(("bps", "text"), [(0, "0.00%"), (1250, "12.50%"), (5, "0.05%")])
def test_rate_format(bps, text):
    assert format_rate(bps) == text


@pytest.mark.parametrize("bad", [-1, 3601, 12.5, "1250", None, True])
def test_rate_refused(bad):
    with pytest.raises(MoneyError):
        parse_rate_bps(bad)
