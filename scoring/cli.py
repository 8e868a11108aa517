"""Command line: ``python -m scoring train|evaluate|train-default``."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .dataset import DataError, load_dataset
from .model import GENERIC_HGB, MODEL_KINDS, cross_validate
from .registry import ArtifactError, ModelRegistry
from .training import train_csv, train_default

DEFAULT_OUT = Path("instance/models")


def _cv_args(parser: argparse.ArgumentParser, folds: int, repeats: int) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--folds", type=int, default=folds, help=f"CV folds (default {folds})")
    parser.add_argument("--repeats", type=int, default=repeats, help=f"CV repeats (default {repeats})")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the scoring CLI."""
    parser = argparse.ArgumentParser(prog="python -m scoring", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("train", "train on a CSV with a binary target and save the model"),
        ("evaluate", "cross-validate on a CSV with a binary target (nothing is saved)"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--data", type=Path, required=True, help="CSV file")
        p.add_argument("--target", required=True, help="binary target column")
        p.add_argument("--kind", choices=MODEL_KINDS, default="hgb", help="classifier")
        _cv_args(p, folds=5, repeats=1)
        if name == "train":
            p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="registry directory")
            p.add_argument("--trained-by", default=None, help="who trained it (default: user)")
            p.add_argument("--promote", action="store_true", help="make it the active model")
    p = sub.add_parser("train-default", help="train the default model on the shipped Polish data")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="registry directory")
    p.add_argument("--trained-by", default=None, help="who trained it (default: user)")
    p.add_argument("--no-promote", action="store_true", help="save without making it active")
    _cv_args(p, folds=5, repeats=1)
    return parser


def _print_metrics(cv: dict[str, Any]) -> None:
    print(f"{cv['repeats']}x{cv['folds']}-fold repeated stratified CV")
    for key, label in (("roc_auc", "ROC AUC"), ("ks", "KS"), ("brier", "Brier")):
        print(f"  {label:8s} {cv[key]['mean']:.4f} ± {cv[key]['sd']:.4f}")


def _print_calibration(table: list[dict[str, Any]]) -> None:
    print("  calibration (PD decile: mean predicted / observed rate / n)")
    for row in table:
        print(f"    {row['bin']:2d}  {row['mean_predicted']:.4f}  {row['observed_rate']:.4f}  {row['count']}")


def _check_cv(folds: int, repeats: int) -> None:
    if folds < 2 or repeats < 1:
        raise DataError("--folds must be at least 2 and --repeats at least 1")


def _user(value: str | None) -> str:
    return value or getpass.getuser()


def run(args: argparse.Namespace) -> int:
    """Execute a parsed command; raises DataError/ArtifactError for the caller to report."""
    _check_cv(args.folds, args.repeats)
    if args.command == "evaluate":
        data = load_dataset(args.data, args.target, min_per_class=args.folds)
        params = GENERIC_HGB if args.kind == "hgb" else None
        cv = cross_validate(
            data.X,
            data.y,
            kind=args.kind,
            params=params,
            folds=args.folds,
            repeats=args.repeats,
            seed=args.seed,
        )
        print(
            f"{args.data.name}: {len(data.y)} rows, {data.X.shape[1]} features, "
            f"positive (bad) label {data.positive_label!r}, {int(data.y.sum())} positives"
        )
        _print_metrics(cv.metrics())
        return 0
    if args.command == "train":
        trained = train_csv(
            args.data,
            args.target,
            kind=args.kind,
            folds=args.folds,
            repeats=args.repeats,
            seed=args.seed,
        )
    else:
        trained = train_default(folds=args.folds, repeats=args.repeats, seed=args.seed)
    registry = ModelRegistry(args.out)
    version = registry.save(trained, trained_by=_user(args.trained_by))
    meta = trained.metadata
    print(
        f"{meta['training_data']['source']}: {meta['training_data']['rows']} rows, "
        f"{len(meta['features'])} features, positive (bad) label {meta['positive_label']!r}"
    )
    _print_metrics(meta["cv"])
    _print_calibration(meta["calibration"])
    promote = args.promote if args.command == "train" else not args.no_promote
    if promote:
        registry.promote(version)
    print(f"saved {version} in {args.out}" + (" (active)" if promote else ""))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point; returns the exit code (2 for unusable input, with a clear message)."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (DataError, ArtifactError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
