"""Reading training CSVs and turning a target column into 0/1 (1 = bad / default)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError
from .statements import FEATURES

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_DATA_FILE = DATA_DIR / "polish_bankruptcy_5year.csv"
DEFAULT_TARGET = "default"

# Labels read as "bad" (positive class), compared case-insensitively after stripping.
# Numeric 0/1 targets use 1; otherwise a recognised label wins, else the minority class.
BAD_LABELS = frozenset({"1", "bad", "default", "defaulted", "yes", "true", "y"})


@dataclass(frozen=True)
class Dataset:
    """Features, a 0/1 target and where they came from."""

    X: pd.DataFrame
    y: np.ndarray
    target: str
    positive_label: str
    sha256: str
    dropped_missing_target: int = 0


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV file, raising DataError (never a parser traceback) for unusable files."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not head.strip():
        raise DataError(f"{path}: the file is empty")
    if b"\x00" in head:
        raise DataError(f"{path}: not a CSV text file (binary content)")
    try:
        frame = pd.read_csv(path, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a UTF-8 CSV text file ({exc.reason})") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: cannot parse as CSV ({exc})") from None
    if frame.empty:
        raise DataError(f"{path}: the file has a header but no rows")
    return frame


def binary_target(values: pd.Series, name: str) -> tuple[np.ndarray, str]:
    """Encode a two-valued target as 0/1 and return the label treated as positive (bad)."""
    labels = values.astype(str).str.strip()
    distinct = sorted(labels.unique())
    if len(distinct) < 2:
        raise DataError(f"target column {name!r} has only one class ({distinct[0]!r}); need two")
    if len(distinct) > 2:
        shown = ", ".join(repr(v) for v in distinct[:6])
        raise DataError(f"target column {name!r} has {len(distinct)} classes ({shown}); need exactly two")
    if pd.api.types.is_numeric_dtype(values) and {float(v) for v in values.unique()} == {0, 1}:
        positive = distinct[1] if float(distinct[1]) == 1 else distinct[0]
    else:
        known = [v for v in distinct if v.lower() in BAD_LABELS]
        if len(known) == 1:
            positive = known[0]
        else:
            counts = labels.value_counts()
            if counts.iloc[0] == counts.iloc[1]:
                raise DataError(
                    f"target column {name!r}: cannot tell which of {distinct} is 'bad' "
                    "(classes are equally frequent); recode it as 0/1 with 1 = bad"
                )
            positive = str(counts.idxmin())
    return (labels == positive).to_numpy(dtype=np.int8), positive


def dataset_from_frame(frame: pd.DataFrame, target: str, sha256: str = "", min_per_class: int = 2) -> Dataset:
    """Split a frame into features and a 0/1 target; DataError when it cannot be trained on."""
    if target not in frame.columns:
        cols = ", ".join(map(str, frame.columns[:10]))
        raise DataError(f"target column {target!r} not found; columns are: {cols}")
    missing = frame[target].isna()
    frame = frame.loc[~missing]
    if frame.empty:
        raise DataError(f"target column {target!r} is empty")
    y, positive = binary_target(frame[target], target)
    X = frame.drop(columns=[target])
    X = X.loc[:, X.notna().any()]  # a column with no value carries no information
    if X.shape[1] == 0:
        raise DataError("no feature columns besides the target")
    smallest = int(min(y.sum(), len(y) - y.sum()))
    if smallest < min_per_class:
        raise DataError(
            f"the smaller class has {smallest} rows; need at least {min_per_class} "
            "for stratified cross-validation"
        )
    return Dataset(
        X=X.reset_index(drop=True),
        y=y,
        target=target,
        positive_label=positive,
        sha256=sha256,
        dropped_missing_target=int(missing.sum()),
    )


def load_dataset(path: Path, target: str, min_per_class: int = 2) -> Dataset:
    """Read a CSV and prepare it for training."""
    frame = read_csv(path)
    return dataset_from_frame(frame, target, file_sha256(path), min_per_class)


def load_default_dataset(path: Path = DEFAULT_DATA_FILE) -> Dataset:
    """The shipped Polish 5-year data restricted to the statement-derivable features."""
    frame = read_csv(path)
    missing = [name for name in (*FEATURES, DEFAULT_TARGET) if name not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing columns {missing}")
    data = dataset_from_frame(frame[[*FEATURES, DEFAULT_TARGET]], DEFAULT_TARGET)
    if list(data.X.columns) != list(FEATURES):
        raise DataError(f"{path}: some feature columns hold no values")
    return replace(data, X=data.X.astype(float), sha256=file_sha256(path))
