"""Hand-made inline SVG charts: no library, no script, they print and render from disk.

Every data mark carries the class ``mark`` (tests count them; colours come from the
page's CSS classes, so one palette serves screen and print) and a ``<title>`` (the
tooltip a browser shows, and what a screen reader reads).
"""

from __future__ import annotations

from html import escape
from typing import Sequence

from .model import FIX_CLASSES, HistoryPoint, RuleStat

LABELS = {
    "safe": "safe fix (check --fix)",
    "unsafe": "unsafe fix (--unsafe-fixes)",
    "evidence": "safe fix with evidence (--evidence)",
    "hand": "by hand",
}


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def fix_bar(counts: dict[str, int | None], width: int = 1000) -> str:
    """The headline: one bar split by how the diagnostics can be fixed."""
    total = sum(v or 0 for v in counts.values())
    height = 28
    parts = [f'<svg class="chart fix-bar" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="diagnostics by fix availability">']
    x = 0.0
    for kind in FIX_CLASSES:
        value = counts.get(kind) or 0
        if not value or not total:
            continue
        w = width * value / total
        share = 100.0 * value / total
        parts.append(
            f'<rect class="mark fix-{kind}" x="{_num(x)}" y="0" width="{_num(w)}" height="{height}">'
            f"<title>{escape(LABELS[kind])}: {value} ({share:.0f}%)</title></rect>"
        )
        if w > 44:
            parts.append(f'<text class="bar-label" x="{_num(x + w / 2)}" y="{height / 2 + 5:.0f}" '
                         f'text-anchor="middle">{share:.0f}%</text>')
        x += w
    if not total:
        parts.append(f'<rect class="empty" x="0" y="0" width="{width}" height="{height}"/>')
    parts.append("</svg>")
    return "".join(parts)


def rule_bars(rules: Sequence[RuleStat], width: int = 1000) -> str:
    """A stacked bar per rule (count, split by fix availability), each labelled with a
    link to the rule's explanation further down the page."""
    row, label_w, count_w = 24, 290, 56
    bar_w = width - label_w - count_w
    top = max((s.count for s in rules), default=0) or 1
    height = row * len(rules) + 4
    parts = [f'<svg class="chart rule-bars" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="diagnostics per rule">']
    for i, s in enumerate(rules):
        y = i * row + 3
        mis = " misconception" if s.misconception else ""
        parts.append(
            f'<a href="#rule-{escape(s.code)}"><text class="rule-label{mis}" x="0" y="{y + 15}">'
            f'<tspan class="code">{escape(s.code)}</tspan> {escape(s.name)}</text></a>'
        )
        x = float(label_w)
        for kind in FIX_CLASSES:
            value = getattr(s, kind)
            if not value:
                continue
            w = bar_w * value / top
            parts.append(
                f'<rect class="mark fix-{kind}" x="{_num(x)}" y="{y}" width="{_num(max(w, 1.5))}" height="{row - 8}">'
                f"<title>{escape(s.code)} {escape(s.name)}: {value} {escape(LABELS[kind])}</title></rect>"
            )
            x += w
        parts.append(f'<text class="count" x="{_num(x + 6)}" y="{y + 15}">{s.count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def runtime_bar(executed: int, static_total: int, runtime_only: int, width: int = 1000) -> str:
    """Static findings the runtime reached vs not, and the sites only the runtime saw, on
    one scale of findings/sites."""
    height = 28
    segments = [("ran", executed, "static findings executed"),
                ("not-ran", static_total - executed, "static findings not executed"),
                ("runtime-only", runtime_only, "sites seen only at run time")]
    total = sum(value for _, value, _ in segments) or 1
    parts = [f'<svg class="chart runtime-bar" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="static findings executed at run time">']
    x = 0.0
    for kind, value, label in segments:
        if not value:
            continue
        w = width * value / total
        parts.append(f'<rect class="mark rt-{kind}" x="{_num(x)}" y="0" width="{_num(w)}" height="{height}">'
                     f"<title>{escape(label)}: {value}</title></rect>")
        if w > 44:
            parts.append(f'<text class="bar-label" x="{_num(x + w / 2)}" y="{height / 2 + 5:.0f}" '
                         f'text-anchor="middle">{value}</text>')
        x += w
    parts.append("</svg>")
    return "".join(parts)


def history_line(points: Sequence[HistoryPoint], width: int = 1000, height: int = 240) -> str:
    """Legacy diagnostics per commit, oldest on the left."""
    left, right, top, bottom = 48, 16, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((p.diagnostics for p in points), default=0) or 1
    n = len(points)

    def at(i: int, value: int) -> tuple[float, float]:
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        return x, top + plot_h * (1 - value / peak)

    parts = [f'<svg class="chart history" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="legacy diagnostics per commit">']
    for fraction in (0, 0.5, 1):
        value = round(peak * fraction)
        _, y = at(0, value)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{_num(y + 4)}" text-anchor="end">{value}</text>')
    coords = [at(i, p.diagnostics) for i, p in enumerate(points)]
    if n > 1:
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
        parts.append(f'<polyline class="mark line" points="{path}"/>')
    for (x, y), p in zip(coords, points):
        parts.append(
            f'<circle class="mark point" cx="{_num(x)}" cy="{_num(y)}" r="4">'
            f"<title>{escape(p.short)} {escape(p.date[:10])}: {p.diagnostics} diagnostics in "
            f"{p.files_with_legacy} files - {escape(p.subject)}</title></circle>"
        )
    if points:
        for i, anchor in ((0, "start"), (n - 1, "end")) if n > 1 else ((0, "middle"),):
            x, _ = coords[i]
            label = f"{points[i].short[:7]} {points[i].date[:10]}"
            parts.append(f'<text class="axis" x="{_num(x)}" y="{height - 10}" '
                         f'text-anchor="{anchor}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
