"""Versioned model artifacts on disk: save, list, verify-and-load.

The registry also keeps an ``ACTIVE`` pointer file for the standalone ``python -m scoring``
command. The platform does not use it to decide which model scores applications: it keeps the
active version in its database (``marketplace.services.credit_models``) and reads this file
only once, to adopt the version a deployment had promoted before.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from .artifacts import STATEMENT_BUILDER, TrainedModel, library_versions
from .dataset import file_sha256
from .errors import ArtifactError, LibraryVersionError, TamperedArtifactError, UnknownVersionError
from .scorecard import (
    Assessment,
    grade_for_pd,
    max_rate_bps,
    score_from_pd,
    substitution_frame,
    top_reasons,
)
from .statements import statement_features

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
ACTIVE_FILE = "ACTIVE"
# Versions must match exactly for these: a pickled estimator is only guaranteed to behave the
# same under the library versions that wrote it (scikit-learn "Model persistence").
PINNED_LIBRARIES = ("sklearn", "numpy")
_VERSION_RE = re.compile(r"^v(\d{4,})$")


def _write_atomic(path: Path, text: str) -> None:
    """Write a file so readers see the old or the new content, never a partial one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LoadedModel:
    """A verified model ready to score applications."""

    def __init__(self, pipeline: Pipeline, metadata: Mapping[str, Any]):
        self.pipeline = pipeline
        self.metadata = dict(metadata)
        self.version: str = self.metadata["version"]
        self.features: list[str] = list(self.metadata["features"])
        self.reference: dict[str, Any] = dict(self.metadata["reference_values"])
        self.bands = [(b["grade"], float(b["pd_below"])) for b in self.metadata["grade_bands"]]

    def _frame(self, rows: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
        missing = [f for f in self.features if f not in frame.columns]
        if missing:
            frame = frame.assign(**{f: np.nan for f in missing})
        return frame[self.features]

    def assess_batch(self, feature_frame: pd.DataFrame) -> np.ndarray:
        """Calibrated PDs for many feature rows in one vectorised call."""
        return self.pipeline.predict_proba(self._frame(feature_frame))[:, 1]

    def assess_features(
        self, features: Mapping[str, Any], rate_table: Mapping[str, int] | None = None
    ) -> Assessment:
        """Assess one row of model features (any model, including generic ones)."""
        row = self._frame([{f: features.get(f) for f in self.features}])
        # One predict_proba call: the application plus one row per feature set to its
        # training reference, so reasons cost a single vectorised pass.
        pds = self.pipeline.predict_proba(substitution_frame(row, self.reference))[:, 1]
        pd_value = float(pds[0])
        grade = grade_for_pd(pd_value, self.bands)
        table = rate_table if rate_table is not None else self.metadata.get("rate_table_bps")
        values = {f: _plain(row.iat[0, i]) for i, f in enumerate(self.features)}
        return Assessment(
            pd=pd_value,
            score=score_from_pd(pd_value),
            grade=grade,
            max_rate_bps=max_rate_bps(grade, table),
            reasons=top_reasons(row, pds, self.reference),
            model_version=self.version,
            features=values,
        )

    def assess(
        self,
        statement: Mapping[str, Any],
        prior_statements: Sequence[Mapping[str, Any]] = (),
        rate_table: Mapping[str, int] | None = None,
    ) -> Assessment:
        """Assess an application from its financial statement (+ prior years, newest first)."""
        if self.metadata.get("feature_builder") != STATEMENT_BUILDER:
            raise ArtifactError(
                f"model {self.version} was not trained on statement ratios; use assess_features"
            )
        return self.assess_features(statement_features(statement, prior_statements), rate_table)


def _plain(value: Any) -> float | str | None:
    if value is None:
        return None
    if isinstance(value, float | int | np.floating | np.integer):
        return float(value)
    return None if pd.isna(value) else str(value)


class ModelRegistry:
    """Model artifacts under ``root/<version>/`` plus an ``ACTIVE`` pointer file (standalone use)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _version_dirs(self) -> list[str]:
        if not self.root.is_dir():
            return []
        names = [p.name for p in self.root.iterdir() if p.is_dir() and _VERSION_RE.match(p.name)]
        return sorted(names, key=lambda n: int(n[1:]))

    def save(self, trained: TrainedModel, *, trained_by: str) -> str:
        """Store a trained model as a new version (v0001, v0002, …) and return the version."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".staging-"))
        try:
            joblib.dump(trained.pipeline, staging / MODEL_FILE)
            metadata = dict(trained.metadata)
            metadata.update(
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                trained_by=trained_by,
                artifact_sha256=file_sha256(staging / MODEL_FILE),
                libraries=metadata.get("libraries") or library_versions(),
            )
            existing = self._version_dirs()
            number = int(existing[-1][1:]) + 1 if existing else 1
            while True:
                version = f"v{number:04d}"
                metadata["version"] = version
                (staging / METADATA_FILE).write_text(
                    json.dumps(metadata, indent=2, ensure_ascii=False), encoding="utf-8"
                )
                try:  # rename is atomic; a concurrent writer that took the number makes it fail
                    os.rename(staging, self.root / version)
                    return version
                except OSError:
                    if not (self.root / version).exists():
                        raise
                    number += 1
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def metadata(self, version: str) -> dict[str, Any]:
        """The metadata of one version (not verified against the artifact)."""
        path = self.root / version / METADATA_FILE
        if not _VERSION_RE.match(version) or not path.is_file():
            raise UnknownVersionError(f"no model version {version!r} in {self.root}")
        return json.loads(path.read_text(encoding="utf-8"))

    def versions(self) -> list[dict[str, Any]]:
        """Metadata of every version, oldest first."""
        return [self.metadata(v) for v in self._version_dirs()]

    def load(self, version: str, *, expected_sha256: str | None = None) -> LoadedModel:
        """Verify an artifact (SHA-256, library versions) and load it.

        `expected_sha256` is a hash recorded outside the registry (the platform's database):
        the metadata file is not signed, so it must agree with that record as well.
        """
        meta = self.metadata(version)
        if expected_sha256 is not None and meta.get("artifact_sha256") != expected_sha256:
            raise TamperedArtifactError(
                f"model {version}: the metadata's SHA-256 {str(meta.get('artifact_sha256'))[:12]}… "
                f"is not the registered {expected_sha256[:12]}…; refusing to load"
            )
        model_path = self.root / version / MODEL_FILE
        if not model_path.is_file():
            raise TamperedArtifactError(f"model {version}: {MODEL_FILE} is missing")
        actual = file_sha256(model_path)
        if actual != meta.get("artifact_sha256"):
            raise TamperedArtifactError(
                f"model {version}: {MODEL_FILE} SHA-256 {actual[:12]}… does not match the "
                f"recorded {str(meta.get('artifact_sha256'))[:12]}…; refusing to load"
            )
        running = library_versions()
        recorded = meta.get("libraries", {})
        for lib in PINNED_LIBRARIES:
            if recorded.get(lib) != running[lib]:
                raise LibraryVersionError(
                    f"model {version} was trained with {lib} {recorded.get(lib)} but "
                    f"{running[lib]} is running; retrain it or install the recorded version"
                )
        # Safe to unpickle only now: the bytes are exactly those this registry wrote.
        pipeline = joblib.load(model_path)
        return LoadedModel(pipeline, meta)

    def active_version(self) -> str | None:
        """The version the ``ACTIVE`` file names, or None when there is no such file."""
        pointer = self.root / ACTIVE_FILE
        if not pointer.is_file():
            return None
        return pointer.read_text(encoding="utf-8").strip() or None

    def promote(self, version: str) -> None:
        """Point the ``ACTIVE`` file at a verified version (atomic replace; standalone use)."""
        self.load(version)  # refuse to activate an unknown, tampered or incompatible model
        _write_atomic(self.root / ACTIVE_FILE, version + "\n")

    def load_active(self) -> LoadedModel:
        """Load the active version; ArtifactError when none is promoted."""
        version = self.active_version()
        if version is None:
            raise UnknownVersionError(f"no active model in {self.root}")
        return self.load(version)


__all__ = [
    "ArtifactError",
    "LibraryVersionError",
    "LoadedModel",
    "ModelRegistry",
    "TamperedArtifactError",
    "UnknownVersionError",
]
