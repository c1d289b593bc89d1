"""Draw a `Chart` as a PNG with matplotlib's object API on the headless Agg canvas.

No pyplot: a figure is a plain `Figure` with no global state and no window, so this
runs headless, in threads and in tests. Layout: title and subtitle on top, the legend
and the key right of the panels, the footnote under them.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, LogLocator, NullFormatter

from autolr.report import chart as c

DPI = 150  # sharp in a paper or on a high-density screen, small on disk
TITLE_SIZE, SUBTITLE_SIZE, NOTE_SIZE = 14, 9.5, 8.5
GRID_GREY = "0.88"
MARKERS: dict[str, str] = {
    "circle": "o",
    "square": "s",
    "triangle-up": "^",
    "triangle-down": "v",
    "diamond": "D",
    "cross": "P",
    "x": "x",
    "star": "*",
    "tick": "|",
}
DASHES: dict[str, Any] = {"solid": "-", "dash": (0, (5, 2.5)), "dot": ":", "dashdot": "-."}


def render(chart: c.Chart) -> Figure:
    fig = Figure(figsize=chart.size)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(chart.rows, chart.cols, height_ratios=chart.heights)
    axes: dict[tuple[int, int], Axes] = {}
    for panel in chart.panels:
        ax = fig.add_subplot(grid[panel.row, panel.col])
        axes[panel.row, panel.col] = ax
        for mark in panel.marks:
            _draw(ax, mark, panel)
        _axes(ax, panel)
    _frame(fig, chart)
    return fig


def save(chart: c.Chart, path: Path) -> Path:
    fig = render(chart)
    fig.savefig(path, dpi=DPI, facecolor="white")
    return path


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
        look = mark.look
        ax.add_collection(
            LineCollection(
                pieces,
                colors=look.colour,
                linewidths=look.width,
                linestyles=DASHES[look.dash],
                alpha=look.opacity,
                gid=mark.tag,
                zorder=2,
            ),
            autolim=True,
        )
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
        look = mark.look
        rule(
            mark.at,
            color=look.colour,
            linewidth=look.width,
            linestyle=DASHES[look.dash],
            alpha=look.opacity,
            zorder=1,
            gid=mark.tag,
        )
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


def _line(ax: Axes, mark: c.Line, panel: c.Panel) -> None:
    look = mark.look
    ax.plot(
        [_x(panel, x) for x in mark.xs],
        [_y(panel, y) for y in mark.ys],
        color=look.colour,
        linewidth=look.width,
        linestyle=DASHES[look.dash],
        alpha=look.opacity,
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


# -- axes and frame -----------------------------------------------------------------
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


def _inches(text: str, size: float) -> float:
    """About how wide a line of text is (DejaVu Sans averages 0.55 em a character)."""
    return len(text) * size * 0.55 / 72


def _widest(texts: Sequence[str], size: float) -> float:
    lines = [line for text in texts for line in text.split("\n")]
    return max((_inches(line, size) for line in lines), default=0.0)


def _categories(chart: c.Chart, col: int) -> list[str]:
    return [
        label
        for p in chart.panels
        if p.col == col and p.y.show_labels
        for label in (p.y.categories or ())
    ]


def _frame(fig: Figure, chart: c.Chart) -> None:
    """Title, subtitle, legend and key, footnote; the panels fill what is left, with
    margins worked out in inches from the text that has to fit beside them."""
    width, height = chart.size
    note = textwrap.wrap(chart.footnote, width=round(width * 15)) if chart.footnote else []
    legend = [label for label, _ in c.legend_entries(chart)]
    side = legend + ([] if chart.key_below else [e.label for e in chart.key])
    block_in = 0.75 + _widest([*side, chart.legend_title], 9) if side else 0.0
    right_in = 0.25 + block_in
    if chart.right_column:
        texts = [
            m.text for p in chart.panels for m in p.marks if isinstance(m, c.Text) and m.x is None
        ]
        right_in += 0.3 + _widest(texts, 9)
    left_in = 0.85 + _widest(_categories(chart, 0), 10)
    below = 0.45 if chart.key_below and chart.key else 0.0
    bottom_in = 0.65 + 0.16 * len(note) + below
    panel_in = (width - left_in - right_in) / max(chart.cols, 1)
    gap_in = 0.75 + _widest(_categories(chart, 1), 10) if chart.cols > 1 else 0.0
    fig.subplots_adjust(
        left=left_in / width,
        right=1 - right_in / width,
        top=1 - 1.05 / height,
        bottom=bottom_in / height,
        wspace=gap_in / max(panel_in - gap_in / 2, 0.5),
        hspace=0.12 if chart.rows > 1 and not any(p.title for p in chart.panels if p.row) else 0.3,
    )
    fig.text(
        0.5,
        1 - 0.2 / height,
        chart.title,
        ha="center",
        va="top",
        fontsize=TITLE_SIZE,
        fontweight="bold",
    )
    fig.text(
        0.5,
        1 - 0.52 / height,
        chart.subtitle,
        ha="center",
        va="top",
        fontsize=SUBTITLE_SIZE,
        color="0.3",
    )
    if note:
        fig.text(
            0.02,
            0.1 / height,
            "\n".join(note),
            ha="left",
            va="bottom",
            fontsize=NOTE_SIZE,
            color="0.35",
        )
    _legends(fig, chart, 1 - (block_in + 0.1) / width, (0.15 + 0.16 * len(note)) / height)


def _legends(fig: Figure, chart: c.Chart, x: float, floor: float) -> None:
    """The legend (and the key, unless it goes under the panels) right of the panels."""
    entries = [_handle(label, mark) for label, mark in c.legend_entries(chart)]
    key = [_key_handle(entry) for entry in chart.key]
    if chart.key_below and key:
        fig.legend(
            handles=key,
            loc="lower center",
            bbox_to_anchor=(0.5, floor),
            ncol=len(key),
            frameon=False,
            fontsize=8.5,
        )
        key = []
    if entries:
        fig.legend(
            handles=entries,
            title=chart.legend_title or None,
            loc="lower left" if key else "center left",
            bbox_to_anchor=(x, 0.52 if key else 0.5),
            frameon=False,
            fontsize=9,
        )
    if key:
        fig.legend(
            handles=key,
            loc="upper left" if entries else "center left",
            bbox_to_anchor=(x, 0.48 if entries else 0.5),
            frameon=False,
            fontsize=8.5,
        )


def _handle(label: str, mark: c.Mark) -> Line2D | Patch:
    if isinstance(mark, c.Line | c.Points | c.Segments | c.Rule):
        return _key_handle(
            c.KeyEntry(label, mark.look, "marker" if isinstance(mark, c.Points) else "line")
        )
    colour = mark.colour if isinstance(mark, c.Area | c.Span) else getattr(mark, "fill", "0.5")
    return Patch(color=colour, alpha=getattr(mark, "opacity", 1.0), label=label)


def _key_handle(entry: c.KeyEntry) -> Line2D | Patch:
    look = entry.look
    if entry.shape == "patch":
        return Patch(
            facecolor=look.colour,
            edgecolor=look.edge or look.colour,
            alpha=look.opacity,
            label=entry.label,
        )
    symbol = MARKERS[look.symbol or "circle"] if entry.shape == "marker" or look.symbol else None
    return Line2D(
        [],
        [],
        color=look.colour,
        linewidth=look.width,
        linestyle=DASHES[look.dash] if entry.shape == "line" else "none",
        alpha=look.opacity,
        marker=symbol,
        markersize=min(look.size, 12),
        markerfacecolor=look.fill or look.colour,
        markeredgecolor=look.edge or look.colour,
        label=entry.label,
    )
