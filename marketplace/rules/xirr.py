"""XIRR: the annual rate at which dated cash flows are worth nothing today (Excel's XIRR).

Flows are (date, amount in fen): money paid out negative, money received positive. The rate r
solves sum(amount_k / (1 + r) ** (days_k / 365)) = 0, with days_k counted from the first flow
(Actual/365, as Excel's XIRR). Solved by bisection on a bracket where the value changes sign, so
it always ends; None when no rate exists (flows all of one sign, or no sign change in the
bracket) — the portfolio then shows no figure rather than a made-up one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

DAYS_PER_YEAR = 365.0
LOWEST_RATE = -0.9999  # -99.99 % a year: every flow received was almost lost
HIGHEST_RATE = 1000.0  # 100,000 % a year: beyond it the figure means nothing
TOLERANCE = 1e-10
MAX_STEPS = 200


def _value(rate: float, flows: list[tuple[float, int]]) -> float:
    return sum(amount / (1.0 + rate) ** years for years, amount in flows)


def xirr(flows: Iterable[tuple[date, int]]) -> float | None:
    """The annual internal rate of return of the dated flows, or None when none exists."""
    flows = [(day, amount) for day, amount in flows if amount]
    if not flows or not any(a > 0 for _, a in flows) or not any(a < 0 for _, a in flows):
        return None
    start = min(day for day, _ in flows)
    timed = [((day - start).days / DAYS_PER_YEAR, amount) for day, amount in flows]
    if all(years == 0 for years, _ in timed):
        return None  # every flow on one day: no time for a rate to act
    low, high = LOWEST_RATE, HIGHEST_RATE
    value_low, value_high = _value(low, timed), _value(high, timed)
    if value_low == 0:
        return low
    if value_low * value_high > 0:
        return None
    for _ in range(MAX_STEPS):
        middle = (low + high) / 2
        value = _value(middle, timed)
        if value == 0 or (high - low) / 2 < TOLERANCE:
            return middle
        if (value < 0) == (value_low < 0):
            low, value_low = middle, value
        else:
            high = middle
    return (low + high) / 2


def xirr_bps(flows: Iterable[tuple[date, int]]) -> int | None:
    """XIRR rounded to whole basis points (the API's unit for rates), or None."""
    rate = xirr(flows)
    return None if rate is None else round(rate * 10_000)
