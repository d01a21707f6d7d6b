"""Inline SVG charts generated in Python: no JavaScript, no CDN, no plotting library.

Reports are opened from e-mail attachments and behind firewalls, so every chart is plain
markup embedded in the page. All labels go through ``escape`` because they can come from
data (channel names, theme terms).
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Callable, Sequence

from bot.nps.labels import fmt_num

PALETTE = ("#2f6f9f", "#e07b39", "#4c9a5f", "#b5485d", "#7a5ea8", "#c9a227", "#3b9ab2", "#8c6d46")
GOOD, NEUTRAL, BAD = "#4c9a5f", "#c9a227", "#b5485d"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""          # shown after the value, e.g. "n=120"
    color: str = PALETTE[0]


def _fmt(value: float, decimals: int, lang: str) -> str:
    return fmt_num(float(value), decimals, lang)


def _wrap(label: str, width: int) -> list[str]:
    """At most two lines of at most ``width`` characters, broken between words; an ellipsis
    only when even two lines cannot hold the label (the full text stays in the tooltip)."""
    words, lines, current = label.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    if len(lines[-1]) > width:
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines


def bar_chart(bars: Sequence[Bar], *, title: str = "", width: int = 560, decimals: int = 0,
              suffix: str = "", signed: bool = False, lang: str = "it", label_w: int = 170,
              number: Callable[[float], str] | None = None) -> str:
    """Horizontal bars; ``signed`` draws a zero axis in the middle (for NPS, -100..100).

    Labels wrap on two lines within ``label_w`` pixels rather than being cut; ``number``
    formats the values (default: ``decimals`` decimals in ``lang``'s locale)."""
    fmt = number or (lambda v: _fmt(v, decimals, lang))
    if not bars:
        return f'<p class="empty">{escape(title)}: —</p>'
    chars = max(10, label_w // 6)
    wrapped = [_wrap(b.label, chars) for b in bars]
    row, pad = (36 if any(len(w) > 1 for w in wrapped) else 26), 8
    height = row * len(bars) + (24 if title else 4)
    top = 22 if title else 2
    plot_w = width - label_w - 110
    peak = max((abs(b.value) for b in bars), default=0.0) or 1.0
    if signed:
        peak = max(peak, 100.0) if suffix == "" else peak
    zero_x = label_w + (plot_w / 2 if signed else 0)
    scale = (plot_w / 2 if signed else plot_w) / peak
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" class="chart">']
    if title:
        parts.append(f'<text x="0" y="14" class="chart-title">{escape(title)}</text>')
    for i, bar in enumerate(bars):
        y = top + i * row
        length = abs(bar.value) * scale
        x = zero_x - length if (signed and bar.value < 0) else zero_x
        lines = wrapped[i]
        first_y = y + row / 2 + 4 - (6 if len(lines) > 1 else 0)
        spans = "".join(f'<tspan x="{label_w - pad}" y="{first_y + 12 * j:.1f}">{escape(line)}</tspan>'
                        for j, line in enumerate(lines))
        parts.append(f'<text text-anchor="end" class="chart-label">{spans}</text>')
        parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{max(length, 1):.1f}" height="{row - 8}" '
                     f'fill="{escape(bar.color)}"><title>{escape(bar.label)}: {fmt(bar.value)}'
                     f'{escape(suffix)}</title></rect>')
        text_x = (zero_x + plot_w / 2 if signed else label_w + length) + pad
        note = f" ({escape(bar.note)})" if bar.note else ""
        parts.append(f'<text x="{text_x:.1f}" y="{y + row / 2 + 4:.1f}" class="chart-value">'
                     f'{fmt(bar.value)}{escape(suffix)}{note}</text>')
    if signed:
        parts.append(f'<line x1="{zero_x}" y1="{top}" x2="{zero_x}" y2="{height}" stroke="#555" stroke-width="1"/>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar(segments: Sequence[tuple[str, float, str]], *, title: str = "", width: int = 560,
                lang: str = "it") -> str:
    """One 100% bar split into labelled segments, e.g. detractors/passives/promoters."""
    total = sum(v for _, v, _ in segments)
    if total <= 0:
        return f'<p class="empty">{escape(title)}: —</p>'
    height = 64 if title else 44
    top = 22 if title else 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" class="chart">']
    if title:
        parts.append(f'<text x="0" y="14" class="chart-title">{escape(title)}</text>')
    x = 0.0
    for label, value, color in segments:
        w = width * value / total
        share = 100 * value / total
        parts.append(f'<rect x="{x:.1f}" y="{top}" width="{w:.1f}" height="22" fill="{escape(color)}">'
                     f'<title>{escape(label)}: {_fmt(share, 1, lang)}%</title></rect>')
        if w > 60:
            parts.append(f'<text x="{x + 4:.1f}" y="{top + 15}" class="chart-inbar">{escape(label)} {_fmt(share, 0, lang)}%</text>')
        x += w
    parts.append("</svg>")
    return "".join(parts)


def line_chart(points: Sequence[tuple[str, float | None]], *, title: str = "", width: int = 560,
               height: int = 200, y_min: float = -100, y_max: float = 100, suffix: str = "",
               lang: str = "it") -> str:
    """A line over labelled x points (months); ``None`` values leave a gap (e.g. a month with
    too few answers, which would otherwise plot as a cliff)."""
    if not any(v is not None for _, v in points):
        return f'<p class="empty">{escape(title)}: —</p>'
    # The right margin leaves room for the last month's label, centred on its point.
    left, right, top, bottom = 44, 36, 24 if title else 8, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (y_max - y_min) or 1.0
    step = plot_w / max(len(points) - 1, 1)

    def y_of(v: float) -> float:
        return top + plot_h * (1 - (min(max(v, y_min), y_max) - y_min) / span)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" class="chart">']
    if title:
        parts.append(f'<text x="0" y="14" class="chart-title">{escape(title)}</text>')
    for tick in (y_min, (y_min + y_max) / 2, y_max):
        y = y_of(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="chart-label">{tick:.0f}</text>')
    segment: list[str] = []
    label_every = max(1, len(points) // 8)
    for i, (label, value) in enumerate(points):
        x = left + i * step if len(points) > 1 else left + plot_w / 2
        if i % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" class="chart-label">'
                         f'{escape(label)}</text>')
        if value is None:
            if len(segment) > 1:
                parts.append(f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="2" points="{" ".join(segment)}"/>')
            segment = []
            continue
        segment.append(f"{x:.1f},{y_of(value):.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y_of(value):.1f}" r="3" fill="{PALETTE[0]}">'
                     f'<title>{escape(label)}: {_fmt(value, 1, lang)}{escape(suffix)}</title></circle>')
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="2" points="{" ".join(segment)}"/>')
    parts.append("</svg>")
    return "".join(parts)


def nps_color(nps: float | None) -> str:
    """Green from NPS 30, amber from 0, red below; grey when there is no score."""
    if nps is None:
        return "#999"
    return GOOD if nps >= 30 else NEUTRAL if nps >= 0 else BAD
