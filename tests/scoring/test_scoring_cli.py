import json

import numpy as np
import pytest

from scoring.cli import main
from scoring.registry import ModelRegistry


def write_mixed_csv(path, rows=300, seed=3):
    """Numeric + text columns, missing values, a good/bad label."""
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 15, rows)
    sector = rng.choice(["retail", "food", "tech"], rows)
    risk = -0.08 * (income - 50) + np.where(sector == "food", 1.0, 0.0) + rng.normal(0, 1, rows)
    label = np.where(risk > 0.8, "bad", "good")
    lines = ["income,sector,region,label"]
    for i in range(rows):
        inc = "" if i % 17 == 0 else f"{income[i]:.2f}"
        sec = "" if i % 23 == 0 else sector[i]
        lines.append(f"{inc},{sec},{'north' if i % 2 else 'south'},{label[i]}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_generic_trainer_on_text_columns_missing_values_and_labels(tmp_path, capsys):
    data = write_mixed_csv(tmp_path / "mixed.csv")
    out = tmp_path / "models"
    code = main(
        [
            "train",
            "--data",
            str(data),
            "--target",
            "label",
            "--out",
            str(out),
            "--folds",
            "3",
            "--trained-by",
            "analyst",
            "--promote",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "ROC AUC" in printed and "KS" in printed and "Brier" in printed and "±" in printed
    assert "positive (bad) label 'bad'" in printed
    registry = ModelRegistry(out)
    version = registry.active_version()
    meta = registry.metadata(version)
    assert meta["positive_label"] == "bad" and meta["trained_by"] == "analyst"
    assert meta["feature_kinds"] == {"income": "numeric", "sector": "text", "region": "text"}
    assert meta["cv"]["roc_auc"]["mean"] > 0.7
    model = registry.load(version)
    worse = model.assess_features({"income": 20.0, "sector": "food", "region": "north"})
    better = model.assess_features({"income": 80.0, "sector": "tech", "region": "north"})
    assert worse.pd > better.pd
    unseen = model.assess_features({"income": None, "sector": "mining", "region": None})
    assert 0 < unseen.pd < 1
    json.dumps(worse.to_dict(), allow_nan=False)


def test_evaluate_prints_cv_metrics_only(tmp_path, capsys):
    data = write_mixed_csv(tmp_path / "mixed.csv")
    assert (
        main(
            [
                "evaluate",
                "--data",
                str(data),
                "--target",
                "label",
                "--folds",
                "3",
                "--repeats",
                "2",
                "--kind",
                "logreg",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "2x3-fold" in printed and "ROC AUC" in printed
    assert not (tmp_path / "instance").exists()


def test_german_credit_trains_unchanged(capsys):
    from pathlib import Path

    data = Path(__file__).parent / "data" / "german_credit.csv"
    assert main(["evaluate", "--data", str(data), "--target", "default", "--folds", "3"]) == 0
    assert "positive (bad) label '1'" in capsys.readouterr().out


def _bad(tmp_path, name, content, target="label"):
    path = tmp_path / name
    path.write_bytes(content)
    return ["evaluate", "--data", str(path), "--target", target, "--folds", "2"]


@pytest.mark.parametrize(
    ("name", "content", "target", "message"),
    [
        ("no_target.csv", b"a,b\n1,2\n3,4\n", "label", "target column 'label' not found"),
        ("one_class.csv", b"a,label\n1,good\n2,good\n3,good\n", "label", "only one class"),
        ("three.csv", b"a,label\n1,x\n2,y\n3,z\n4,x\n", "label", "need exactly two"),
        ("empty.csv", b"", "label", "empty"),
        ("header_only.csv", b"a,label\n", "label", "no rows"),
        ("binary.csv", bytes(range(256)) * 4, "label", "not a CSV text file"),
        ("latin.csv", b"a,label\n\xff\xfe,1\n", "label", "not a UTF-8 CSV"),
        ("tiny.csv", b"a,label\n1,0\n2,1\n3,0\n", "label", "smaller class has 1 rows"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(tmp_path, capsys, name, content, target, message):
    assert main(_bad(tmp_path, name, content, target)) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["evaluate", "--data", str(tmp_path / "nope.csv"), "--target", "y"]) == 2
    assert "no such file" in capsys.readouterr().err
