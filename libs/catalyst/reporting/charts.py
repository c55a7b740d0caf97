"""Inline SVG charts drawn on the server (pure): a line over time and horizontal bars, no script, no fonts fetched.

Every label goes through ``html.escape``: symbols, patterns and catalyst names come from outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from catalyst.reporting.amounts import amount_text

WIDTH, HEIGHT, PAD = 720, 220, 44


def line_chart(title: str, points: Sequence[tuple[datetime, float]], *, colour: str, unit: str = "$") -> str:
    """A polyline of ``points`` (time, value) scaled to the box, with the lowest and highest value marked."""
    if not points:
        return _empty(title)
    times = [p[0].timestamp() for p in points]
    values = [p[1] for p in points]
    t0, t1 = min(times), max(times)
    lo, hi = min(values), max(values)
    span_t, span_v = (t1 - t0) or 1.0, (hi - lo) or 1.0

    def x(t: float) -> float:
        return PAD + (t - t0) / span_t * (WIDTH - 2 * PAD)

    def y(v: float) -> float:
        return HEIGHT - PAD - (v - lo) / span_v * (HEIGHT - 2 * PAD)

    path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(times, values, strict=True))
    return (
        f'<svg role="img" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart">'
        f"<title>{escape(title)}</title>"
        f'<text x="{PAD}" y="20" class="title">{escape(title)}</text>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="axis"/>'
        f'<text x="4" y="{y(hi) + 4:.1f}" class="label">{escape(amount_text(hi, unit))}</text>'
        f'<text x="4" y="{y(lo) + 4:.1f}" class="label">{escape(amount_text(lo, unit))}</text>'
        f'<polyline fill="none" stroke="{escape(colour)}" stroke-width="2" points="{path}"/>'
        "</svg>"
    )


def bar_chart(title: str, bars: Sequence[tuple[str, float]]) -> str:
    """One horizontal bar per (label, amount): gains to the right in green, losses to the left in red."""
    if not bars:
        return _empty(title)
    row = 22
    height = 34 + row * len(bars)
    middle = WIDTH / 2
    scale = (WIDTH / 2 - 120) / (max(abs(v) for _, v in bars) or 1.0)
    rows = []
    for i, (label, value) in enumerate(bars):
        top = 30 + i * row
        length = abs(value) * scale
        left = middle if value >= 0 else middle - length
        kind = "gain" if value >= 0 else "loss"
        rows.append(
            f'<text x="4" y="{top + 14}" class="label">{escape(label)}</text>'
            f'<rect x="{left:.1f}" y="{top}" width="{length:.1f}" height="{row - 6}" class="{kind}"/>'
            f'<text x="{WIDTH - 4}" y="{top + 14}" text-anchor="end" class="label">{escape(amount_text(value))}</text>'
        )
    return (
        f'<svg role="img" viewBox="0 0 {WIDTH} {height}" class="chart">'
        f"<title>{escape(title)}</title>"
        f'<text x="{PAD}" y="20" class="title">{escape(title)}</text>'
        f'<line x1="{middle}" y1="26" x2="{middle}" y2="{height - 4}" class="axis"/>'
        + "".join(rows) + "</svg>"
    )


def _empty(title: str) -> str:
    return (f'<svg role="img" viewBox="0 0 {WIDTH} 60" class="chart">'
            f"<title>{escape(title)}</title>"
            f'<text x="{PAD}" y="20" class="title">{escape(title)}</text>'
            f'<text x="{PAD}" y="44" class="label">nothing to draw</text></svg>')
