"""Charts as SVG strings, for the PDF reports and the dashboard: vector, so sharp in print.

One message per chart: bars against a target, capacity against the norm, stoplight counts, the
realism forecast. Every chart carries a ``<title>`` and text labels, so it does not rely on
colour alone. Sizes are in SVG user units; the page scales the chart to its column width.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from ..core import number, percent

FONT = "font-family=\"'Segoe UI', Arial, 'DejaVu Sans', sans-serif\""
INK, MUTED, GRID = "#1b2733", "#5b6875", "#d5dbe1"
MAIN, LIGHT, TARGET, ACCENT = "#1f4e79", "#9dbbd8", "#b34700", "#6b7f93"
UNKNOWN = "#d0d4d9"  # dwellings of unknown planstatus: neither hard nor soft
STOPLIGHT_FILL = {"groen": "#2e7d32", "geel": "#f0c419", "rood": "#c62828"}
STOPLIGHT_TEXT = {"groen": "#ffffff", "geel": "#1b2733", "rood": "#ffffff"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    target: float | None = None


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 11,
    anchor: str = "middle",
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}" {FONT}>{escape(text)}</text>'
    )


def _nice_max(value: float) -> float:
    """A round upper bound for an axis (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _legend(items: Sequence[tuple[str, str, str]], x: float, y: float) -> list[str]:
    """Legend entries (kind, colour, label); kind is "box", "line" or "dash"."""
    parts = []
    for kind, colour, label in items:
        if kind == "box":
            parts.append(
                f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="12" fill="{colour}"/>'
            )
        else:
            dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 3:.1f}" x2="{x + 16:.1f}" '
                f'y2="{y - 3:.1f}" stroke="{colour}" stroke-width="2.5"{dash}/>'
            )
        parts.append(_text(x + 20, y + 1, label, size=10, anchor="start", fill=MUTED))
        x += 28 + 6.2 * len(label)
    return parts


def below(value: float | None, target: float | None) -> bool:
    """The one stoplight rule for every indicator with a target or norm: red when below it."""
    return value is not None and target is not None and value < target


def bars_against_target(
    bars: Sequence[Bar],
    title: str,
    *,
    width: int = 720,
    height: int = 210,
    bar_label: str = "gepland",
    target_label: str = "doel",
    peak: float | None = None,
) -> str:
    """Vertical bars with a value above each, the target per bar as a short dashed line, and an
    axis with its scale. Charts meant to be compared pass the same ``peak``: one scale."""
    top, bottom, left, right = 26, 34, 44, 8
    plot_h = height - top - bottom
    highest = max([b.value for b in bars] + [b.target or 0 for b in bars] + [1])
    peak = _nice_max(max(highest, peak or 0))
    slot = (width - left - right) / max(len(bars), 1)
    body = []
    for tick in (0.0, peak / 2, peak):
        ty = top + plot_h - plot_h * tick / peak
        body.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 4, ty + 3.5, number(tick), size=9, anchor="end", fill=MUTED))
    for i, bar in enumerate(bars):
        x = left + i * slot
        h = plot_h * bar.value / peak
        y = top + plot_h - h
        short = below(bar.value, bar.target)
        body.append(
            f'<rect x="{x + slot * 0.18:.1f}" y="{y:.1f}" width="{slot * 0.64:.1f}" '
            f'height="{h:.1f}" fill="{MAIN}"><title>{escape(bar.label)}: '
            f"{number(bar.value)}</title></rect>"
        )
        label_y = y - 5
        if bar.target is not None:
            ty = top + plot_h - plot_h * bar.target / peak
            body.append(
                f'<line x1="{x + slot * 0.08:.1f}" y1="{ty:.1f}" '
                f'x2="{x + slot * 0.92:.1f}" y2="{ty:.1f}" stroke="{TARGET}" '
                f'stroke-width="2.5" stroke-dasharray="5 3"/>'
            )
            if ty - 4 < label_y + 2 and ty + 12 > label_y - 9:
                label_y = ty - 5  # never struck through by the target line: above it
        body.append(
            _text(
                x + slot / 2,
                label_y,
                number(bar.value),
                size=10,
                fill=TARGET if short else INK,
                weight="bold" if short else "normal",
            )
        )
        body.append(_text(x + slot / 2, top + plot_h + 14, bar.label, size=10, fill=MUTED))
    body += _legend([("box", MAIN, bar_label), ("dash", TARGET, target_label)], left, height - 4)
    return _svg(width, height, title, body)


def capacity_against_norm(
    hard: int,
    soft: int,
    target: int,
    norm: float,
    title: str,
    *,
    unknown: int = 0,
    width: int = 640,
    height: int = 110,
) -> str:
    """One stacked bar of hard and soft plan capacity, with the target and the norm marked;
    dwellings of unknown planstatus follow in grey, outside the capacity."""
    left, right, top, bar_h = 8, 8, 30, 30
    norm_dwellings = target * norm
    peak = _nice_max(max(hard + soft + unknown, norm_dwellings, 1) * 1.05)
    scale = (width - left - right) / peak
    hard_w, soft_w, unknown_w = hard * scale, soft * scale, unknown * scale
    body = [
        f'<rect x="{left}" y="{top}" width="{hard_w:.1f}" height="{bar_h}" fill="{MAIN}"/>',
        f'<rect x="{left + hard_w:.1f}" y="{top}" width="{soft_w:.1f}" height="{bar_h}" '
        f'fill="{LIGHT}"/>',
    ]
    if unknown:
        body.append(
            f'<rect x="{left + hard_w + soft_w:.1f}" y="{top}" width="{unknown_w:.1f}" '
            f'height="{bar_h}" fill="{UNKNOWN}"/>'
        )
    if hard_w > 60:
        body.append(
            _text(left + hard_w / 2, top + 19, f"hard {number(hard)}", size=10, fill="#ffffff")
        )
    if soft_w > 60:
        body.append(_text(left + hard_w + soft_w / 2, top + 19, f"zacht {number(soft)}", size=10))
    for value, label in (
        (target, f"doel {number(target)}"),
        (norm_dwellings, f"norm {percent(norm, 0)}: {number(norm_dwellings)}"),
    ):
        x = left + value * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{top + bar_h + 8}" '
            f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
        anchor = "end" if x > width * 0.8 else "start"
        dx = -4 if anchor == "end" else 4
        y = top - 12 if value == target else top + bar_h + 20
        body.append(_text(x + dx, y, label, size=10, anchor=anchor, fill=TARGET))
    legend = [("box", MAIN, "hard (vastgesteld)"), ("box", LIGHT, "zacht")]
    if unknown:
        legend.append(("box", UNKNOWN, "planstatus onbekend (telt niet mee)"))
    body += _legend(legend, left, height - 4)
    return _svg(width, height, title, body)


def stoplight_counts(
    counts: Mapping[str, int], title: str, *, width: int = 640, height: int = 44
) -> str:
    """One stacked bar of agreements (or projects) per colour, each segment labelled."""
    total = sum(counts.values())
    body: list[str] = []
    if total == 0:
        body.append(_text(width / 2, height / 2, "geen", size=11, fill=MUTED))
        return _svg(width, height, title, body)
    x = 0.0
    for colour, count in counts.items():
        if not count:
            continue
        w = width * count / total
        body.append(
            f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="{height - 8}" '
            f'fill="{STOPLIGHT_FILL.get(colour, ACCENT)}" stroke="#ffffff" '
            f'stroke-width="2"/>'
        )
        label = f"{count} {colour}" if w > 70 else str(count)
        body.append(
            _text(
                x + w / 2,
                height / 2 + 4,
                label,
                size=12,
                weight="bold",
                fill=STOPLIGHT_TEXT.get(colour, "#ffffff"),
            )
        )
        x += w
    return _svg(width, height, title, body)


def share_against_target(
    share: float | None,
    target: float,
    label: str,
    title: str,
    *,
    width: int = 640,
    height: int = 56,
) -> str:
    """A horizontal bar of a share (0–100%) with the target marked; the label red when the
    share is below the target (the stoplight rule of :func:`below`)."""
    left, right, top, bar_h = 8, 8, 18, 20
    span = width - left - right
    value = share or 0.0
    short = below(share, target)
    body = [
        f'<rect x="{left}" y="{top}" width="{span}" height="{bar_h}" fill="{GRID}"/>',
        f'<rect x="{left}" y="{top}" width="{span * min(value, 1):.1f}" height="{bar_h}" '
        f'fill="{MAIN}"/>',
        _text(
            left + 4,
            top - 5,
            f"{label}: {percent(share)}" + (" (onder het doel)" if short else ""),
            size=11,
            anchor="start",
            weight="bold",
            fill=TARGET if short else INK,
        ),
    ]
    tx = left + span * min(target, 1)
    body.append(
        f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{top + bar_h + 4}" '
        f'stroke="{TARGET}" stroke-width="2.5"/>'
    )
    body.append(_text(tx, top + bar_h + 14, f"doel {percent(target)}", size=10, fill=TARGET))
    return _svg(width, height, title, body)


def forecast_lines(
    years: Sequence[int],
    series: Sequence[tuple[str, str, str, Sequence[float]]],
    title: str,
    *,
    width: int = 720,
    height: int = 220,
) -> str:
    """Lines per year; a series is (label, colour, kind "line"/"dash", values)."""
    top, bottom, left, right = 18, 36, 44, 12
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max([v for *_, values in series for v in values] + [1]))
    step = plot_w / max(len(years) - 1, 1)
    body = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(
            _text(left - 4, y + 4, number(peak * fraction), size=9, anchor="end", fill=MUTED)
        )
    for i, year in enumerate(years):
        body.append(_text(left + i * step, top + plot_h + 14, str(year), size=10, fill=MUTED))
    for label, colour, kind, values in series:
        points = " ".join(
            f"{left + i * step:.1f},{top + plot_h * (1 - v / peak):.1f}"
            for i, v in enumerate(values)
        )
        dash = ' stroke-dasharray="6 4"' if kind == "dash" else ""
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="2.5"{dash}><title>{escape(label)}</title></polyline>'
        )
        for i, v in enumerate(values):
            body.append(
                f'<circle cx="{left + i * step:.1f}" '
                f'cy="{top + plot_h * (1 - v / peak):.1f}" r="2.5" fill="{colour}"/>'
            )
    body += _legend([(kind, colour, label) for label, colour, kind, _ in series], left, height - 4)
    return _svg(width, height, title, body)
