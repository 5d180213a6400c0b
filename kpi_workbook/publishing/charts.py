"""The published site's charts, inlined into the pages as SVG with the text kept as text
(so Japanese renders in the reader's own fonts); the same data gives the same bytes.

- The index's two charts (設定圏域数 per leaf, 区分 shares per role) are matplotlib figures.
- Each KPI's progress chart (:func:`progress_panel`) is laid out here as plain numbers and
  drawn by the page's template (``templates/progress.svg``): a national round has some
  70,000 of them. Drawn by matplotlib, a national round's region charts (12 panels each)
  were most of publish's 68 s; laid out here, every KPI's chart costs a few seconds.
  Its scale's ticks still come from matplotlib's tick locator.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import warnings

from ..core.values import fiscal_year_of, parse_time, short_year

COLOUR = "#1F4E78"
SHARE_COLOURS = ("#1F4E78", "#5B9BD5", "#F4B183", "#BFBFBF")  # 達成, A, B, N: the [progress] order
PANEL = (300, 190)  # a progress chart's width and height (px)
PLOT = (56, 12, 12, 30)  # its plot area's margins: left, right, top, bottom
MAX_X_TICKS = 6
_NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}  # same data, same bytes


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none", "font.family": "sans-serif", "svg.hashsalt": "kpi-workbook",
                                "text.parse_math": False, "text.usetex": False,  # a unit's "$" is text, never TeX
                                "font.sans-serif": ["Noto Sans CJK JP", "Yu Gothic", "Meiryo", "Hiragino Sans",
                                                    "DejaVu Sans"]})
    import matplotlib.pyplot as plt
    return plt


def _ticker():
    import matplotlib.ticker
    return matplotlib.ticker


def _svg(figure, prefix: str, tight: bool = False) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():  # glyphs missing here: the text stays text, the reader's fonts draw it
        warnings.simplefilter("ignore", UserWarning)
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA, **({"bbox_inches": "tight"} if tight else {}))
    text = buffer.getvalue()
    text = text[text.index("<svg"):]  # inline: no XML prolog, no DOCTYPE
    # ids unique in a page of several charts (matplotlib numbers its groups per figure)
    for before in (' id="', "url(#", 'href="#'):
        text = text.replace(before, f"{before}{prefix}-")
    return text


def bar_chart(labels: list, values: list, axis_label: str) -> str:
    """A horizontal bar per label (the first on top), as an inline SVG."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 0.28 * len(labels) + 0.8))
    axes.barh(labels[::-1], values[::-1], color=COLOUR)
    axes.xaxis.set_major_locator(_ticker().MaxNLocator(integer=True))  # counts of regions
    return _finished(plt, figure, axes, axis_label, "setting")


def share_chart(labels: list, stacks: list, axis_label: str) -> str:
    """A horizontal bar per label (the first on top), each split into *stacks* [(name,
    [count per label])] shown as shares of the label's total, with a legend; "" if empty."""
    totals = [sum(counts[i] for _, counts in stacks) for i in range(len(labels))]
    if not any(totals):
        return ""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 0.4 * len(labels) + 1.2))
    left = [0.0] * len(labels)
    for (name, counts), colour in zip(stacks, SHARE_COLOURS * 2):
        shares = [100 * c / t if t else 0 for c, t in zip(counts, totals)]
        axes.barh(labels[::-1], shares[::-1], left=left[::-1], color=colour, label=name)
        left = [a + b for a, b in zip(left, shares)]
    axes.set_xlim(0, 100)
    axes.legend(ncol=len(stacks), loc="upper center", bbox_to_anchor=(0.5, -0.35 if len(labels) < 4 else -0.2),
                frameon=False, fontsize=9)
    return _finished(plt, figure, axes, axis_label, "shares")


def _finished(plt, figure, axes, axis_label: str, prefix: str) -> str:
    """A bar chart's axis label and frame, saved as inline SVG (ids under *prefix*)."""
    axes.set_xlabel(axis_label)
    axes.spines[["top", "right"]].set_visible(False)
    try:
        figure.tight_layout()
        return _svg(figure, prefix, tight=True)
    finally:
        plt.close(figure)


def progress_panel(k: dict, points: list, calendar: str, from_zero: bool = True) -> dict | None:
    """One KPI's progress chart as numbers for ``templates/progress.svg``: its baseline, every
    yearly actual (*points*: [(time label, value)]), its target and the proportional path
    from baseline to target (what 区分 judges: on it or above is A), on an axis from zero
    (or, not *from_zero*, near the figures); None when there is neither an actual nor a
    target to show."""
    base = _point(k.get("baseline_time"), k.get("baseline"))
    target = _point(k.get("target_time"), k.get("target"))
    actual = sorted(p for p in (_point(t, v) for t, v in points) if p)
    if not actual and target is None:
        return None
    every = [p for p in (base, target, *actual) if p]
    xs, ys = [x for x, _ in every], [y for _, y in every]
    x_lo, x_hi = min(xs) - 0.6, max(xs) + 0.6
    y_ticks = _y_ticks(min(0.0, min(ys)) if from_zero else min(ys), max(ys))
    y_lo, y_hi = y_ticks[0], y_ticks[-1]
    (width, height), (left, right, top, bottom) = PANEL, PLOT

    def at(x, y):
        return (round(left + (x - x_lo) / (x_hi - x_lo) * (width - left - right), 1),
                round(top + (y_hi - y) / (y_hi - y_lo) * (height - top - bottom), 1))
    first, last = math.ceil(x_lo), math.floor(x_hi)
    step = max(1, math.ceil((last - first + 1) / MAX_X_TICKS))
    return {"width": width, "height": height, "left": left, "right": width - right, "top": top,
            "bottom": height - bottom,
            "x_ticks": [(at(x, y_lo)[0], short_year(x, calendar)) for x in range(first, last + 1, step)],
            "y_ticks": [(at(x_lo, y)[1], _tick_text(y)) for y in y_ticks],
            "actual": [at(x, y) for x, y in actual], "base": at(*base) if base else None,
            "target": at(*target) if target else None,
            "path": (at(*base), at(*target)) if base and target and base[0] < target[0] else None}


def _point(label, value):
    """(x, value): x counts fiscal years, a fiscal year's end at its number (2019年度 → 2019)."""
    if value is None or value != value or not label:
        return None
    time, _ = parse_time(str(label))
    if time is None:
        return None
    fy = fiscal_year_of(time.point)
    return fy + ((time.point - dt.date(fy, 4, 1)).days + 1) / 365 - 1, float(value)


def _y_ticks(low: float, high: float) -> list:
    if high <= low:
        high = low + 1
    ticks = [float(t) for t in _ticker().MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)]
    while len(ticks) > 2 and ticks[1] <= low:
        ticks.pop(0)
    while len(ticks) > 2 and ticks[-2] >= high:
        ticks.pop()
    return ticks


def _tick_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"
