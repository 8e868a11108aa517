"""The report card's charts: pygal output made self-contained, accessible and CSP-safe."""

import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: S405 - parses our own output

import pytest

from scoring.charts import bar_chart_svg, calibration_svg, nice_ticks, percent_formatter, x_label_layout

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[2]
CALIBRATION = [
    {"mean_predicted": 0.003, "observed_rate": 0.0, "count": 591},
    {"mean_predicted": 0.02, "observed_rate": 0.011, "count": 591},
    {"mean_predicted": 0.11, "observed_rate": 0.076, "count": 590},
    {"mean_predicted": 0.56, "observed_rate": 0.54, "count": 591},
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def axis_labels(root: ET.Element, axis: str) -> list[str]:
    """The visible tick labels of one axis ("x" or "y")."""
    for group in root.iter(f"{SVG}g"):
        if set(group.get("class", "").split()) >= {"axis", axis}:
            return [text.text for text in group.iter(f"{SVG}text")]
    return []


def test_a_bar_chart_has_one_bar_per_value_and_an_accessible_title():
    svg = bar_chart_svg(["A", "B", "C"], [3, 5, 0], "成绩分布", x_title="等级", y_title="企业数")
    root = parse(svg)
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "成绩分布"
    assert root.get("aria-labelledby") == title.get("id")
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert len(bars) == 3
    assert [bar.find(f"{SVG}title").text for bar in bars] == ["A: 3", "B: 5", "C: 0"]  # tooltips
    texts = {text.text for text in root.iter(f"{SVG}text")}
    assert {"等级", "企业数", "A", "B", "C"} <= texts
    assert root.get("width") == "100%" and root.get("viewBox") == "0 0 400 300"
    assert "Noto Sans CJK SC" in root.get("font-family") and root.get("font-family").endswith("sans-serif")


def test_many_bins_show_only_every_kth_label_so_none_overlap():
    labels = [f"{300 + 10 * i}–{310 + 10 * i}" for i in range(40)]
    root = parse(bar_chart_svg(labels, list(range(40)), "Scores"))
    shown = axis_labels(root, "x")
    every = labels.index(shown[1])
    assert every > 1 and shown == labels[::every]
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]) == 40


def test_a_few_long_names_are_rotated_rather_than_dropped():
    names = [f"Attr{i}" for i in range(1, 13)]
    root = parse(bar_chart_svg(names, [0.3 / i for i in range(1, 13)], "PSI"))
    texts = [t for t in root.iter(f"{SVG}text") if t.text in names]
    assert [t.text for t in texts] == names
    assert all("rotate(45" in t.get("transform", "") for t in texts)


def test_label_layout_keeps_labels_apart():
    assert x_label_layout(["A", "B", "C"], 330) == (1, 0)
    assert x_label_layout([f"Attr{i}" for i in range(12)], 330) == (1, 45)
    every, rotation = x_label_layout([f"{i}0–{i}9" for i in range(40)], 330)
    assert rotation == 0 and every * 330 / 40 >= len("30–39") * 0.6 * 12  # each shown label has room
    assert x_label_layout([], 330) == (1, 0)


def test_the_calibration_chart_has_ticks_on_both_axes_the_diagonal_and_tooltips():
    svg = calibration_svg(
        CALIBRATION,
        "预测与实际",
        x_label="预测违约概率",
        y_label="实际违约率",
        model_label="本模型",
        diagonal_label="完美校准",
    )
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "预测与实际"
    assert axis_labels(root, "x") == axis_labels(root, "y") == ["0%", "20%", "40%", "60%"]
    texts = {text.text for text in root.iter(f"{SVG}text")}
    assert {"预测违约概率", "实际违约率", "本模型", "完美校准"} <= texts
    diagonal = [p for p in root.iter(f"{SVG}path") if p.get("stroke-dasharray") == "5,4"]
    assert len(diagonal) == 1 and diagonal[0].get("d").startswith("M")
    dots = [g for g in root.iter(f"{SVG}g") if g.get("class") == "dots"]
    assert len(dots) == len(CALIBRATION) == svg.count("<circle")
    assert dots[2].find(f"{SVG}title").text == "预测违约概率 11.00%, 实际违约率 7.60%, n=590"


@pytest.mark.parametrize("top", [0.0, 0.004, 0.01, 0.073, 0.56, 1.0, 37.0])
def test_ticks_cover_the_data_with_at_least_three_round_steps(top):
    ticks = nice_ticks(top)
    assert len(ticks) >= 4 and ticks[0] == 0 and ticks[-1] >= top
    steps = {round(b - a, 12) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1


def test_percent_labels_have_the_decimals_the_step_needs():
    assert [percent_formatter(nice_ticks(0.56))(t) for t in nice_ticks(0.56)] == ["0%", "20%", "40%", "60%"]
    assert percent_formatter(nice_ticks(0.01))(0.002) == "0.2%"


def test_text_is_escaped_and_nothing_needs_a_script_a_stylesheet_or_a_url():
    svg = bar_chart_svg(["A", "B<script>alert(1)</script>"], [3, 5], "Grades & <counts>", x_title="<b>x</b>")
    root = parse(svg)
    assert "<script" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "Grades &amp; &lt;counts&gt;" in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    for chart in (svg, calibration_svg(CALIBRATION)):
        tags = {element.tag.removeprefix(SVG) for element in parse(chart).iter()}
        assert not tags & {"script", "style", "defs", "desc", "foreignObject", "image", "a"}
        assert "style=" not in chart  # CSP style-src 'self' would block inline styles
        assert re.findall(r"https?://[^\s\"'<>]+", chart) == ["http://www.w3.org/2000/svg"]
        assert "<!--" not in chart
    assert root.tag == f"{SVG}svg"


def test_two_charts_on_one_page_share_no_element_id():
    ids = []
    for chart in (bar_chart_svg(["a"], [1], "one"), calibration_svg(CALIBRATION, "two")):
        ids += [element.get("id") for element in parse(chart).iter() if element.get("id")]
    assert len(ids) == len(set(ids))


def test_labels_and_values_must_pair_up():
    with pytest.raises(ValueError, match="same length"):
        bar_chart_svg(["a", "b"], [1], "t")


def test_pygal_loads_with_the_first_chart_not_with_the_app_or_the_ledger():
    script = (
        "import sys\n"
        "import marketplace.services.ledger, scoring, scoring.charts\n"
        "assert 'pygal' not in sys.modules, 'imported too early'\n"
        "from marketplace.app import create_app\n"
        "assert 'pygal' not in sys.modules, 'the app imported pygal'\n"
        "scoring.charts.bar_chart_svg(['a'], [1], 't')\n"
        "assert 'pygal' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


def test_drawing_a_chart_leaves_the_import_system_as_it_was():
    script = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "from scoring.charts import bar_chart_svg\n"
        "bar_chart_svg(['a'], [1], 't')\n"
        "try:\n"
        "    import surely_not_installed_module\n"
        "except ImportError:\n"
        "    pass\n"
        "assert not any(type(f).__name__ == 'PluginImportFixer' for f in sys.meta_path)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
