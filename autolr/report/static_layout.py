"""Matplotlib building blocks shared by the PNG figures: a headless canvas, titles,
legends beside the panels, footnotes and the log axes every figure uses."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, NullFormatter, StrMethodFormatter

from autolr.report import style
from autolr.report.data import BINS_PER_DECADE, Run
from autolr.study.settings import StudySettings

WIDE = (12.0, 5.2)  # two panels side by side (inches)
TITLE_SIZE = 14
SUBTITLE_SIZE = 9.5
REACHED_GREY = "0.35"  # count of optimizers that reached the target
# Half a grid step either side of the range, so the first and last rates are not clipped.
EDGE = 10 ** (1 / (2 * BINS_PER_DECADE))


def right_column(ax: Axes, y: float, text: str, header: bool = False) -> None:
    """Text just right of the axes at data height `y`: a column of numbers per row."""
    ax.annotate(
        text,
        xy=(1.0, y),
        xycoords=("axes fraction", "data"),
        xytext=(12, 0),
        textcoords="offset points",
        ha="left",
        va="bottom" if header else "center",
        fontsize=9,
        color="0.4" if header else "black",
    )


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def titles(
    fig: Figure, study: str, what: str, runs: Sequence[Run], settings: StudySettings
) -> None:
    """Title and subtitle of a fixed-rate study's figure."""
    heading(fig, style.title(study, what), style.subtitle(settings, len(runs)))


def heading(fig: Figure, title: str, subtitle: str) -> None:
    """Title and subtitle at fixed offsets from the top, in inches, whatever the height."""
    height = fig.get_figheight()
    fig.text(
        0.5,
        1 - 0.2 / height,
        title,
        ha="center",
        va="top",
        fontsize=TITLE_SIZE,
        fontweight="bold",
    )
    fig.text(
        0.5,
        1 - 0.52 / height,
        subtitle,
        ha="center",
        va="top",
        fontsize=SUBTITLE_SIZE,
        color="0.3",
    )


def two_panels(
    what: str, runs: Sequence[Run], settings: StudySettings, study: str
) -> tuple[Figure, list[Axes]]:
    return two_panels_titled(
        style.title(study, what), style.subtitle(settings, len(runs)), sharex=True
    )


def two_panels_titled(title: str, subtitle: str, sharex: bool = False) -> tuple[Figure, list[Axes]]:
    fig = new_figure(*WIDE)
    panels = list(fig.subplots(1, 2, sharex=sharex))
    heading(fig, title, subtitle)
    return fig, panels


def rate_axis(ax: Axes, settings: StudySettings) -> None:
    """The learning-rate axis: log, the study's range, ticks as in the HTML figures."""
    ax.set_xscale("log")
    ax.set_xlim(settings.lr_min / EDGE, settings.lr_max * EDGE)
    ax.set_xlabel(style.LEARNING_RATE)
    ticks = style.rate_ticks(settings)
    if ticks is not None:
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())


def measure_axes(ax: Axes, measure: str, settings: StudySettings, values: Sequence[float]) -> None:
    rate_axis(ax, settings)
    ax.set_yscale("log")
    ax.set_ylabel(style.MEASURE_LABELS[measure])
    # Plain round numbers (2, 3, 300) read faster than 2x10^0 on a time or step axis, and
    # are the same ticks as the HTML figures'.
    shown = [v for v in values if not math.isnan(v) and v > 0]
    if shown:
        ax.yaxis.set_major_locator(FixedLocator(style.nice_log_ticks(min(shown), max(shown))))
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    gridlines(ax, "both")


def count_axes(
    ax: Axes, rates: Sequence[float], tried: Sequence[int], hits: Sequence[int], total: int
) -> None:
    """Bars a little narrower than a grid step, centred on each rate in log space."""
    half = 10 ** (0.3 / BINS_PER_DECADE)
    lefts = [r / half for r in rates]
    widths = [r * half - r / half for r in rates]
    ax.bar(lefts, tried, width=widths, align="edge", facecolor="white", edgecolor="0.55", lw=0.8)
    ax.bar(lefts, hits, width=widths, align="edge", color=REACHED_GREY)
    ax.set_ylim(0, total)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=3))
    ax.set_ylabel("optimizers", fontsize=9)
    ax.set_xlabel(style.LEARNING_RATE)
    gridlines(ax, "y")


def footnote(fig: Figure, text: str) -> None:
    """A line under the panels, for what a reader of the figure alone must know."""
    height = fig.get_figheight()
    fig.subplots_adjust(bottom=0.9 / height)
    fig.text(0.07, 0.1 / height, text, ha="left", va="bottom", fontsize=8.5, color="0.35")


def gridlines(ax: Axes, axis: Literal["both", "x", "y"]) -> None:
    ax.grid(True, which="major", axis=axis, color="0.88", linewidth=0.8)
    ax.set_axisbelow(True)


def optimizer_handle(name: str, line: bool) -> Line2D:
    return Line2D(
        [],
        [],
        color=style.colour(name),
        marker=style.mpl_marker(name),
        linestyle="-" if line else "none",
        label=name,
    )


def legend(
    fig: Figure,
    handles: Sequence[Line2D | Patch],
    title: str,
    key: Sequence[Line2D | Patch] = (),
) -> None:
    """Legends for the whole figure, right of the panels, so no data hides behind them:
    the optimizers, and below them a key to the figure's other marks."""
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.07, right=0.82, top=1 - 1.05 / height, bottom=0.6 / height)
    middle = 0.5 if not key else 0.52
    fig.legend(
        handles=list(handles),
        title=title,
        loc="center left" if not key else "lower left",
        bbox_to_anchor=(0.83, middle),
        frameon=False,
    )
    if key:
        fig.legend(handles=list(key), loc="upper left", bbox_to_anchor=(0.83, 0.48), frameon=False)
