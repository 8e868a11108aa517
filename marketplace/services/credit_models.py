"""Governance of credit models: training into the registry, promotion (audited), loading.

The scoring library keeps versioned artifacts on disk (scoring.registry); this module adds the
platform's rules: who trained or promoted which version is written to the audit log, with
the artifact's SHA-256, because the metadata file itself is not signed.
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy.orm as so

from marketplace.services import audit
from scoring import ArtifactError, LoadedModel, ModelRegistry, train_csv, train_default
from scoring.training import STATEMENT_BUILDER

_cache: dict[tuple[str, str], LoadedModel] = {}
_cache_lock = threading.Lock()


def registry_at(root: str | Path) -> ModelRegistry:
    """The model registry stored under `root`."""
    return ModelRegistry(Path(root))


def train(
    session: so.Session, registry: ModelRegistry, *, actor, trained_by: str,
    data: Path | None = None, target: str | None = None, kind: str = "hgb",
    folds: int = 5, repeats: int = 1, seed: int = 0,
) -> str:
    """Train the default model (or one on a CSV), save it as a new version; audited. → version."""
    if data is None:
        trained = train_default(folds=folds, repeats=repeats, seed=seed)
    else:
        trained = train_csv(data, target, kind=kind, folds=folds, repeats=repeats, seed=seed)
    version = registry.save(trained, trained_by=trained_by)
    meta = registry.metadata(version)
    audit.record(
        session, actor=actor, action="model.trained", object_type="model", object_id=version,
        payload={
            "artifact_sha256": meta["artifact_sha256"],
            "data_sha256": meta["training_data"]["sha256"],
            "rows": meta["training_data"]["rows"],
            "roc_auc": round(meta["cv"]["roc_auc"]["mean"], 4),
            "trained_by": trained_by,
        },
    )
    return version


def promote(session: so.Session, registry: ModelRegistry, version: str, *, actor) -> None:
    """Make `version` the active model (verified before activation); audited."""
    meta = registry.metadata(version)
    if meta.get("feature_builder") != STATEMENT_BUILDER:
        # A model trained on another CSV's columns cannot read financial statements.
        raise ArtifactError(
            f"model {version} was trained on {meta['training_data']['source']} columns, not on "
            "statement ratios, so it cannot score applications; only statement models are promoted"
        )
    previous = registry.active_version()
    registry.promote(version)
    audit.record(
        session, actor=actor, action="model.promoted", object_type="model", object_id=version,
        payload={
            "previous": previous,
            "artifact_sha256": meta["artifact_sha256"],
        },
    )


def ensure_active_model(session: so.Session, registry: ModelRegistry, *, trained_by: str) -> str:
    """The active version; on first run trains the default model and promotes it."""
    active = registry.active_version()
    if active is not None:
        return active
    version = train(session, registry, actor=None, trained_by=trained_by)
    promote(session, registry, version, actor=None)
    return version


def active_model(registry: ModelRegistry) -> LoadedModel:
    """The active model, loaded (and verified) once per process and version."""
    version = registry.active_version()
    if version is None:
        return registry.load_active()  # raises the registry's clear "no active model" error
    key = (str(registry.root), version)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = registry.load(version)
        return _cache[key]
