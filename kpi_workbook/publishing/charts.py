"""The published site's charts: matplotlib figures saved as SVG with the text kept as text
(so Japanese renders in the reader's own fonts), inlined into the pages.

A region's chart is the most costly part of ``publish`` (about 0.2 s each: a national round
of 1,741 regions takes minutes on one core), so :func:`region_charts` draws them in a pool
of processes (spawn-safe: plain data in, SVG text out) when there are many.
"""
from __future__ import annotations

import io
import warnings
from concurrent.futures import ProcessPoolExecutor

from ..core.isolate import die_with_parent
from ..core.reference import reference, workers

MAX_KPIS = 12  # a region's chart shows the yearly actuals of its first KPIs that have some
POOL_FROM = 16  # regions: fewer are drawn in this process (a pool costs about a second to start)
COLOUR = "#1F4E78"
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


def _svg(figure, tight: bool = False) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():  # glyphs missing here: the text stays text, the reader's fonts draw it
        warnings.simplefilter("ignore", UserWarning)
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA, **({"bbox_inches": "tight"} if tight else {}))
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # inline: no XML prolog, no DOCTYPE


def bar_chart(labels: list, values: list, axis_label: str) -> str:
    """A horizontal bar per label (the first on top), as an inline SVG."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 0.28 * len(labels) + 0.8))
    axes.barh(labels[::-1], values[::-1], color=COLOUR)
    axes.xaxis.set_major_locator(_ticker().MaxNLocator(integer=True))  # counts of regions
    axes.set_xlabel(axis_label)
    axes.spines[["top", "right"]].set_visible(False)
    try:
        figure.tight_layout()
        return _svg(figure, tight=True)
    finally:
        plt.close(figure)


def actuals_chart(series: list) -> str:
    """Small multiples of yearly actuals: *series* is [(title, [(time label, value)])];
    "" if there is none.  Laid out by hand (no tight layout: it would draw three times),
    on a figure of its shape made once per process and refilled (making the panels costs
    more than drawing them)."""
    series = [(title, points) for title, points in series if points][:MAX_KPIS]
    if not series:
        return ""
    columns = min(3, len(series))
    figure, axes = _panels(-(-len(series) // columns), columns)
    ticker = _ticker()
    for ax, (title, points) in zip(axes, series):
        times, values = zip(*points)
        ax.set_visible(True)
        ax.lines[0].set_data(range(len(times)), values)
        ax.set_xticks(range(len(times)), times)
        ax.set_title(title, fontsize=9)
        ax.yaxis.set_major_locator(ticker.MaxNLocator(nbins=4, integer=all(float(v).is_integer() for v in values)))
        ax.relim()
        ax.autoscale_view()
    for ax in axes[len(series):]:
        ax.set_visible(False)
    return _svg(figure)


_FIGURES: dict = {}  # (rows, columns) -> (figure, its axes): this process's own


def _panels(rows: int, columns: int):
    if (rows, columns) not in _FIGURES or reference():
        plt = _pyplot()
        height = 0.4 + 2.0 * rows
        figure, grid = plt.subplots(rows, columns, figsize=(3.2 * columns, height), squeeze=False)
        figure.subplots_adjust(left=0.1, right=0.97, bottom=0.5 / height, top=1 - 0.45 / height, wspace=0.4, hspace=0.75)
        axes = list(grid.flat)
        for ax in axes:
            ax.plot([], [], marker="o", color=COLOUR)
            ax.yaxis.set_major_formatter(_ticker().StrMethodFormatter("{x:,g}"))
            ax.tick_params(labelsize=8)
            ax.spines[["top", "right"]].set_visible(False)
        _FIGURES[(rows, columns)] = figure, axes
    return _FIGURES[(rows, columns)]


def region_charts(all_series: list, jobs: int | None = None):
    """:func:`actuals_chart` of each region's series, yielded in order as they are drawn; in
    a pool when there are many regions and more than one job."""
    jobs = workers(jobs)
    if jobs == 1 or len(all_series) < POOL_FROM:
        yield from map(actuals_chart, all_series)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=die_with_parent) as pool:
        yield from pool.map(actuals_chart, all_series, chunksize=8)
