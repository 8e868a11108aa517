"""The scikit-learn pipeline (preprocessing → boosted trees → calibration) and its CV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

# Hyper-parameters chosen by measurement (docs/scoring.md, "Model").
# Default (Polish ratios, ~6k rows): shallow-leaf boosting, slow learning rate.
POLISH_HGB: dict[str, Any] = {
    "max_iter": 300,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
}
# Generic trainer: small tabular sets (German credit has 1,000 rows) need heavy regularisation.
GENERIC_HGB: dict[str, Any] = {
    "max_iter": 200,
    "learning_rate": 0.03,
    "max_leaf_nodes": 8,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "max_features": 0.5,
}
MODEL_KINDS = ("hgb", "logreg")
MISSING_TEXT = "__missing__"


def text_columns_as_str(X: Any) -> np.ndarray:
    """Text/categorical columns as a str array with missing cells as a category of their own."""
    values = pd.DataFrame(X).astype(object).to_numpy()
    values[pd.isna(values)] = MISSING_TEXT
    return values.astype(str)


def as_float(X: Any) -> np.ndarray:
    """Numeric columns as a float array (NaN marks a missing value)."""
    return np.asarray(X, dtype=float)


def split_columns(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(numeric, text) column names; booleans count as text (categories)."""
    numeric = [
        c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])
    ]
    text = [c for c in X.columns if c not in numeric]
    return numeric, text


def build_pipeline(
    X: pd.DataFrame,
    kind: str = "hgb",
    params: dict[str, Any] | None = None,
    seed: int = 0,
    neutral_missing: Sequence[str] = (),
) -> Pipeline:
    """An unfitted pipeline for the columns of X: preprocessing, classifier, calibration.

    Columns in `neutral_missing` have their missing values replaced by the training median
    before the classifier, so that missingness itself carries no signal for them.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose from {MODEL_KINDS}")
    numeric, text = split_columns(X)
    neutral = [c for c in numeric if c in set(neutral_missing)] if kind == "hgb" else []
    numeric = [c for c in numeric if c not in neutral]
    # Missing ratios (e.g. a zero denominator) are informative. Boosted trees handle NaN
    # natively, learning at each split which side missing values go (measured: as good as
    # median imputation + missing indicators, 1.4x faster); the linear model needs median
    # imputation with missing-indicator columns and standardisation.
    num_steps: list[Any] = (
        [FunctionTransformer(as_float)]
        if kind == "hgb"
        else [
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            StandardScaler(),
        ]
    )
    transformers: list[tuple[str, Any, list[str]]] = []
    if neutral:
        imputer = SimpleImputer(strategy="median", keep_empty_features=True)
        transformers.append(("neutral", make_pipeline(FunctionTransformer(as_float), imputer), neutral))
    if numeric:
        transformers.append(("num", make_pipeline(*num_steps), numeric))
    if text:
        encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)
        transformers.append(("text", make_pipeline(FunctionTransformer(text_columns_as_str), encoder), text))
    preprocess = ColumnTransformer(transformers, sparse_threshold=0.0)
    if kind == "hgb":
        classifier: Any = HistGradientBoostingClassifier(
            early_stopping=False, random_state=seed, **(params or POLISH_HGB)
        )
    else:
        classifier = LogisticRegression(max_iter=2000, **(params or {}))
    # Sigmoid calibration without ensembling keeps one base model fitted on all rows (so the
    # ranking, hence AUC, is the base model's) and maps its scores to probabilities learnt on
    # out-of-fold predictions.
    calibrated = CalibratedClassifierCV(
        classifier,
        method="sigmoid",
        cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=seed),
        ensemble=False,
    )
    return Pipeline([("preprocess", preprocess), ("model", calibrated)])


def ks_statistic(y: np.ndarray, p: np.ndarray) -> float:
    """Kolmogorov–Smirnov separation: max difference of the bad and good score CDFs."""
    fpr, tpr, _ = roc_curve(y, p)
    return float(np.max(tpr - fpr))


def _summary(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, dtype=float)
    return {"mean": float(arr.mean()), "sd": float(arr.std(ddof=1)) if arr.size > 1 else 0.0}


@dataclass(frozen=True)
class CVResult:
    """Repeated stratified k-fold metrics and the out-of-fold PDs averaged over repeats."""

    folds: int
    repeats: int
    roc_auc: dict[str, float]
    ks: dict[str, float]
    brier: dict[str, float]
    oof_pd: np.ndarray

    def metrics(self) -> dict[str, Any]:
        """JSON-ready metrics (mean and sd of each)."""
        return {
            "folds": self.folds,
            "repeats": self.repeats,
            "roc_auc": self.roc_auc,
            "ks": self.ks,
            "brier": self.brier,
        }


def cross_validate(
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    kind: str = "hgb",
    params: dict[str, Any] | None = None,
    folds: int = 5,
    repeats: int = 1,
    seed: int = 0,
    neutral_missing: Sequence[str] = (),
) -> CVResult:
    """Repeated stratified k-fold CV of the full pipeline (same seed → same numbers)."""
    y = np.asarray(y)
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    aucs, kss, briers = [], [], []
    oof_sum = np.zeros(len(y))
    for train_idx, test_idx in splitter.split(X, y):
        pipe = build_pipeline(X, kind, params, seed, neutral_missing)
        pipe.fit(X.iloc[train_idx], y[train_idx])
        p = pipe.predict_proba(X.iloc[test_idx])[:, 1]
        oof_sum[test_idx] += p
        aucs.append(roc_auc_score(y[test_idx], p))
        kss.append(ks_statistic(y[test_idx], p))
        briers.append(brier_score_loss(y[test_idx], p))
    return CVResult(
        folds=folds,
        repeats=repeats,
        roc_auc=_summary(aucs),
        ks=_summary(kss),
        brier=_summary(briers),
        oof_pd=oof_sum / repeats,
    )
