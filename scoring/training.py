"""Train a pipeline with cross-validated metrics and report-card data, ready to register."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .artifacts import STATEMENT_BUILDER, TrainedModel, library_versions
from .dataset import DEFAULT_DATA_FILE, Dataset, load_dataset, load_default_dataset
from .model import GENERIC_HGB, POLISH_HGB, build_pipeline, cross_validate, split_columns
from .report import report_card
from .scorecard import BASE_ODDS, BASE_SCORE, DEFAULT_RATE_TABLE, GRADE_BANDS, PDO
from .statements import PRIOR_YEAR_FEATURES

if TYPE_CHECKING:
    from .registry import ModelRegistry

# Re-exported: they were defined here before moving to scoring.artifacts.
__all__ = [
    "STATEMENT_BUILDER",
    "TrainedModel",
    "library_versions",
    "train_csv",
    "train_default",
    "train_default_model",
    "train_model",
]


def train_model(
    data: Dataset,
    *,
    kind: str = "hgb",
    params: dict[str, Any] | None = None,
    folds: int = 5,
    repeats: int = 1,
    seed: int = 0,
    source: str = "",
    feature_builder: str | None = None,
    neutral_missing: Sequence[str] = (),
) -> TrainedModel:
    """Cross-validate, then fit the pipeline on all rows; deterministic for a given seed."""
    started = time.perf_counter()
    cv = cross_validate(
        data.X,
        data.y,
        kind=kind,
        params=params,
        folds=folds,
        repeats=repeats,
        seed=seed,
        neutral_missing=neutral_missing,
    )
    pipeline = build_pipeline(data.X, kind, params, seed, neutral_missing)
    pipeline.fit(data.X, data.y)
    numeric, text = split_columns(data.X)
    metadata: dict[str, Any] = {
        "model_kind": kind,
        "params": params or {},
        "seed": seed,
        "feature_builder": feature_builder,
        "neutral_missing": list(neutral_missing),
        "features": list(data.X.columns),
        "feature_kinds": {c: ("numeric" if c in numeric else "text") for c in data.X.columns},
        "target": data.target,
        "positive_label": data.positive_label,
        "training_data": {
            "source": source,
            "sha256": data.sha256,
            "rows": int(len(data.y)),
            "positives": int(data.y.sum()),
            "dropped_missing_target": data.dropped_missing_target,
        },
        "cv": cv.metrics(),
        "libraries": library_versions(),
        "scorecard": {"base_score": BASE_SCORE, "base_odds": BASE_ODDS, "pdo": PDO},
        "grade_bands": [{"grade": g, "pd_below": upper} for g, upper in GRADE_BANDS],
        "rate_table_bps": dict(DEFAULT_RATE_TABLE),
        **report_card(data.y, cv.oof_pd, data.X),
    }
    metadata["training_seconds"] = round(time.perf_counter() - started, 2)
    return TrainedModel(pipeline, metadata)


def train_csv(
    path: Path,
    target: str,
    *,
    kind: str = "hgb",
    folds: int = 5,
    repeats: int = 1,
    seed: int = 0,
) -> TrainedModel:
    """Generic trainer: any CSV with a binary target (regularised HGB by default)."""
    data = load_dataset(Path(path), target, min_per_class=folds)
    params = GENERIC_HGB if kind == "hgb" else None
    return train_model(
        data,
        kind=kind,
        params=params,
        folds=folds,
        repeats=repeats,
        seed=seed,
        source=Path(path).name,
    )


def train_default(
    *, folds: int = 5, repeats: int = 1, seed: int = 0, data_file: Path = DEFAULT_DATA_FILE
) -> TrainedModel:
    """The default model: Polish 5-year data, statement-derivable ratios only."""
    data = load_default_dataset(data_file)
    return train_model(
        data,
        kind="hgb",
        params=POLISH_HGB,
        folds=folds,
        repeats=repeats,
        seed=seed,
        source=Path(data_file).name,
        feature_builder=STATEMENT_BUILDER,
        neutral_missing=PRIOR_YEAR_FEATURES,
    )


def train_default_model(
    registry: ModelRegistry,
    *,
    trained_by: str,
    promote: bool = True,
    folds: int = 5,
    repeats: int = 1,
    seed: int = 0,
) -> str:
    """Train the default model, save it in the registry, optionally promote it; → version."""
    trained = train_default(folds=folds, repeats=repeats, seed=seed)
    version = registry.save(trained, trained_by=trained_by)
    if promote:
        registry.promote(version)
    return version
