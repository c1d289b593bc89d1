"""The report's figures as PNG, drawn with matplotlib's object API on the Agg canvas.

No pyplot: figures are plain `Figure` objects with no global state and no window, so this
runs headless, in threads and in tests, and each function returns its figure for
inspection before `save_png` writes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import (
    FixedLocator,
    MaxNLocator,
    NullFormatter,
    StrMethodFormatter,
)

from autolr.report import style
from autolr.report.bands import BandRow
from autolr.report.data import BINS_PER_DECADE, MEASURES, Run, curves, envelope
from autolr.study.results import BAND_MARGIN
from autolr.study.settings import StudySettings

DPI = 150  # sharp in a paper or on a high-density screen, small on disk
WIDE = (12.0, 5.2)  # two panels side by side (inches)
SPREAD_GREY = "0.87"  # between the fastest and slowest optimizer
REACHED_GREY = "0.35"  # count of optimizers that reached the target
TITLE_SIZE = 14
SUBTITLE_SIZE = 9.5
# Half a grid step either side of the range, so the first and last rates are not clipped.
EDGE = 10 ** (1 / (2 * BINS_PER_DECADE))


def time_to_target_figure(runs: Sequence[Run], settings: StudySettings, study: str) -> Figure:
    """Figure 1: steps and seconds to the target against the rate, a line per optimizer;
    rates that did not reach the target are gaps, as in the 2018 study. Samplers that pick
    rates freely (TPE, random) get markers only: a line between two of their rates would
    claim a curve that was never measured."""
    fig, panels = _two_panels("time to target vs learning rate", runs, settings, study)
    lines = style.joins_points(settings)
    for ax, measure in zip(panels, MEASURES, strict=True):
        for series in curves(runs, settings.optimizers, measure):
            ax.plot(
                series.learning_rates,
                series.values,
                color=style.colour(series.optimizer),
                marker=style.mpl_marker(series.optimizer),
                markersize=4.5 if lines else 6,
                linestyle="-" if lines else "none",
                linewidth=1.6,
                alpha=0.9,
                label=series.optimizer,
            )
        _measure_axes(ax, measure, settings, [r.value(measure) for r in runs])
    handles = [_optimizer_handle(s.optimizer) for s in curves(runs, settings.optimizers, "steps")]
    _legend(fig, handles, "optimizer")
    _footnote(fig, _gaps_note(settings))
    return fig


def envelope_figure(runs: Sequence[Run], settings: StudySettings, study: str) -> Figure:
    """Figure 2: at each rate, the fastest and slowest optimizer that reached the target,
    and below, how many optimizers reached it there at all."""
    fig = _figure(WIDE[0], WIDE[1] + 1.2)
    grid = fig.add_gridspec(2, 2, height_ratios=(4, 1), hspace=0.08, wspace=0.28)
    _titles(fig, study, "fastest and slowest optimizer at each learning rate", runs, settings)
    shown: set[str] = set()
    for column, measure in enumerate(MEASURES):
        ax = fig.add_subplot(grid[0, column])
        counts = fig.add_subplot(grid[1, column], sharex=ax)
        env = envelope(runs, measure)
        x = env.learning_rates
        ax.fill_between(x, env.fastest, env.slowest, color=SPREAD_GREY, linewidth=0)
        ax.plot(x, env.fastest, color="0.15", linewidth=1.4)
        ax.plot(x, env.slowest, color="0.15", linewidth=1.0, linestyle="--")
        for name in settings.optimizers:
            fast, slow = env.fastest_at(name), env.slowest_at(name)
            for points, face in ((fast, style.colour(name)), (slow, "white")):
                if points:
                    shown.add(name)
                    ax.scatter(
                        [rate for rate, _ in points],
                        [value for _, value in points],
                        marker=style.mpl_marker(name),
                        s=38,
                        facecolors=face,
                        edgecolors=style.colour(name),
                        linewidths=1.3,
                        zorder=3,
                    )
        _measure_axes(ax, measure, settings, env.fastest + env.slowest)
        ax.set_xlabel("")
        ax.tick_params(labelbottom=False)
        _count_axes(counts, x, env.tried, env.reached, len(settings.optimizers))
    handles = [_optimizer_handle(name) for name in settings.optimizers if name in shown]
    key: list[Line2D | Patch] = [
        Line2D([], [], color="0.15", linewidth=1.4, label="fastest (filled)"),
        Line2D([], [], color="0.15", linewidth=1.0, linestyle="--", label="slowest (open)"),
        Patch(color=SPREAD_GREY, label="spread"),
        Patch(color=REACHED_GREY, label="reached"),
        Patch(facecolor="white", edgecolor="0.55", label="did not reach"),
    ]
    _legend(fig, handles, "optimizer", key)
    _footnote(fig, _gaps_note(settings))
    return fig


def bands_figure(
    rows: Sequence[BandRow], runs: Sequence[Run], settings: StudySettings, study: str
) -> Figure:
    """Figure 3: per optimizer, the rates that reached the target (thin), the band within
    the margin of its best (thick) and the best rate (star); the numbers in a column."""
    height = 2.1 + 0.55 * len(rows)
    fig = _figure(WIDE[0], height)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.1, right=0.78, top=1 - 1.05 / height, bottom=1.05 / height)
    _titles(fig, study, "learning rates that reach the target, per optimizer", runs, settings)
    unit = style.MEASURE_UNITS["steps" if settings.objective == "steps" else "seconds"]
    for y, row in enumerate(rows):
        c = style.colour(row.optimizer)
        if row.reached_range is None or row.band is None or row.best_rate is None:
            ax.text(
                math.sqrt(settings.lr_min * settings.lr_max),
                y,
                f"never reached the target ({row.trials} runs)",
                ha="center",
                va="center",
                color="0.45",
                fontsize=9,
            )
            continue
        ax.hlines(y, *row.reached_range, color=c, linewidth=2, alpha=0.45)
        ax.scatter(row.reached_rates, [y] * len(row.reached_rates), marker="|", s=90, color=c)
        ax.hlines(y, *row.band, color=c, linewidth=11, alpha=0.85, capstyle="butt")
        ax.scatter([row.best_rate], [y], marker="*", s=230, color=c, edgecolors="black", zorder=3)
        _right_column(ax, y, _band_text(row.best_rate, row.best_value, row.band, unit))
    _right_column(ax, -0.5, "best rate\nband", header=True)
    ax.set_xscale("log")
    ax.set_xlim(settings.lr_min / EDGE, settings.lr_max * EDGE)
    ax.set_yticks(range(len(rows)), [r.optimizer for r in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel(style.LEARNING_RATE)
    _gridlines(ax, "x")
    key = [
        Line2D([], [], color="0.35", linewidth=2, alpha=0.45, label="reached the target"),
        Line2D([], [], color="0.35", linewidth=9, label=f"band: within {BAND_MARGIN:g}x of best"),
        Line2D(
            [],
            [],
            color="0.35",
            marker="*",
            markersize=13,
            markeredgecolor="black",
            linestyle="",
            label="best rate",
        ),
    ]
    fig.legend(handles=key, loc="lower center", bbox_to_anchor=(0.44, 0.0), ncol=3, frameon=False)
    return fig


def _right_column(ax: Axes, y: float, text: str, header: bool = False) -> None:
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


def _band_text(best: float, value: float | None, band: tuple[float, float], unit: str) -> str:
    low, high = band
    return f"{best:.3g} ({value:.4g} {unit})\n" + (
        f"{low:.3g} to {high:.3g}" if low < high else f"{low:.3g} only"
    )


def save_png(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)  # the headless raster canvas; no display is ever opened
    fig.savefig(path, dpi=DPI, facecolor="white")
    return path


# -- layout -------------------------------------------------------------------------
def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _titles(
    fig: Figure, study: str, what: str, runs: Sequence[Run], settings: StudySettings
) -> None:
    """Title and subtitle at fixed offsets from the top, in inches, whatever the height."""
    height = fig.get_figheight()
    fig.text(
        0.5,
        1 - 0.2 / height,
        style.title(study, what),
        ha="center",
        va="top",
        fontsize=TITLE_SIZE,
        fontweight="bold",
    )
    fig.text(
        0.5,
        1 - 0.52 / height,
        style.subtitle(settings, len(runs)),
        ha="center",
        va="top",
        fontsize=SUBTITLE_SIZE,
        color="0.3",
    )


def _two_panels(
    what: str, runs: Sequence[Run], settings: StudySettings, study: str
) -> tuple[Figure, list[Axes]]:
    fig = _figure(*WIDE)
    panels = list(fig.subplots(1, 2, sharex=True))
    _titles(fig, study, what, runs, settings)
    return fig, panels


def _measure_axes(ax: Axes, measure: str, settings: StudySettings, values: Sequence[float]) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(settings.lr_min / EDGE, settings.lr_max * EDGE)
    ax.set_xlabel(style.LEARNING_RATE)
    ax.set_ylabel(style.MEASURE_LABELS[measure])
    # Plain round numbers (2, 3, 300) read faster than 2x10^0 on a time or step axis, and
    # are the same ticks as the HTML figures'.
    shown = [v for v in values if not math.isnan(v) and v > 0]
    if shown:
        ax.yaxis.set_major_locator(FixedLocator(style.nice_log_ticks(min(shown), max(shown))))
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    _gridlines(ax, "both")


def _count_axes(
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
    _gridlines(ax, "y")


def _gaps_note(settings: StudySettings) -> str:
    note = "Gaps: rates that did not reach the target (diverged or ran out of budget"
    if settings.prune:
        note += f", or pruned: stopped once {BAND_MARGIN:g}x slower than the optimizer's best"
    return note + ")."


def _footnote(fig: Figure, text: str) -> None:
    """A line under the panels, for what a reader of the figure alone must know."""
    height = fig.get_figheight()
    fig.subplots_adjust(bottom=0.9 / height)
    fig.text(0.07, 0.1 / height, text, ha="left", va="bottom", fontsize=8.5, color="0.35")


def _gridlines(ax: Axes, axis: Literal["both", "x", "y"]) -> None:
    ax.grid(True, which="major", axis=axis, color="0.88", linewidth=0.8)
    ax.set_axisbelow(True)


def _optimizer_handle(name: str) -> Line2D:
    return Line2D([], [], color=style.colour(name), marker=style.mpl_marker(name), label=name)


def _legend(
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
