import json
import shutil

import numpy as np
import pytest

from scoring.registry import (
    ArtifactError,
    LibraryVersionError,
    ModelRegistry,
    TamperedArtifactError,
    UnknownVersionError,
)
from scoring.statements import FEATURES

from .conftest import small_polish_dataset, train_small
from .test_scoring_statements import PRIORS, STATEMENT

WEAK = {**STATEMENT, "net_profit": -400, "profit_before_tax": -380, "operating_profit": -350,
        "total_liabilities": 1900, "current_liabilities": 1500, "equity": 100,
        "retained_earnings": -600, "cash": 5}  # fmt: skip


def copy_version(registry, version, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(registry.root, root)
    return ModelRegistry(root)


def test_metadata_records_governance_and_report_card(shared_registry):
    registry, version = shared_registry
    meta = registry.metadata(version)
    for key in (
        "version",
        "created_at",
        "trained_by",
        "artifact_sha256",
        "libraries",
        "cv",
        "features",
        "training_data",
        "grade_bands",
        "calibration",
        "score_histogram",
        "grade_table",
        "feature_distributions",
        "score_distribution",
    ):
        assert key in meta, key
    assert meta["features"] == list(FEATURES)
    assert len(meta["training_data"]["sha256"]) == 64 and meta["training_data"]["rows"] == 1500
    assert meta["created_at"].endswith("+00:00") and meta["trained_by"] == "pytest"
    assert 0.5 < meta["cv"]["roc_auc"]["mean"] <= 1.0
    assert sum(r["count"] for r in meta["calibration"]) == 1500
    assert sum(r["count"] for r in meta["grade_table"]) == 1500
    assert sum(meta["score_histogram"]["counts"]) == 1500
    assert [v["version"] for v in registry.versions()] == [version]


def test_training_is_reproducible_with_the_same_seed(small_trained):
    again = train_small(seed=0)
    assert again.metadata["cv"] == small_trained.metadata["cv"]
    X = small_polish_dataset().X
    np.testing.assert_array_equal(again.pipeline.predict_proba(X), small_trained.pipeline.predict_proba(X))


def test_artifact_round_trip_gives_identical_pds(small_trained, loaded_model):
    X = small_polish_dataset().X
    expected = small_trained.pipeline.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(loaded_model.assess_batch(X), expected)


def test_tampered_artifact_is_refused(shared_registry, tmp_path):
    registry, version = shared_registry
    copy = copy_version(registry, version, tmp_path)
    with open(copy.root / version / "model.joblib", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(TamperedArtifactError, match="SHA-256"):
        copy.load(version)
    with pytest.raises(TamperedArtifactError):
        copy.promote(version)
    assert copy.active_version() is None


def test_artifact_from_other_sklearn_version_is_refused(shared_registry, tmp_path):
    registry, version = shared_registry
    copy = copy_version(registry, version, tmp_path)
    path = copy.root / version / "metadata.json"
    meta = json.loads(path.read_text())
    meta["libraries"]["sklearn"] = "0.24.2"
    path.write_text(json.dumps(meta))
    with pytest.raises(LibraryVersionError, match="sklearn 0.24.2"):
        copy.load(version)


def test_promote_sets_the_single_active_version(shared_registry, small_trained, tmp_path):
    registry, version = shared_registry
    copy = copy_version(registry, version, tmp_path)
    assert copy.active_version() is None
    second = copy.save(small_trained, trained_by="pytest")
    assert second > version and [m["version"] for m in copy.versions()] == [version, second]
    copy.promote(second)
    assert copy.active_version() == second
    copy.promote(version)
    assert copy.active_version() == version
    assert copy.load_active().version == version
    with pytest.raises(UnknownVersionError):
        copy.promote("v9999")
    with pytest.raises(UnknownVersionError):
        copy.load("../etc")
    assert copy.active_version() == version


def test_assessment_of_a_statement(loaded_model):
    result = loaded_model.assess(STATEMENT, PRIORS)
    assert 0.0 < result.pd < 1.0
    assert result.grade in "ABCDE" and result.model_version == loaded_model.version
    assert result.max_rate_bps == {"A": 800, "B": 1000, "C": 1200, "D": 1500, "E": 1800}[result.grade]
    data = result.to_dict()
    assert set(data["features"]) == set(FEATURES)
    json.dumps(data, allow_nan=False)  # NaN features are stored as null
    custom = loaded_model.assess(STATEMENT, rate_table={g: 999 for g in "ABCDE"})
    assert custom.max_rate_bps == 999


def test_reasons_name_real_features_in_both_languages(loaded_model):
    weak = loaded_model.assess(WEAK)
    strong = loaded_model.assess(STATEMENT, PRIORS)
    assert weak.pd > strong.pd and weak.score < strong.score
    assert 1 <= len(weak.reasons) <= 3
    for reason in weak.reasons:
        assert reason.feature in FEATURES
        assert reason.code.startswith(f"R_{reason.feature.upper()}_")
        assert reason.pd_increase > 0
        if reason.value is not None:
            assert f"{reason.value:.2f}" in reason.text_en
            assert f"{reason.value:.2f}" in reason.text_zh
        assert any("\u4e00" <= ch <= "\u9fff" for ch in reason.text_zh)
        assert reason.text_en.isascii()
    increases = [r.pd_increase for r in weak.reasons]
    assert increases == sorted(increases, reverse=True)


def test_debt_ratio_reason_text(loaded_model):
    result = loaded_model.assess({**WEAK, "total_liabilities": 1740})
    texts = {r.feature: (r.text_zh, r.text_en) for r in result.reasons}
    if "Attr2" in texts:  # only when the model ranks it among the top three
        assert texts["Attr2"] == ("资产负债率偏高：0.87", "Debt ratio is high: 0.87")


def test_batch_and_single_assessments_agree(loaded_model):
    from scoring.statements import statement_features

    features = statement_features(WEAK)
    import pandas as pd

    batch = loaded_model.assess_batch(pd.DataFrame([features]))
    assert batch[0] == pytest.approx(loaded_model.assess(WEAK).pd)


def test_generic_model_refuses_statement_assessment(tmp_path):
    from scoring.training import train_csv

    path = tmp_path / "tiny.csv"
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    rows = ["x,label", *(f"{v:.3f},{'bad' if v + rng.normal() > 1 else 'good'}" for v in x)]
    path.write_text("\n".join(rows) + "\n")
    registry = ModelRegistry(tmp_path / "reg")
    version = registry.save(train_csv(path, "label", folds=3), trained_by="t")
    model = registry.load(version)
    with pytest.raises(ArtifactError, match="assess_features"):
        model.assess(STATEMENT)
    assert model.assess_features({"x": 3.0}).pd > model.assess_features({"x": -3.0}).pd


@pytest.mark.slow
def test_train_default_model_saves_and_promotes_the_full_model(tmp_path):
    from scoring.training import train_default_model

    registry = ModelRegistry(tmp_path / "models")
    version = train_default_model(registry, trained_by="pytest", folds=2)
    assert registry.active_version() == version
    meta = registry.metadata(version)
    assert meta["training_data"]["rows"] == 5910 and meta["cv"]["roc_auc"]["mean"] > 0.9
    assert registry.load_active().assess(WEAK).grade in "DE"
