"""Server-side SVG charts: readable in seconds, no JavaScript, no CDN.

Pure functions of labels and numbers; the templates embed the returned markup.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = [
    "#9b1c31",
    "#2f6f3e",
    "#1f5f8b",
    "#c77d00",
    "#6a4c93",
    "#4d908e",
    "#8c564b",
    "#7f7f7f",
]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def bar_chart(
    labels: Sequence[str], series: Sequence[Series], *, title: str, height: int = 220
) -> SafeString:
    """Grouped vertical bars, one group per label, with a legend and value labels."""
    n_groups, n_series = len(labels), max(len(series), 1)
    width = max(320, 40 + n_groups * (12 + 14 * n_series))
    top, bottom, left = 28, 40, 36
    plot_h = height - top - bottom
    peak = max([v for s in series for v in s.values] + [1])
    group_w = (width - left - 8) / max(n_groups, 1)
    bar_w = max(4.0, min(18.0, (group_w - 6) / n_series))
    longest = max((len(str(label)) for label in labels), default=1)
    label_step = max(1, math.ceil(longest * 6.5 / max(group_w, 1)))
    parts = [_title(title)]
    for tick in (0, 0.5, 1):
        y = top + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="#666">{_fmt(peak * tick)}</text>'
        )
    for g, label in enumerate(labels):
        x0 = left + g * group_w + (group_w - bar_w * n_series) / 2
        for s_index, s in enumerate(series):
            value = s.values[g] if g < len(s.values) else 0
            h = plot_h * value / peak
            x, y = x0 + s_index * bar_w, top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{PALETTE[s_index % len(PALETTE)]}">'
                f"<title>{escape(s.name)} {escape(str(label))}: {_fmt(value)}</title></rect>"
            )
        if g % label_step == 0:  # thin out labels so they never overlap
            parts.append(
                f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle" font-size="10" fill="#333">{escape(str(label))}</text>'
            )
    parts.append(_legend([s.name for s in series], y=height - 10))
    return _svg(width, height, title, parts)


def donut_chart(
    parts_in: Sequence[tuple[str, float]], *, title: str, size: int = 220
) -> SafeString:
    """A donut of shares with a legend; labels carry the count and the percentage."""
    total = sum(v for _, v in parts_in) or 1
    cx, cy, r = size / 2, size / 2 + 10, size / 2 - 30
    parts, angle = [_title(title)], -math.pi / 2
    for i, (label, value) in enumerate(parts_in):
        if value <= 0:
            continue
        sweep = 2 * math.pi * value / total
        if sweep >= 2 * math.pi - 1e-6:
            sweep = 2 * math.pi - 1e-4
        x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
        x2, y2 = cx + r * math.cos(angle + sweep), cy + r * math.sin(angle + sweep)
        large = 1 if sweep > math.pi else 0
        parts.append(
            f'<path d="M{x1:.1f},{y1:.1f} A{r},{r} 0 {large} 1 {x2:.1f},{y2:.1f}" fill="none" '
            f'stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="26"><title>{escape(label)}: {_fmt(value)}</title></path>'
        )
        angle += sweep
    parts.append(
        f'<text x="{cx}" y="{cy + 5}" text-anchor="middle" font-size="16" font-weight="700">{_fmt(total if parts_in else 0)}</text>'
    )
    legend_x = size + 10
    for i, (label, value) in enumerate(parts_in):
        y = 40 + i * 18
        parts.append(
            f'<rect x="{legend_x}" y="{y - 10}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        parts.append(
            f'<text x="{legend_x + 18}" y="{y}" font-size="12">{escape(label)} {_fmt(value)} ({100 * value / total:.0f}%)</text>'
        )
    return _svg(size + 230, max(size + 20, 50 + 18 * len(parts_in)), title, parts)


def _title(title: str) -> str:
    return f'<text x="4" y="16" font-size="13" font-weight="700">{escape(title)}</text>'


def _legend(names: Sequence[str], *, y: float) -> str:
    out, x = [], 40
    for i, name in enumerate(names):
        out.append(
            f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        out.append(f'<text x="{x + 14}" y="{y}" font-size="11">{escape(name)}</text>')
        x += 24 + 12 * len(name)
    return "".join(out)


def _svg(width: float, height: float, title: str, parts: list[str]) -> SafeString:
    body = "".join(parts)
    return mark_safe(  # noqa: S308 - every label above goes through html.escape
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" style="max-width:{width:.0f}px" xmlns="http://www.w3.org/2000/svg" '
        f"font-family=\"system-ui, 'WenQuanYi Micro Hei', sans-serif\">{body}</svg>"
    )


def _fmt(value: float) -> str:
    return (
        f"{value:,.0f}"
        if abs(value) >= 10 or float(value).is_integer()
        else f"{value:.1f}"
    )


def hbar_chart(
    items: Sequence[tuple[str, float]], *, title: str, width: int = 560
) -> SafeString:
    """Horizontal bars for categories with long names (stages, designs): label, bar, value."""
    row_h, top, label_w = 22, 28, 210
    height = top + row_h * max(len(items), 1) + 8
    peak = max([v for _, v in items] + [1])
    bar_space = width - label_w - 50
    parts = [_title(title)]
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        w = bar_space * value / peak
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">{escape(str(label))}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{PALETTE[0]}">'
            f"<title>{escape(str(label))}: {_fmt(value)}</title></rect>"
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="12">{_fmt(value)}</text>'
        )
    return _svg(width, height, title, parts)
