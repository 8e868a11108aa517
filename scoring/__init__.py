"""Credit scoring of SME loan applications: features, model, registry, report card.

Submodules load on first use (PEP 562 module ``__getattr__``): ``from scoring import
ModelRegistry`` imports scikit-learn, while ``from scoring import ArtifactError`` or
``import scoring.statements`` does not, so a web worker that never scores pays nothing for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> the submodule that defines it.
_EXPORTS: dict[str, str] = {
    "bar_chart_svg": "charts",
    "calibration_svg": "charts",
    "ArtifactError": "errors",
    "DataError": "errors",
    "LibraryVersionError": "errors",
    "TamperedArtifactError": "errors",
    "UnknownVersionError": "errors",
    "STATEMENT_BUILDER": "artifacts",
    "TrainedModel": "artifacts",
    "LoadedModel": "registry",
    "ModelRegistry": "registry",
    "feature_psi": "report",
    "psi": "report",
    "score_psi": "report",
    "DEFAULT_RATE_TABLE": "scorecard",
    "GRADE_BANDS": "scorecard",
    "Assessment": "scorecard",
    "Reason": "scorecard",
    "grade_for_pd": "scorecard",
    "max_rate_bps": "scorecard",
    "score_from_pd": "scorecard",
    "FEATURES": "statements",
    "LEFT_OUT": "statements",
    "STATEMENT_FIELDS": "statements",
    "key_ratios": "statements",
    "statement_features": "statements",
    "train_csv": "training",
    "train_default": "training",
    "train_default_model": "training",
}

__all__ = [
    "DEFAULT_RATE_TABLE",
    "FEATURES",
    "GRADE_BANDS",
    "LEFT_OUT",
    "STATEMENT_BUILDER",
    "STATEMENT_FIELDS",
    "ArtifactError",
    "Assessment",
    "DataError",
    "LibraryVersionError",
    "LoadedModel",
    "ModelRegistry",
    "Reason",
    "TamperedArtifactError",
    "TrainedModel",
    "UnknownVersionError",
    "bar_chart_svg",
    "calibration_svg",
    "feature_psi",
    "grade_for_pd",
    "key_ratios",
    "max_rate_bps",
    "psi",
    "score_from_pd",
    "score_psi",
    "statement_features",
    "train_csv",
    "train_default",
    "train_default_model",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # what type checkers and IDEs see; nothing is imported at run time
    from .artifacts import STATEMENT_BUILDER, TrainedModel
    from .charts import bar_chart_svg, calibration_svg
    from .errors import (
        ArtifactError,
        DataError,
        LibraryVersionError,
        TamperedArtifactError,
        UnknownVersionError,
    )
    from .registry import LoadedModel, ModelRegistry
    from .report import feature_psi, psi, score_psi
    from .scorecard import (
        DEFAULT_RATE_TABLE,
        GRADE_BANDS,
        Assessment,
        Reason,
        grade_for_pd,
        max_rate_bps,
        score_from_pd,
    )
    from .statements import FEATURES, LEFT_OUT, STATEMENT_FIELDS, key_ratios, statement_features
    from .training import train_csv, train_default, train_default_model
