"""Server-rendered SVG charts drawn by pygal, inlined in pages: no JavaScript, no stylesheet, no URL.

pygal lays out the axes, ticks and labels; this module then makes its output fit the app. The
site's Content-Security-Policy (``style-src 'self'``) would block pygal's inline ``<style>``, so
colours and fonts become SVG presentation attributes, which CSP does not govern, and the
JavaScript hooks (``<desc>`` data, the tooltip layer) become native ``<title>`` tooltips. pygal
loads on the first chart drawn, so importing this module costs only the standard library.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - builds our own SVG, never parses input

# The viewBox; the <svg> scales to its column (width 100 %). 400 units keep 12-unit labels at
# about 10 px on a 390 px phone, where the card's content box is ~340 px wide.
WIDTH, HEIGHT = 400, 300
FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
LABEL_SIZE, TITLE_SIZE = 12, 14
INK, SUBTLE, GRID = "#212529", "#6c757d", "#dee2e6"
BLUE, RED = "#2f6db5", "#c0392b"
_PLOT_MARGIN = 70  # y labels and padding: the x axis gets about WIDTH - 70 units


def _pygal() -> Any:
    """pygal, loaded on first use and held to the standard library's ElementTree."""
    import pygal
    from pygal.etree import etree

    etree.to_etree()  # with lxml installed pygal would return lxml nodes; we edit ElementTree ones
    # pygal 3.1.3 appends to sys.meta_path a finder for map plugins (unused here) that lacks
    # find_spec: after it, every failed optional import in the process raises an ImportWarning
    # (an error under pytest's "error" filter; an AttributeError from Python 3.12).
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)]
    return pygal


def _style(pygal: Any, colors: tuple[str, ...]) -> Any:
    return pygal.style.Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground=INK,
        foreground_strong=INK,
        foreground_subtle=SUBTLE,
        colors=colors,
        font_family=FONT_FAMILY,
        label_font_size=LABEL_SIZE,
        major_label_font_size=LABEL_SIZE,
        legend_font_size=LABEL_SIZE,
        title_font_size=TITLE_SIZE,
        value_font_size=LABEL_SIZE,
        tooltip_font_size=LABEL_SIZE,
        no_data_font_size=TITLE_SIZE,
    )


def _config(pygal: Any, title: str, colors: tuple[str, ...], **options: Any) -> dict[str, Any]:
    return {
        "style": _style(pygal, colors),
        "title": title,
        "width": WIDTH,
        "height": HEIGHT,
        "explicit_size": False,
        "disable_xml_declaration": True,
        "js": [],
        "css": [],
        "truncate_label": -1,  # labels are thinned or rotated instead of cut
        "show_legend": False,
        "max_scale": 6,  # at most about six y ticks: room for each label on a phone
        "margin": 8,
        "spacing": 8,
        **options,
    }


def text_width(text: str, font_size: float = LABEL_SIZE) -> float:
    """Estimated width of a label: CJK characters are about 1 em wide, Latin ones 0.6 em."""
    return sum(1.0 if ord(char) >= 0x2E80 else 0.6 for char in text) * font_size


def x_label_layout(
    labels: Sequence[str], plot_width: float, font_size: float = LABEL_SIZE
) -> tuple[int, int]:
    """(every, rotation): show every k-th x label, rotated by so many degrees, so none overlap.

    Labels that fit side by side stay level; otherwise all are rotated by 45° when their line
    height fits a slot (a short list of names: each is worth showing); otherwise every k-th
    stays level (a long ordered scale: the others can be read off their neighbours).
    """
    if not labels:
        return 1, 0
    slot = plot_width / len(labels)
    widest = max(text_width(label, font_size) for label in labels) + font_size / 2
    if widest <= slot:
        return 1, 0
    if font_size * 1.5 <= slot:
        return 1, 45
    return math.ceil(widest / slot), 0


def nice_ticks(top: float, target: int = 5) -> list[float]:
    """Ticks 0, s, 2s, … covering `top`, with s a 1, 2, 2.5 or 5 × 10^n step (4 to 7 ticks)."""
    top = max(float(top), 1e-9)
    raw = top / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 12) for i in range(count + 1)]


def percent_formatter(ticks: Sequence[float]) -> Callable[[float], str]:
    """Format fractions as percentages with as many decimals as the tick step needs."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = next((d for d in range(5) if abs(round(step * 100, d) - step * 100) < 1e-9), 4)
    return lambda value: f"{value * 100:.{decimals}f}%"


def bar_chart_svg(
    labels: Sequence[object],
    values: Sequence[float],
    title: str,
    *,
    x_title: str | None = None,
    y_title: str | None = None,
) -> str:
    """A vertical bar chart as one <svg> string: one bar per value, x labels that never overlap.

    All text (title, labels, axis titles) is escaped; each bar's tooltip names label and value.
    """
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    pygal = _pygal()
    names = [str(label) for label in labels]
    every, rotation = x_label_layout(names, WIDTH - _PLOT_MARGIN)
    chart = pygal.Bar(
        **_config(
            pygal,
            title,
            (BLUE,),
            x_title=x_title,
            y_title=y_title,
            x_labels_major_every=every,
            show_minor_x_labels=every == 1,
            x_label_rotation=rotation,
            show_x_guides=False,
        )
    )
    chart.x_labels = names
    chart.add(title, [float(value) for value in values])
    root = chart.render_tree()
    tips = [f"{name}: {float(value):g}" for name, value in zip(names, values, strict=True)]
    return _finish(root, title, tips, item_class="bar", colors=(BLUE,))


def calibration_svg(
    table: Sequence[Mapping[str, float]],
    title: str = "Calibration",
    *,
    x_label: str = "predicted PD",
    y_label: str = "observed rate",
    model_label: str = "model",
    diagonal_label: str = "perfect calibration",
) -> str:
    """Predicted vs observed default rate per bin (an XY chart), with the diagonal y = x.

    Callers pass the title, axis titles and legend names in the reader's language. Both axes
    share one scale from 0, ticked at round percentages; each point's tooltip gives both rates
    and the bin's count.
    """
    pygal = _pygal()
    points = [(float(r["mean_predicted"]), float(r["observed_rate"])) for r in table]
    ticks = nice_ticks(max([0.01] + [max(p) for p in points]))
    percent = percent_formatter(ticks)
    chart = pygal.XY(
        **_config(
            pygal,
            title,
            (SUBTLE, RED),
            x_title=x_label,
            y_title=y_label,
            x_labels=ticks,
            y_labels=ticks,
            xrange=(0, ticks[-1]),
            range=(0, ticks[-1]),
            value_formatter=percent,
            x_value_formatter=percent,
            show_x_guides=True,
            show_legend=True,
            legend_at_bottom=True,
            dots_size=3.5,
            stroke_style={"width": 2},
        )
    )
    chart.add(diagonal_label, [(0.0, 0.0), (ticks[-1], ticks[-1])], show_dots=False)
    chart.add(model_label, points)
    root = chart.render_tree()
    tips = [
        f"{x_label} {percent_detail(x)}, {y_label} {percent_detail(y)}, n={int(r['count'])}"
        for (x, y), r in zip(points, table, strict=True)
    ]
    return _finish(root, title, tips, item_class="dots", colors=(SUBTLE, RED), dashed_series=frozenset({0}))


def percent_detail(value: float) -> str:
    """A rate in a tooltip: two decimals of a percent."""
    return f"{value * 100:.2f}%"


# --- from pygal's tree to a self-contained, CSP-safe SVG ------------------------------------


def _classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def _finish(
    root: ET.Element,
    title: str,
    tips: Sequence[str],
    *,
    item_class: str,
    colors: tuple[str, ...],
    dashed_series: frozenset[int] = frozenset(),
) -> str:
    """Strip pygal's scripts, styles and hooks; paint with attributes; add accessibility and tips."""
    chart_id = root.get("id") or "chart"
    _prune(root)
    _paint(root, ancestors=frozenset(), color=None, colors=colors, dashed_series=dashed_series)
    items = [el for el in root.iter("g") if item_class in _classes(el)]
    for element, tip in zip(items, tips, strict=False):
        tooltip = ET.Element("title")
        tooltip.text = tip
        element.insert(0, tooltip)
    heading = root.find("title")
    if heading is None:
        heading = ET.Element("title")
        root.insert(0, heading)
    heading.text = title
    heading.set("id", f"{chart_id}-title")
    root.attrib.pop("class", None)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title")
    root.set("width", "100%")
    root.set("preserveAspectRatio", "xMidYMid meet")
    root.set("font-family", FONT_FAMILY)
    root.set("font-size", str(LABEL_SIZE))
    return ET.tostring(root, encoding="unicode")


def _prune(element: ET.Element) -> None:
    """Drop what needs JavaScript or CSS, or would repeat ids when charts share a page."""
    for child in list(element):
        tag, classes = child.tag, _classes(child)
        if (
            not isinstance(tag, str)  # comments (pygal's credits carry URLs)
            or tag in {"defs", "desc", "script", "style"}
            or "tooltip-overlay" in classes
        ):
            element.remove(child)
            continue
        child.attrib.pop("style", None)
        if (child.get("id") or "").startswith("activate-serie"):
            del child.attrib["id"]
        _prune(child)


def _paint(
    element: ET.Element,
    *,
    ancestors: frozenset[str],
    color: str | None,
    colors: tuple[str, ...],
    dashed_series: frozenset[int],
) -> None:
    """Give each node the fill, stroke and font pygal's stylesheet would have given it."""
    classes = _classes(element)
    for name in classes:
        if name.startswith("color-"):
            color = colors[int(name[6:]) % len(colors)]
    dashed = any(f"serie-{i}" in classes for i in dashed_series) or "dashed" in ancestors
    context = ancestors | classes | ({"dashed"} if dashed else frozenset())
    attributes = _attributes(element, classes, context, color)
    for key, value in attributes.items():
        element.set(key, value)
    for child in list(element):
        if (
            child.tag == "path"
            and {"vertical", "axis", "x"} <= context | _classes(child)
            and "always_show" not in context
            and "guide" in _classes(child)
        ):
            element.remove(child)  # pygal hides vertical guides of bar charts by CSS
            continue
        _paint(child, ancestors=context, color=color, colors=colors, dashed_series=dashed_series)


def _attributes(
    element: ET.Element, classes: set[str], context: frozenset[str], color: str | None
) -> dict[str, str]:
    tag = element.tag
    if tag == "rect" and "background" in classes:
        return {"fill": "#ffffff"}
    if tag == "text":
        size = TITLE_SIZE if "plot_title" in classes else LABEL_SIZE
        attrs = {"fill": INK, "font-size": str(size), "stroke": "none"}
        if "title" in classes or "centered" in classes:
            attrs["text-anchor"] = "middle"
        elif "axis" in context and "x" in context:
            attrs["text-anchor"] = "start" if element.get("transform") else "middle"  # rotated: hang
        elif "axis" in context and "y" in context:
            attrs["text-anchor"] = "end"
        return attrs
    if tag == "path" and "line" in classes and "axis" in context:
        if "guide" in classes:
            return {"fill": "none", "stroke": GRID, "stroke-dasharray": "4,4"}
        return {"fill": "none", "stroke": SUBTLE}
    if color and tag == "path" and "line" in classes:
        attrs = {"fill": "none", "stroke": color, "stroke-width": "2"}
        if "dashed" in context:
            attrs.update({"stroke-dasharray": "5,4", "stroke-width": "1.5"})
        return attrs
    if color and tag in {"rect", "circle"}:
        return {"fill": color, "fill-opacity": "0.85", "stroke": color, "stroke-width": "1"}
    return {}
