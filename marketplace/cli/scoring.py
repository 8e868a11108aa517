"""flask scoring train|evaluate|promote|list|ensure — the app's model registry."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.services import credit_models, unit_of_work
from scoring.errors import ArtifactError, DataError

group = AppGroup("scoring", help="Credit models: train, evaluate, promote.")


def _registry():
    return credit_models.registry_at(current_app.config["MODEL_REGISTRY_DIR"])


def _fail(error: Exception) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(2)


@group.command("train")
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="CSV with a binary target (default: the shipped Polish data, default model)",
)
@click.option("--target", default=None, help="target column (with --data)")
@click.option("--kind", type=click.Choice(["hgb", "logreg"]), default="hgb")
@click.option("--folds", type=int, default=5)
@click.option("--repeats", type=int, default=1)
@click.option("--seed", type=int, default=0)
@click.option("--promote", "promote_after", is_flag=True, help="make the new version active")
def train(data, target, kind, folds, repeats, seed, promote_after) -> None:
    """Train a model into the registry (audited); prints its version and CV metrics."""
    if data is not None and not target:
        raise click.UsageError("--target is required with --data")
    registry, user = _registry(), getpass.getuser()
    try:
        # One transaction, not retried: a retry would train the model again.
        with unit_of_work.transaction(db.session):
            version = credit_models.train(
                db.session,
                registry,
                actor=None,
                trained_by=user,
                data=data,
                target=target,
                kind=kind,
                folds=folds,
                repeats=repeats,
                seed=seed,
            )
            if promote_after:
                credit_models.promote(db.session, registry, version, actor=None, promoted_by=user)
    except (DataError, ArtifactError) as error:
        _fail(error)
    cv = registry.metadata(version)["cv"]
    click.echo(
        f"saved {version}{' (active)' if promote_after else ''}: "
        f"ROC AUC {cv['roc_auc']['mean']:.4f} ± {cv['roc_auc']['sd']:.4f}, "
        f"KS {cv['ks']['mean']:.4f}, Brier {cv['brier']['mean']:.4f}"
    )


@group.command("evaluate", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def evaluate(args) -> None:
    """Cross-validate on a CSV without saving (same options as `python -m scoring evaluate`)."""
    from scoring.cli import main as scoring_main

    sys.exit(scoring_main(["evaluate", *args]))


@group.command("promote")
@click.argument("version")
def promote(version: str) -> None:
    """Make VERSION the active model (verified first; audited)."""
    registry, user = _registry(), getpass.getuser()
    try:
        unit_of_work.run(
            db.session,
            lambda: credit_models.promote(db.session, registry, version, actor=None, promoted_by=user),
        )
    except ArtifactError as error:
        _fail(error)
    click.echo(f"{version} is now the active model")


@group.command("list")
def list_versions() -> None:
    """Every model version with its CV ROC AUC; the active one is starred."""
    registry = _registry()
    active = credit_models.active_version(db.session, registry)
    for meta in registry.versions():
        mark = "*" if meta["version"] == active else " "
        click.echo(
            f"{mark} {meta['version']}  {meta['created_at']}  {meta['trained_by']:<12} "
            f"AUC {meta['cv']['roc_auc']['mean']:.4f}  {meta['training_data']['source']}"
        )


@group.command("ensure")
def ensure() -> None:
    """First run: adopt the registry's ACTIVE file, or train and promote the default model,
    when no version is active."""
    registry, user = _registry(), getpass.getuser()
    try:
        # One transaction, not retried: a retry would train the model again.
        with unit_of_work.transaction(db.session):
            version = credit_models.ensure_active_model(
                db.session, registry, trained_by=user, progress=lambda message: click.echo(message)
            )
    except (DataError, ArtifactError) as error:
        _fail(error)
    click.echo(f"active model: {version}")
