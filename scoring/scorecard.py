"""From a PD to what the app shows: score, grade, maximum rate and reason codes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .labels import feature_label

# Scorecard scale: 600 points at good:bad odds of 50:1, 20 points to double the odds.
BASE_SCORE = 600.0
BASE_ODDS = 50.0
PDO = 20.0
FACTOR = PDO / math.log(2.0)
OFFSET = BASE_SCORE - FACTOR * math.log(BASE_ODDS)
# PDs are clamped so the score stays finite (1e-6 → 886 points, 1 - 1e-6 → 88 points).
PD_FLOOR = 1e-6

# Grade = first band whose upper PD bound (exclusive) exceeds the PD. The Polish data has a
# 6.9 % base rate: A and B are clearly better than average, C around it, D and E worse.
GRADE_BANDS: tuple[tuple[str, float], ...] = (
    ("A", 0.01),
    ("B", 0.03),
    ("C", 0.07),
    ("D", 0.15),
    ("E", 1.0),
)
# Maximum annual interest rate per grade, basis points; the app passes its own mapping.
DEFAULT_RATE_TABLE: dict[str, int] = {"A": 800, "B": 1000, "C": 1200, "D": 1500, "E": 1800}
TOP_REASONS = 3


def score_from_pd(pd_value: float) -> int:
    """Scorecard points: offset + factor·ln(good:bad odds), rounded to an integer."""
    p = min(max(float(pd_value), PD_FLOOR), 1.0 - PD_FLOOR)
    return int(round(OFFSET + FACTOR * math.log((1.0 - p) / p)))


def grade_for_pd(pd_value: float, bands: Sequence[tuple[str, float]] = GRADE_BANDS) -> str:
    """Grade letter of a PD; a higher PD never gets a better grade."""
    for letter, upper in bands:
        if pd_value < upper:
            return letter
    return bands[-1][0]


def max_rate_bps(grade: str, rate_table: Mapping[str, int] | None = None) -> int:
    """Maximum annual rate (basis points) for a grade from the configured table."""
    table = DEFAULT_RATE_TABLE if rate_table is None else rate_table
    if grade not in table:
        raise KeyError(f"rate table has no entry for grade {grade!r}")
    return int(table[grade])


@dataclass(frozen=True)
class Reason:
    """One factor that raised the PD, with bilingual text naming the ratio and its value."""

    code: str
    feature: str
    value: float | str | None
    text_zh: str
    text_en: str
    pd_increase: float = 0.0


@dataclass(frozen=True)
class Assessment:
    """The scoring outcome for one application."""

    pd: float
    score: int
    grade: str
    max_rate_bps: int
    reasons: tuple[Reason, ...]
    model_version: str
    features: dict[str, float | str | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN features become None)."""
        out = asdict(self)
        out["reasons"] = [asdict(r) for r in self.reasons]
        out["features"] = {k: _json_value(v) for k, v in self.features.items()}
        for reason in out["reasons"]:
            reason["value"] = _json_value(reason["value"])
        return out


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _format_value(value: Any) -> str:
    if isinstance(value, float | int | np.floating | np.integer):
        v = float(value)
        return f"{v:.2f}" if abs(v) < 1e6 else f"{v:.3g}"
    return str(value)


def make_reason(feature: str, value: Any, reference: Any, pd_increase: float) -> Reason:
    """Build the code and bilingual sentences for a feature whose value raised the PD."""
    en, zh = feature_label(feature)
    code_base = f"R_{feature.upper()}"
    if _is_missing(value):
        return Reason(f"{code_base}_MISSING", feature, None, f"{zh}缺失", f"{en} is missing", pd_increase)
    shown = _format_value(value)
    try:
        high = float(value) > float(reference)
    except (TypeError, ValueError):
        return Reason(
            f"{code_base}_UNFAVOURABLE",
            feature,
            str(value),
            f"{zh}不利：{shown}",
            f"{en} is unfavourable: {shown}",
            pd_increase,
        )
    word_zh, word_en, suffix = ("偏高", "high", "HIGH") if high else ("偏低", "low", "LOW")
    return Reason(
        f"{code_base}_{suffix}",
        feature,
        float(value),
        f"{zh}{word_zh}：{shown}",
        f"{en} is {word_en}: {shown}",
        pd_increase,
    )


def substitution_frame(row: pd.DataFrame, reference: Mapping[str, Any]) -> pd.DataFrame:
    """Row 0 = the application; row i+1 = the application with feature i set to its reference."""
    n = row.shape[1]
    if all(pd.api.types.is_float_dtype(dtype) for dtype in row.dtypes):
        # All-numeric rows (the statement model): one matrix, references on the diagonal below
        # row 0 — a single array operation instead of one pandas column per feature.
        matrix = np.tile(row.to_numpy(dtype=float)[:1], (n + 1, 1))
        refs = [np.nan if reference.get(name) is None else float(reference[name]) for name in row.columns]
        matrix[np.arange(1, n + 1), np.arange(n)] = refs
        return pd.DataFrame(matrix, columns=row.columns)
    columns: dict[str, np.ndarray] = {}
    for i, name in enumerate(row.columns):
        series = row[name]
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        values = np.repeat(series.to_numpy(dtype=float if numeric else object)[:1], n + 1)
        ref = reference.get(name)
        if numeric:
            values[i + 1] = np.nan if ref is None else float(ref)
        else:
            values[i + 1] = ref
        columns[name] = values
    return pd.DataFrame(columns)


def top_reasons(
    row: pd.DataFrame, pds: np.ndarray, reference: Mapping[str, Any], k: int = TOP_REASONS
) -> tuple[Reason, ...]:
    """The k features whose actual value raised the PD most versus the training reference."""
    increase = pds[0] - pds[1:]
    order = np.argsort(-increase, kind="stable")
    reasons = []
    for i in order[:k]:
        if increase[i] <= 0:  # only values that pushed the score down are reasons
            break
        name = row.columns[i]
        reasons.append(make_reason(name, row.iat[0, i], reference.get(name), float(increase[i])))
    return tuple(reasons)
