"""Charts as server-side SVG: no scripts, no third-party services, no inline styles
(the content security policy forbids them), so colours are presentation attributes.

Every chart is ``role="img"`` with a title and a text description, and every page puts
the same numbers in a real table beside it. The palette is Okabe-Ito's colour-blind
safe set, darkened where needed so each colour has at least 3:1 contrast with white;
stacked segments are separated by white lines so neighbours never depend on hue alone.
"""

from __future__ import annotations

import itertools
from decimal import ROUND_CEILING, Decimal
from html import escape

from markupsafe import Markup

from app import formatting
from app.reporting.labels import EU_CATEGORIES

EU_COLOURS = {"textiles": "#AA3377", "eee": "#0072B2", "furniture": "#D55E00",
              "construction": "#009E73", "other": "#6B6B6B"}
SINGLE = "#0072B2"
WEIGHED, ESTIMATED = "#0072B2", "#D55E00"
INK = "#1b1f1c"
GRID = "#c9d1cb"
_ids = itertools.count(1)


def number(value: Decimal | int | float, decimals: int = 1) -> str:
    """Exactly ``decimals`` decimals in the reader's language (app.formatting: decimal
    comma and U+202F between thousands in bokmål)."""
    return formatting.number(value, decimals, fixed=True)


def nice_step(top: Decimal, ticks: int = 4) -> Decimal:
    if top <= 0:
        return Decimal(1)
    raw = top / ticks
    magnitude = Decimal(10) ** (raw.adjusted())
    for factor in (1, 2, 2.5, 5, 10):
        step = magnitude * Decimal(str(factor))
        if step >= raw:
            return step
    return magnitude * 10


def _svg(width: int, height: int, title: str, desc: str, body: list[str],
         css: str = "chart") -> Markup:
    n = next(_ids)
    head = (f'<svg class="{css}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="chart-{n}-t chart-{n}-d" xmlns="http://www.w3.org/2000/svg" '
            f'font-family="system-ui, sans-serif" font-size="14">'
            f'<title id="chart-{n}-t">{escape(title)}</title>'
            f'<desc id="chart-{n}-d">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text escaped above


def stacked_bars(title: str, desc: str, bars: list[tuple[str, dict[str, Decimal]]],
                 unit: str, series: tuple[str, ...] = EU_CATEGORIES,
                 colours: dict[str, str] | None = None,
                 names: dict[str, str] | None = None,
                 ticks: list[tuple[str, str]] | None = None) -> Markup:
    """Vertical bars, one per label, stacked by series (bottom first). ``ticks`` gives
    short axis labels (a first line and an optional second, e.g. the year), else the
    labels themselves are used."""
    colours = colours or EU_COLOURS
    names = names or {}
    width, height, left, right, top, bottom = 720, 360, 64, 12, 36, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum((v for v in values.values() if v > 0), Decimal(0)) for _, values in bars]
    peak = max(totals, default=Decimal(0))
    step = nice_step(peak)
    y_max = step * max(1, int((peak / step).to_integral_value(ROUND_CEILING)))
    body = []
    n_ticks = int(y_max / step)
    for i in range(n_ticks + 1):
        value = step * i
        y = top + plot_h - float(value / y_max) * plot_h
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{left - 6}" y="{y + 5:.1f}" text-anchor="end" fill="{INK}">'
                    f'{escape(number(value, 0 if step >= 1 else 1))}</text>')
    slot = plot_w / max(len(bars), 1)
    bar_w = max(2.0, slot * 0.7)
    every = max(1, -(-len(bars) // 12))
    ticks = ticks or [(label, "") for label, _v in bars]
    for index, (label, values) in enumerate(bars):
        x = left + index * slot + (slot - bar_w) / 2
        base = top + plot_h
        for key in series:
            value = values.get(key, Decimal(0))
            if value <= 0:
                continue
            h = float(value / y_max) * plot_h
            base -= h
            tip = f"{names.get(key, key)}, {label}: {number(value)} {unit}"
            body.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" '
                        f'height="{h:.1f}" fill="{colours.get(key, SINGLE)}" stroke="#ffffff" '
                        f'stroke-width="1.5"><title>{escape(tip)}</title></rect>')
        first, second = ticks[index]
        cx = left + index * slot + slot / 2
        if index % every == 0:
            body.append(f'<text x="{cx:.1f}" y="{top + plot_h + 20}" text-anchor="middle" '
                        f'fill="{INK}">{escape(first)}</text>')
        if second:
            body.append(f'<text x="{cx:.1f}" y="{top + plot_h + 40}" text-anchor="middle" '
                        f'fill="{INK}" font-weight="600">{escape(second)}</text>')
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
                f'y2="{top + plot_h}" stroke="{INK}" stroke-width="1.5"/>')
    body.append(f'<text x="{left - 6}" y="{top - 16}" text-anchor="end" fill="{INK}" '
                f'font-weight="600">{escape(unit)}</text>')
    return _svg(width, height, title, desc, body, "chart chart-wide")


def hbars(title: str, desc: str, items: list[tuple[str, Decimal]], unit: str,
          colour: str = SINGLE) -> Markup:
    """Horizontal bars with the label above each bar and the value after it (reads on a
    phone as well as on a wide screen)."""
    width, row, top = 560, 46, 8
    height = top + row * max(len(items), 1) + 8
    peak = max((v for _, v in items), default=Decimal(0))
    body = []
    for index, (label, value) in enumerate(items):
        y = top + index * row
        share = float(value / peak) if peak > 0 and value > 0 else 0.0
        bar = max(share * (width - 150), 2.0 if value > 0 else 0.0)
        text = f"{number(value)} {unit}"
        body.append(f'<text x="0" y="{y + 14}" fill="{INK}">{escape(label)}</text>')
        body.append(f'<rect x="0" y="{y + 20}" width="{bar:.1f}" height="18" '
                    f'fill="{colour}"><title>{escape(label)}: {escape(text)}</title></rect>')
        body.append(f'<text x="{bar + 6:.1f}" y="{y + 34}" fill="{INK}">{escape(text)}</text>')
    return _svg(width, height, title, desc, body)


def share_bar(title: str, desc: str, parts: list[tuple[str, Decimal, str]]) -> Markup:
    """One horizontal 100 % bar split into parts (label, value, colour)."""
    width, height = 560, 40
    total = sum((v for _, v, _ in parts if v > 0), Decimal(0))
    body, x = [], 0.0
    for label, value, colour in parts:
        if total <= 0 or value <= 0:
            continue
        w = float(value / total) * width
        pct = number(value / total * 100, 0)
        body.append(f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="32" fill="{colour}" '
                    f'stroke="#ffffff" stroke-width="2"><title>{escape(label)}: {pct} %'
                    f'</title></rect>')
        x += w
    if not body:
        body.append(f'<rect x="0" y="4" width="{width}" height="32" fill="none" '
                    f'stroke="{GRID}"/>')
    return _svg(width, height, title, desc, body)


def swatch(colour: str) -> Markup:
    """A small colour square for a legend written in HTML."""
    return Markup(f'<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" '  # noqa: S704
                  f'focusable="false"><rect width="10" height="10" fill="{escape(colour)}"/>'
                  f'</svg>')
