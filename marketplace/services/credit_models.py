"""Governance of credit models: training into the registry, promotion (audited), loading.

The scoring library keeps versioned, hash-verified artifacts on disk (scoring.registry). The
platform records each version, pinned by its artifact's SHA-256, and which one is active in
`credit_model_versions`: every host then scores with the same model, and a promotion commits
in the same transaction as its audit event or not at all. The audit event names the artifact's
SHA-256 too, because the metadata file beside the artifact is not signed.

These functions never commit; the caller's unit of work does. Importing this module loads no
scikit-learn or pandas: training and loading a model import them when they run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.models.base import utcnow
from marketplace.models.credit_models import CreditModelVersion
from marketplace.services import audit
from scoring.artifacts import STATEMENT_BUILDER
from scoring.errors import ArtifactError, TamperedArtifactError, UnknownVersionError

if TYPE_CHECKING:
    from scoring.registry import LoadedModel, ModelRegistry


class ActiveModel(NamedTuple):
    """The version that scores applications and the SHA-256 it was registered with."""

    version: str
    artifact_sha256: str


# Per process and registry: the last model loaded, keyed by version and hash. A promotion made
# on another host shows up as a different active row at the next look-up, which loads anew.
_loaded: dict[str, tuple[ActiveModel, LoadedModel]] = {}
_loaded_lock = threading.Lock()


def registry_at(root: str | Path) -> ModelRegistry:
    """The model registry stored under `root`."""
    from scoring.registry import ModelRegistry

    return ModelRegistry(Path(root))


def _active_row(session: so.Session) -> CreditModelVersion | None:
    # Written as `WHERE active` so that both databases answer from the partial unique index.
    return session.scalar(sa.select(CreditModelVersion).where(CreditModelVersion.active))


def active_entry(session: so.Session, registry: ModelRegistry) -> ActiveModel | None:
    """The active version (one indexed query), or None when no model is active.

    The table alone decides; a registry's standalone ``ACTIVE`` file is adopted once by
    `ensure_active_model` (`flask scoring ensure`, part of every deployment).
    """
    row = session.execute(
        sa.select(CreditModelVersion.version, CreditModelVersion.artifact_sha256).where(
            CreditModelVersion.active
        )
    ).first()
    return None if row is None else ActiveModel(row.version, row.artifact_sha256)


def active_version(session: so.Session, registry: ModelRegistry) -> str | None:
    """The version that scores applications, or None (see `active_entry`)."""
    entry = active_entry(session, registry)
    return None if entry is None else entry.version


def active_model(session: so.Session, registry: ModelRegistry) -> LoadedModel:
    """The active model, verified and loaded once per process, version and hash.

    Raises ArtifactError when no model is active or the artifact must not be used.
    """
    entry = active_entry(session, registry)
    if entry is None:
        raise UnknownVersionError(f"no active model in {registry.root}")
    key = str(registry.root)
    with _loaded_lock:
        cached = _loaded.get(key)
        if cached is None or cached[0] != entry:
            model = registry.load(entry.version, expected_sha256=entry.artifact_sha256)
            _loaded[key] = cached = (entry, model)
        return cached[1]


def _register(session: so.Session, version: str, artifact_sha256: str) -> CreditModelVersion:
    """The version's row, created on first sight; refused if it was registered with another hash."""
    row = session.scalar(sa.select(CreditModelVersion).where(CreditModelVersion.version == version))
    if row is None:
        row = CreditModelVersion(version=version, artifact_sha256=artifact_sha256, active=False)
        session.add(row)
    elif row.artifact_sha256 != artifact_sha256:
        # Another artifact under the same name: a copy of the registry that diverged, or an edit.
        raise TamperedArtifactError(
            f"model {version}: the artifact's SHA-256 {artifact_sha256[:12]}… is not the "
            f"{row.artifact_sha256[:12]}… it was registered with; refusing to use it"
        )
    return row


def train(
    session: so.Session,
    registry: ModelRegistry,
    *,
    actor,
    trained_by: str,
    data: Path | None = None,
    target: str | None = None,
    kind: str = "hgb",
    folds: int = 5,
    repeats: int = 1,
    seed: int = 0,
) -> str:
    """Train the default model (or one on a CSV), save and register it as a new version; audited."""
    from scoring import training

    if data is None:
        trained = training.train_default(folds=folds, repeats=repeats, seed=seed)
    else:
        trained = training.train_csv(data, target, kind=kind, folds=folds, repeats=repeats, seed=seed)
    version = registry.save(trained, trained_by=trained_by)
    meta = registry.metadata(version)
    _register(session, version, meta["artifact_sha256"])
    audit.record(
        session,
        actor=actor,
        action="model.trained",
        object_type="model",
        object_id=version,
        payload={
            "artifact_sha256": meta["artifact_sha256"],
            "data_sha256": meta["training_data"]["sha256"],
            "rows": meta["training_data"]["rows"],
            "roc_auc": round(meta["cv"]["roc_auc"]["mean"], 4),
            "trained_by": trained_by,
        },
    )
    return version


def promote(
    session: so.Session,
    registry: ModelRegistry,
    version: str,
    *,
    actor,
    promoted_by: str | None = None,
) -> None:
    """Make `version` the active model (verified first), in the caller's transaction; audited.

    `promoted_by` names who promoted it when `actor` is not a user (a CLI's operating-system
    account); the actor's email otherwise.
    """
    _activate(session, registry, version, actor=actor, promoted_by=promoted_by, note={})


def _activate(
    session: so.Session,
    registry: ModelRegistry,
    version: str,
    *,
    actor,
    promoted_by: str | None,
    note: dict,
) -> None:
    meta = registry.metadata(version)
    if meta.get("feature_builder") != STATEMENT_BUILDER:
        # A model trained on another CSV's columns cannot read financial statements.
        raise ArtifactError(
            f"model {version} was trained on {meta['training_data']['source']} columns, not on "
            "statement ratios, so it cannot score applications; only statement models are promoted"
        )
    row = _register(session, version, meta["artifact_sha256"])
    registry.load(version)  # refuse an unknown, tampered or incompatible artifact
    # Promotions are serialised by the audit chain's lock (held to the end of the transaction),
    # taken before the active row is read: "previous" is the version this one really replaces.
    audit.lock_chain(session)
    previous = _active_row(session)
    label = promoted_by or getattr(actor, "email", None) or "system"
    # Off first, then on, in two statements: the unique index checks each one, and the ORM
    # would otherwise order the two updates by primary key.
    session.execute(sa.update(CreditModelVersion).where(CreditModelVersion.active).values(active=False))
    row.active, row.promoted_at, row.promoted_by = True, utcnow(), label
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="model.promoted",
        object_type="model",
        object_id=version,
        payload={
            "previous": None if previous is None else previous.version,
            "artifact_sha256": meta["artifact_sha256"],
            "promoted_by": label,
            **note,
        },
    )


def ensure_active_model(
    session: so.Session,
    registry: ModelRegistry,
    *,
    trained_by: str,
    progress: Callable[[str], object] = lambda message: None,
) -> str:
    """The active version; when no row is active, adopt the registry's ``ACTIVE`` file once,
    or else train the default model and promote it (first run), telling `progress` what it does
    (training takes tens of seconds, minutes on a busy machine)."""
    row = _active_row(session)
    if row is not None:
        return row.version
    legacy = registry.active_version()
    if legacy is not None:
        _activate(
            session,
            registry,
            legacy,
            actor=None,
            promoted_by=trained_by,
            note={"adopted_from": "registry ACTIVE file"},
        )
        return legacy
    progress(
        "No credit model is active yet: training the default model on the shipped data with 5-fold "
        "cross-validation (about half a minute on 2 free cores; longer on a busy machine)..."
    )
    started = time.monotonic()
    version = train(session, registry, actor=None, trained_by=trained_by)
    roc_auc = registry.metadata(version)["cv"]["roc_auc"]["mean"]
    progress(
        f"Trained {version} in {time.monotonic() - started:.0f} s (cross-validated ROC AUC {roc_auc:.3f})."
    )
    promote(session, registry, version, actor=None, promoted_by=trained_by)
    return version
