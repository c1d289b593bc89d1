"""Draw a `Chart` as a PNG with matplotlib's object API on the headless Agg canvas.

No pyplot: a figure is a plain `Figure` with no global state and no window, so this
runs headless, in threads and in tests. Layout: title and subtitle on top, the legend
and the key right of the panels, the footnote under them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, LogLocator, NullFormatter

from autolr.report import chart as c
from autolr.report import files, png_frame
from autolr.report.png_frame import DASHES, MARKERS

DPI = 150  # sharp in a paper or on a high-density screen, small on disk
GRID_GREY = "0.88"


def render(chart: c.Chart) -> Figure:
    chart = c.visible(chart)
    fig = Figure(figsize=chart.size)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(chart.rows, chart.cols, height_ratios=chart.heights)
    for panel in chart.panels:
        ax = fig.add_subplot(grid[panel.row, panel.col])
        for mark in panel.marks:
            _draw(ax, mark, panel)
        _axes(ax, panel)
    png_frame.frame(fig, chart)
    return fig


def save(chart: c.Chart, path: Path) -> Path:
    fig = render(chart)
    return files.write_with(
        path, lambda out: fig.savefig(out, format="png", dpi=DPI, facecolor="white")
    )


# -- marks --------------------------------------------------------------------------
def _draw(ax: Axes, mark: c.Mark, panel: c.Panel) -> None:
    if isinstance(mark, c.Line):
        _line(ax, mark, panel)
    elif isinstance(mark, c.Points):
        _points(ax, mark, panel)
    elif isinstance(mark, c.Segments):
        pieces = [
            [(_x(panel, x0), _y(panel, y0)), (_x(panel, x1), _y(panel, y1))]
            for (x0, y0), (x1, y1) in mark.pieces
        ]
        stroke = _stroke(mark.look)
        collection = LineCollection(pieces, gid=mark.tag, zorder=2, alpha=stroke.pop("alpha"))
        collection.set(**{f"{k}s": v for k, v in stroke.items()})
        ax.add_collection(collection, autolim=True)
    elif isinstance(mark, c.Area):
        low, high = np.asarray(mark.low, float), np.asarray(mark.high, float)
        ax.fill_between(
            mark.xs,
            low,
            high,
            where=~(np.isnan(low) | np.isnan(high)),
            color=mark.colour,
            alpha=mark.opacity,
            linewidth=0,
            gid=mark.tag,
        )
    elif isinstance(mark, c.Span):
        span = ax.axvspan if mark.axis == "x" else ax.axhspan
        span(mark.low, mark.high, color=mark.colour, alpha=mark.opacity, lw=0, zorder=0)
    elif isinstance(mark, c.Rule):
        rule = ax.axvline if mark.axis == "x" else ax.axhline
        rule(mark.at, zorder=1, gid=mark.tag, **_stroke(mark.look))
    elif isinstance(mark, c.Bars):
        widths = [r - left for left, r in zip(mark.lefts, mark.rights, strict=True)]
        ax.bar(
            mark.lefts,
            mark.heights,
            width=widths,
            align="edge",
            facecolor=mark.fill,
            edgecolor=mark.edge or mark.fill,
            linewidth=0.8,
            gid=mark.tag,
        )
    elif isinstance(mark, c.Text):
        _text(ax, mark, panel)


def _stroke(look: c.Look) -> dict[str, Any]:
    """How a line is drawn, in matplotlib's words."""
    return {
        "color": look.colour,
        "linewidth": look.width,
        "linestyle": DASHES[look.dash],
        "alpha": look.opacity,
    }


def _line(ax: Axes, mark: c.Line, panel: c.Panel) -> None:
    look = mark.look
    ax.plot(
        [_x(panel, x) for x in mark.xs],
        [_y(panel, y) for y in mark.ys],
        **_stroke(look),
        marker=MARKERS[look.symbol] if look.symbol else None,
        markersize=look.size,
        markerfacecolor=look.fill or look.colour,
        markeredgecolor=look.edge or look.colour,
        gid=mark.tag,
        zorder=2,
    )


def _points(ax: Axes, mark: c.Points, panel: c.Panel) -> None:
    look = mark.look
    symbol = MARKERS[look.symbol or "circle"]
    line_only = symbol in ("x", "|")  # drawn by their edges alone
    ax.scatter(
        [_x(panel, x) for x in mark.xs],
        [_y(panel, y) for y in mark.ys],
        marker=symbol,
        s=look.size**2,
        c=look.colour if line_only else look.fill or look.colour,
        edgecolors=None if line_only else look.edge or look.colour,
        linewidths=max(look.edge_width, 1.4) if line_only else look.edge_width,
        alpha=look.opacity,
        gid=mark.tag,
        zorder=3,
        clip_on=False,
    )


def _text(ax: Axes, mark: c.Text, panel: c.Panel) -> None:
    y = _y(panel, mark.y)
    if mark.x is None:  # a column right of the panel
        ax.annotate(
            mark.text,
            xy=(1.0, y),
            xycoords=("axes fraction", "data"),
            xytext=(12, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=mark.size,
            color=mark.colour,
        )
        return
    ax.text(mark.x, y, mark.text, ha=mark.align, va="center", fontsize=mark.size, color=mark.colour)


def _x(panel: c.Panel, value: c.Value) -> float:
    return _number(panel.x, value)


def _y(panel: c.Panel, value: c.Value) -> float:
    return _number(panel.y, value)


def _number(axis: c.Axis, value: c.Value) -> float:
    """Data value as matplotlib's: a category is its index; None is a gap."""
    if value is None:
        return math.nan
    if isinstance(value, str):
        return float(list(axis.categories or ()).index(value))
    return float(value)


# -- axes ---------------------------------------------------------------------------
def _axes(ax: Axes, panel: c.Panel) -> None:
    _axis(ax, "x", panel.x)
    _axis(ax, "y", panel.y)
    if panel.title:
        ax.set_title(panel.title, fontsize=11)
    if panel.x.grid or panel.y.grid:
        both = panel.x.grid and panel.y.grid
        ax.grid(
            True,
            which="major",
            axis="both" if both else "x" if panel.x.grid else "y",
            color=GRID_GREY,
        )
        ax.set_axisbelow(True)


def _axis(ax: Axes, which: Literal["x", "y"], axis: c.Axis) -> None:
    target = ax.xaxis if which == "x" else ax.yaxis
    set_scale, set_limits, set_label = (
        (ax.set_xscale, ax.set_xlim, ax.set_xlabel)
        if which == "x"
        else (ax.set_yscale, ax.set_ylim, ax.set_ylabel)
    )
    if axis.log:
        set_scale("log")
    if axis.categories is not None:
        n = len(axis.categories)
        target.set_major_locator(FixedLocator(range(n)))
        target.set_major_formatter(_labels(axis.categories))
        low, high = -0.5, n - 0.5
        set_limits((high, low) if which == "y" else (low, high))
    elif axis.range is not None:
        low, high = axis.range
        set_limits((high, low) if axis.reversed else (low, high))
    elif axis.reversed:
        (ax.invert_xaxis if which == "x" else ax.invert_yaxis)()
    if axis.ticks is not None:
        target.set_major_locator(FixedLocator(list(axis.ticks)))
        labels = axis.tick_labels or [f"{t:g}" for t in axis.ticks]
        target.set_major_formatter(_labels(labels, list(axis.ticks)))
        target.set_minor_formatter(NullFormatter())
    elif axis.powers:
        target.set_major_locator(LogLocator(base=10, numticks=30))
    if axis.show_labels:
        set_label(axis.label)
    else:
        ax.tick_params(axis=which, labelbottom=False, labelleft=False)


def _labels(labels: Sequence[str], at: Sequence[float] | None = None) -> Any:
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    if at is None:
        return FixedFormatter(list(labels))
    table = dict(zip(at, labels, strict=True))
    return FuncFormatter(lambda value, _: table.get(value, ""))
