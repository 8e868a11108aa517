"""Small self-contained SVG charts rendered on the server (no JavaScript, no CDN)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

_W, _H = 480, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 32, 48


def _svg(body: list[str], title: str) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="11">'
    )
    title_el = (
        f'<title>{escape(title)}</title><text x="{_W / 2}" y="18" '
        f'text-anchor="middle" font-size="13">{escape(title)}</text>'
    )
    return "".join([head, title_el, *body, "</svg>"])


def _axes() -> list[str]:
    x0, y0, y1 = _LEFT, _H - _BOTTOM, _TOP
    return [
        f'<line x1="{x0}" y1="{y0}" x2="{_W - _RIGHT}" y2="{y0}" stroke="#333"/>',
        f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#333"/>',
    ]


def bar_chart_svg(labels: Sequence[object], values: Sequence[float], title: str) -> str:
    """A vertical bar chart as one <svg> string; text is HTML-escaped."""
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    body = _axes()
    n = max(len(values), 1)
    top = max([float(v) for v in values] + [0.0]) or 1.0
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    slot = plot_w / n
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * max(float(value), 0.0) / top
        x = _LEFT + i * slot + slot * 0.1
        y = _H - _BOTTOM - h
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
            f'fill="#4a78b5"><title>{escape(str(label))}: {escape(f"{value:g}")}</title></rect>'
        )
        body.append(
            f'<text x="{x + slot * 0.4:.1f}" y="{_H - _BOTTOM + 14}" text-anchor="middle">'
            f"{escape(str(label))}</text>"
        )
    body.append(f'<text x="{_LEFT - 4}" y="{_TOP + 4}" text-anchor="end">{top:g}</text>')
    return _svg(body, title)


def calibration_svg(
    table: Sequence[Mapping[str, float]],
    title: str = "Calibration",
    *,
    x_label: str = "predicted PD",
    y_label: str = "observed rate",
) -> str:
    """Predicted vs observed default rate per bin, with the diagonal of perfect calibration.

    The axis labels are parameters so that callers can pass them in the reader's language.
    """
    top = max(
        [float(r["mean_predicted"]) for r in table] + [float(r["observed_rate"]) for r in table] + [0.01]
    )
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def point(px: float, py: float) -> tuple[float, float]:
        return _LEFT + plot_w * px / top, _H - _BOTTOM - plot_h * py / top

    body = _axes()
    (x0, y0), (x1, y1) = point(0, 0), point(top, top)
    body.append(
        f'<line x1="{x0}" y1="{y0}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="#999" stroke-dasharray="4 3"/>'
    )
    pts = [point(float(r["mean_predicted"]), float(r["observed_rate"])) for r in table]
    if pts:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        body.append(f'<polyline points="{path}" fill="none" stroke="#c0392b" stroke-width="2"/>')
    for (x, y), r in zip(pts, table, strict=True):
        tip = (
            f"{x_label} {float(r['mean_predicted']):.3f}, {y_label} "
            f"{float(r['observed_rate']):.3f}, n={int(r['count'])}"
        )
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#c0392b"><title>{escape(tip)}</title></circle>'
        )
    body.append(f'<text x="{_W / 2}" y="{_H - 12}" text-anchor="middle">{escape(x_label)}</text>')
    body.append(f'<text x="{_LEFT - 4}" y="{_TOP + 4}" text-anchor="end">{top:.2f}</text>')
    body.append(
        f'<text x="12" y="{_H / 2}" transform="rotate(-90 12 {_H / 2})" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    return _svg(body, title)
