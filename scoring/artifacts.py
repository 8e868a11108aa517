"""What a stored model is made of: a fitted pipeline, its metadata and the library versions.

Training produces these and the registry stores them; both import this module, neither imports
the other for it. Importing it loads no third-party library, so the platform can read
`STATEMENT_BUILDER` without paying for scikit-learn.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

STATEMENT_BUILDER = "statement_features"  # LoadedModel.assess builds features with it


def library_versions() -> dict[str, str]:
    """Versions recorded with every artifact (sklearn and numpy must match at load time)."""
    import joblib
    import numpy as np
    import pandas as pd
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }


@dataclass(frozen=True)
class TrainedModel:
    """A fitted pipeline plus the metadata to store beside it."""

    pipeline: Pipeline
    metadata: dict[str, Any]
