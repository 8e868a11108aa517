"""Report-card data computed at training time, and drift (PSI) of live applications."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .model import split_columns
from .scorecard import GRADE_BANDS, score_from_pd

SCORE_BIN_EDGES: tuple[float, ...] = tuple(range(300, 901, 50))
PSI_FLOOR = 1e-4  # empty bins would make PSI infinite; floor them as is customary
MISSING = "__missing__"
OTHER = "__other__"


def calibration_table(y: np.ndarray, pd_values: np.ndarray, bins: int = 10) -> list[dict]:
    """Mean predicted PD vs observed default rate per PD decile (out-of-fold predictions)."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": pd_values})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), bins, labels=False)
    grouped = frame.groupby("bin", sort=True)
    return [
        {
            "bin": int(b),
            "mean_predicted": float(g["p"].mean()),
            "observed_rate": float(g["y"].mean()),
            "count": int(len(g)),
        }
        for b, g in grouped
    ]


def score_histogram(pd_values: np.ndarray) -> dict[str, list]:
    """Counts of scores in fixed 50-point bins (outermost bins are open-ended)."""
    scores = np.array([score_from_pd(p) for p in pd_values], dtype=float)
    edges = np.array(SCORE_BIN_EDGES, dtype=float)
    clipped = np.clip(scores, edges[0], edges[-1] - 1e-9)
    counts, _ = np.histogram(clipped, bins=edges)
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def grade_table(
    y: np.ndarray, pd_values: np.ndarray, bands: Sequence[tuple[str, float]] = GRADE_BANDS
) -> list[dict]:
    """Per grade: PD bounds, applications and observed default rate (out-of-fold)."""
    rows, lower = [], 0.0
    y = np.asarray(y, dtype=float)
    for letter, upper in bands:
        in_band = (pd_values >= lower) & (pd_values < upper)
        if upper >= 1.0:
            in_band |= pd_values >= 1.0
        count = int(in_band.sum())
        rows.append(
            {
                "grade": letter,
                "pd_from": lower,
                "pd_to": upper,
                "count": count,
                "observed_rate": float(y[in_band].mean()) if count else None,
            }
        )
        lower = upper
    return rows


def _numeric_proportions(values: np.ndarray, edges: Sequence[float]) -> list[float]:
    """Proportions in bins (-inf, e1], (e1, e2], ..., (ek, inf) followed by a missing bin."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return [0.0] * (len(edges) + 2)
    missing = np.isnan(values)
    idx = np.searchsorted(np.asarray(edges, dtype=float), values[~missing], side="left")
    counts = np.bincount(idx, minlength=len(edges) + 1).astype(float)
    counts = np.append(counts, missing.sum())
    return [float(c) for c in counts / values.size]


def _text_proportions(values: Iterable[Any], categories: Sequence[str]) -> list[float]:
    labels = [MISSING if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]
    if not labels:
        return [0.0] * (len(categories) + 1)
    known = {c: i for i, c in enumerate(categories)}
    counts = np.zeros(len(categories) + 1)
    for label in labels:
        counts[known.get(label, len(categories))] += 1
    return [float(c) for c in counts / len(labels)]


def feature_distributions(X: pd.DataFrame, max_categories: int = 20) -> dict[str, dict]:
    """Training distribution of each feature: decile edges (or categories) and proportions."""
    numeric, text = split_columns(X)
    out: dict[str, dict] = {}
    for name in numeric:
        values = X[name].to_numpy(dtype=float)
        present = values[~np.isnan(values)]
        edges = (
            sorted({float(q) for q in np.quantile(present, np.linspace(0.1, 0.9, 9))}) if present.size else []
        )
        out[name] = {
            "kind": "numeric",
            "edges": edges,
            "proportions": _numeric_proportions(values, edges),
        }
    for name in text:
        labels = X[name].astype(object).where(X[name].notna(), MISSING).astype(str)
        categories = [str(c) for c in labels.value_counts().index[:max_categories]]
        out[name] = {
            "kind": "text",
            "categories": categories,
            "proportions": _text_proportions(labels, categories),
        }
    return out


def reference_values(X: pd.DataFrame) -> dict[str, Any]:
    """Per-feature reference for reasons: training median (numeric) or most common value."""
    numeric, text = split_columns(X)
    ref: dict[str, Any] = {}
    for name in numeric:
        median = X[name].median()
        ref[name] = None if pd.isna(median) else float(median)
    for name in text:
        mode = X[name].dropna().astype(str).mode()
        ref[name] = str(mode.iloc[0]) if len(mode) else None
    return ref


def score_distribution(pd_values: np.ndarray) -> dict[str, list[float]]:
    """Training score distribution in fixed bins, the baseline of score PSI."""
    hist = score_histogram(pd_values)
    total = max(sum(hist["counts"]), 1)
    return {"edges": hist["edges"], "proportions": [c / total for c in hist["counts"]]}


def psi(expected_proportions: Sequence[float], actual_proportions: Sequence[float]) -> float:
    """Population stability index Σ (a − e)·ln(a / e); 0 for identical distributions."""
    e = np.maximum(np.asarray(expected_proportions, dtype=float), PSI_FLOOR)
    a = np.maximum(np.asarray(actual_proportions, dtype=float), PSI_FLOOR)
    if e.shape != a.shape:
        raise ValueError("expected and actual proportions must have the same number of bins")
    return float(np.sum((a - e) * np.log(a / e)))


def feature_psi(
    metadata: Mapping[str, Any], live_feature_rows: Iterable[Mapping[str, Any]] | pd.DataFrame
) -> dict[str, float]:
    """PSI of each feature of live applications against the model's training distribution."""
    live = (
        live_feature_rows
        if isinstance(live_feature_rows, pd.DataFrame)
        else pd.DataFrame(list(live_feature_rows))
    )
    out: dict[str, float] = {}
    for name, dist in metadata["feature_distributions"].items():
        column = live[name] if name in live.columns else pd.Series([None] * len(live))
        if dist["kind"] == "numeric":
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
            actual = _numeric_proportions(values, dist["edges"])
        else:
            actual = _text_proportions(column.tolist(), dist["categories"])
        out[name] = psi(dist["proportions"], actual)
    return out


def score_psi(metadata: Mapping[str, Any], live_scores: Iterable[float]) -> float:
    """PSI of live application scores against the out-of-fold training scores."""
    dist = metadata["score_distribution"]
    edges = np.asarray(dist["edges"], dtype=float)
    scores = np.clip(np.asarray(list(live_scores), dtype=float), edges[0], edges[-1] - 1e-9)
    counts, _ = np.histogram(scores, bins=edges)
    actual = counts / max(counts.sum(), 1)
    return psi(dist["proportions"], actual)


def report_card(y: np.ndarray, oof_pd: np.ndarray, X: pd.DataFrame) -> dict[str, Any]:
    """Everything the regulator's report card and drift pages need, JSON-ready."""
    return {
        "calibration": calibration_table(y, oof_pd),
        "score_histogram": score_histogram(oof_pd),
        "grade_table": grade_table(y, oof_pd),
        "feature_distributions": feature_distributions(X),
        "score_distribution": score_distribution(oof_pd),
        "reference_values": reference_values(X),
    }
