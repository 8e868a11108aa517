from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scoring.dataset import load_default_dataset
from scoring.registry import ModelRegistry
from scoring.statements import PRIOR_YEAR_FEATURES
from scoring.training import STATEMENT_BUILDER, train_model

DATA_DIR = Path(__file__).parent / "data"
SMALL_HGB = {"max_iter": 30, "learning_rate": 0.1, "max_leaf_nodes": 8}


def small_polish_dataset(rows: int = 1500, seed: int = 0):
    """A reproducible subsample of the shipped Polish data (keeps tests fast)."""
    data = load_default_dataset()
    idx = np.sort(np.random.default_rng(seed).choice(len(data.y), size=rows, replace=False))
    return replace(data, X=data.X.iloc[idx].reset_index(drop=True), y=data.y[idx])


def train_small(seed: int = 0):
    """A small statement-feature model trained with few trees and 3-fold CV."""
    return train_model(
        small_polish_dataset(),
        params=SMALL_HGB,
        folds=3,
        repeats=1,
        seed=seed,
        source="polish-subsample",
        feature_builder=STATEMENT_BUILDER,
        neutral_missing=PRIOR_YEAR_FEATURES,
    )


@pytest.fixture(scope="session")
def small_trained():
    return train_small()


@pytest.fixture(scope="session")
def shared_registry(tmp_path_factory, small_trained):
    registry = ModelRegistry(tmp_path_factory.mktemp("registry"))
    version = registry.save(small_trained, trained_by="pytest")
    return registry, version


@pytest.fixture(scope="session")
def loaded_model(shared_registry):
    registry, version = shared_registry
    return registry.load(version)
