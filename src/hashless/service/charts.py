"""The dashboard's migration chart: stacked bars as inline SVG, no script, no build step."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from hashless.ops.status import DayStates

__all__ = ["SERIES", "migration_chart"]

SERIES = (
    ("legacy", "legacy hash", "#d2553f"),
    ("migrated", "migrated to Cognito", "#2f8f5b"),
    ("registered", "registered in Cognito", "#3b73b9"),
    ("none", "no password", "#a0a0a0"),
)
"""(field of DayStates, legend label, colour), bottom to top."""

_WIDTH, _HEIGHT = 760, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 12, 28


def _tick_step(peak: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten whose four steps reach ``peak``."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if 4 * factor * power >= peak:
                return factor * power
        power *= 10


def migration_chart(history: Sequence[DayStates]) -> Markup:
    """Customers by credential state at the end of each day, one stacked bar per day."""
    peak = max((sum(getattr(d, f) for f, _, _ in SERIES) for d in history), default=0)
    step = _tick_step(max(peak, 1))
    top = 4 * step
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    slot = plot_w / max(len(history), 1)
    bar = max(slot * 0.7, 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="migration-chart" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-label="Customers by credential state per day">'
    ]
    for tick in range(5):
        value = step * tick
        y = _TOP + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}" '
            f'stroke="#e3e3e3"/><text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#555">{value:,}</text>'
        )
    label_every = max(1, len(history) // 10)
    for index, day in enumerate(history):
        x = _LEFT + index * slot + (slot - bar) / 2
        y = _TOP + plot_h
        counts = ", ".join(f"{getattr(day, f):,} {label}" for f, label, _ in SERIES)
        parts.append(f'<g class="day" data-day="{day.day.isoformat()}">')
        parts.append(f"<title>{escape(day.day.isoformat())}: {escape(counts)}</title>")
        for field, _, colour in SERIES:
            count = getattr(day, field)
            if not count:
                continue
            height = plot_h * count / top
            y -= height
            parts.append(
                f'<rect class="{field}" data-count="{count}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar:.1f}" height="{height:.1f}" fill="{colour}"/>'
            )
        parts.append("</g>")
        if index % label_every == 0 or index == len(history) - 1:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{_HEIGHT - 10}" text-anchor="middle" '
                f'font-size="11" fill="#555">{day.day:%m-%d}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (built from numbers and escaped text only)
