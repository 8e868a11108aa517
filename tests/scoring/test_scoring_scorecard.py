import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.charts import bar_chart_svg, calibration_svg
from scoring.report import feature_psi, psi, score_psi
from scoring.scorecard import (
    DEFAULT_RATE_TABLE,
    grade_for_pd,
    make_reason,
    max_rate_bps,
    score_from_pd,
)

PDS = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def test_score_is_600_at_odds_50_to_1():
    assert score_from_pd(1 / 51) == 600


def test_doubling_the_odds_adds_20_points():
    assert score_from_pd(1 / 101) == 620  # odds 100:1
    assert score_from_pd(1 / 26) == 580  # odds 25:1


def test_extreme_pds_are_clamped_to_finite_scores():
    assert score_from_pd(0.0) == score_from_pd(1e-9) == 886
    assert score_from_pd(1.0) == 88


@given(PDS, PDS)
def test_grades_and_scores_are_monotone_in_pd(a, b):
    low, high = sorted((a, b))
    assert grade_for_pd(low) <= grade_for_pd(high)  # "A" < "B" < … < "E"
    assert score_from_pd(low) >= score_from_pd(high)


def test_grade_bands_and_rate_table():
    grades = [grade_for_pd(p) for p in (0.005, 0.01, 0.02, 0.05, 0.1, 0.5)]
    assert grades == ["A", "B", "B", "C", "D", "E"]
    assert max_rate_bps("A") == DEFAULT_RATE_TABLE["A"] == 800
    assert max_rate_bps("C", {"C": 1111}) == 1111
    with pytest.raises(KeyError):
        max_rate_bps("F")


def test_reason_texts_name_the_ratio_and_value_in_both_languages():
    high = make_reason("Attr2", 0.8712, 0.5, 0.1)
    assert (high.code, high.text_zh, high.text_en) == (
        "R_ATTR2_HIGH",
        "资产负债率偏高：0.87",
        "Debt ratio is high: 0.87",
    )
    low = make_reason("Attr4", 0.4, 1.3, 0.05)
    assert low.code == "R_ATTR4_LOW" and low.text_en == "Current ratio is low: 0.40"
    missing = make_reason("Attr21", math.nan, 1.0, 0.01)
    assert missing.code == "R_ATTR21_MISSING" and missing.value is None
    assert "missing" in missing.text_en and "缺失" in missing.text_zh


def test_psi_is_zero_for_identical_and_grows_with_shift():
    base = [0.1] * 10
    assert psi(base, base) == 0.0
    shifts = []
    for slope in (0.5, 2.0, 8.0):
        tilted = np.linspace(1, 1 + slope, 10)
        shifts.append(psi(base, tilted / tilted.sum()))
    assert 0 < shifts[0] < shifts[1] < shifts[2]
    assert math.isfinite(psi([0.5, 0.5, 0.0], [0.0, 0.5, 0.5]))


def test_feature_and_score_psi_against_training_metadata(small_trained):
    from .conftest import small_polish_dataset

    meta = small_trained.metadata
    X = small_polish_dataset().X
    same = feature_psi(meta, X)
    assert set(same) == set(meta["features"])
    assert max(same.values()) < 1e-9
    shifted = feature_psi(meta, X.assign(Attr2=X["Attr2"] + 0.5))
    assert shifted["Attr2"] > 0.25 and shifted["Attr1"] < 1e-9
    scores = [score_from_pd(p) for p in small_trained.pipeline.predict_proba(X)[:, 1]]
    assert score_psi(meta, scores) < score_psi(meta, [s - 100 for s in scores])
    rows = X.head(50).to_dict("records")
    assert set(feature_psi(meta, rows)) == set(meta["features"])


def test_charts_are_self_contained_escaped_svg(small_trained):
    svg = bar_chart_svg(["A", "B<script>"], [3, 5], "Grades & <counts>")
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag.endswith("svg")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp;" in svg
    svg = calibration_svg(small_trained.metadata["calibration"])
    assert ET.fromstring(svg).tag.endswith("svg")  # noqa: S314 - our own output
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert svg.count("<circle") == len(small_trained.metadata["calibration"])
