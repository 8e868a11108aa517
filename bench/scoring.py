"""Benchmark of the scoring package: CV AUC, batch throughput, single-application latency.

Run: .venv/bin/python bench/scoring.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring.dataset import load_dataset, load_default_dataset  # noqa: E402
from scoring.model import GENERIC_HGB, POLISH_HGB, cross_validate  # noqa: E402
from scoring.registry import ModelRegistry  # noqa: E402
from scoring.statements import PRIOR_YEAR_FEATURES, STATEMENT_FIELDS  # noqa: E402
from scoring.training import train_default  # noqa: E402

GERMAN = ROOT / "tests" / "scoring" / "data" / "german_credit.csv"
BASE_STATEMENT = dict(
    zip(
        STATEMENT_FIELDS,
        (1000, 600, 150, 120, 90, 40, 30, 2000, 800, 1200, 300, 250, 100, 1100, 700, 900, 500, 250),
        strict=True,
    )
)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report_cv(label: str, cv, target: float) -> None:
    auc = cv.roc_auc
    print(
        f"{label}: {cv.repeats}x{cv.folds}-fold ROC AUC {auc['mean']:.4f} ± {auc['sd']:.4f}"
        f"  (target ≥ {target})  {verdict(auc['mean'] >= target)}",
        flush=True,
    )


def random_statements(n: int, seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return [{k: v * float(rng.lognormal(0, 0.4)) for k, v in BASE_STATEMENT.items()} for _ in range(n)]


def main(argv: list[str] | None = None) -> None:
    """Print the scoring benchmark figures against their targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1x5-fold CV instead of 5x10")
    args = parser.parse_args(argv)
    folds, repeats = (5, 1) if args.quick else (10, 5)
    print(f"cpu_count={os.cpu_count()}  folds={folds} repeats={repeats}", flush=True)

    polish = load_default_dataset()
    t = time.perf_counter()
    cv = cross_validate(
        polish.X,
        polish.y,
        params=POLISH_HGB,
        folds=folds,
        repeats=repeats,
        neutral_missing=PRIOR_YEAR_FEATURES,
    )
    report_cv(f"default model (Polish 5year, {polish.X.shape[1]} features)", cv, 0.95)
    print(f"  KS {cv.ks['mean']:.4f}  Brier {cv.brier['mean']:.4f}  ({time.perf_counter() - t:.0f} s)")

    german = load_dataset(GERMAN, "default", min_per_class=folds)
    t = time.perf_counter()
    cv = cross_validate(german.X, german.y, params=GENERIC_HGB, folds=folds, repeats=repeats)
    report_cv("generic trainer (german_credit)", cv, 0.79)
    print(f"  KS {cv.ks['mean']:.4f}  Brier {cv.brier['mean']:.4f}  ({time.perf_counter() - t:.0f} s)")

    t = time.perf_counter()
    trained = train_default(folds=2, repeats=1)
    print(f"train_default (2-fold CV + final fit): {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        registry = ModelRegistry(Path(tmp))
        model = registry.load(registry.save(trained, trained_by="bench"))

    rng = np.random.default_rng(0)
    batch = polish.X.iloc[rng.integers(0, len(polish.X), 100_000)].reset_index(drop=True)
    model.assess_batch(batch.head(1000))  # warm-up
    t = time.perf_counter()
    model.assess_batch(batch)
    full_rate = len(batch) / (time.perf_counter() - t)
    matrix = model.pipeline[:-1].transform(batch)
    final = model.pipeline[-1]
    t = time.perf_counter()
    final.predict_proba(matrix)
    bare_rate = len(batch) / (time.perf_counter() - t)
    print(f"batch assess_batch: {full_rate:,.0f} apps/s  (target ≥ 50,000)  {verdict(full_rate >= 50_000)}")
    print(
        f"  bare final estimator predict_proba: {bare_rate:,.0f} apps/s; "
        f"pipeline/bare = {full_rate / bare_rate:.2f}"
    )

    statements = random_statements(1100)
    for s in statements[:100]:  # warm-up
        model.assess(s)
    times = []
    for s in statements[100:]:
        t = time.perf_counter()
        model.assess(s, ({"revenue": 900, "profit_before_tax": 100},))
        times.append((time.perf_counter() - t) * 1000)
    p50, p99 = np.percentile(times, [50, 99])
    print(
        f"single assess (features + PD + reasons): p50 {p50:.2f} ms, p99 {p99:.2f} ms "
        f"(target p99 ≤ 10 ms)  {verdict(p99 <= 10)}"
    )


if __name__ == "__main__":
    main()
