"""Credit scoring of SME loan applications: features, model, registry, report card."""

from .charts import bar_chart_svg, calibration_svg
from .dataset import DataError
from .registry import (
    ArtifactError,
    LibraryVersionError,
    LoadedModel,
    ModelRegistry,
    TamperedArtifactError,
    UnknownVersionError,
)
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
from .training import TrainedModel, train_csv, train_default, train_default_model

__all__ = [
    "DEFAULT_RATE_TABLE",
    "FEATURES",
    "GRADE_BANDS",
    "LEFT_OUT",
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
