"""The report's figures as PNG, drawn with matplotlib's object API on the Agg canvas.

No pyplot: figures are plain `Figure` objects with no global state and no window, so this
runs headless, in threads and in tests, and each function returns its figure for
inspection before `save_png` writes it. Layout pieces the figures share: `static_layout`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from autolr.report import static_layout as layout
from autolr.report import style
from autolr.report.bands import BandRow
from autolr.report.data import MEASURES, Envelope, Run, curves, envelope
from autolr.report.static_layout import REACHED_GREY, WIDE
from autolr.study.results import BAND_MARGIN
from autolr.study.settings import StudySettings

DPI = 150  # sharp in a paper or on a high-density screen, small on disk
SPREAD_GREY = "0.87"  # between the fastest and slowest optimizer
SPREAD_BAR = "0.7"  # the same, as a bar at one rate (TPE, random)


def time_to_target_figure(runs: Sequence[Run], settings: StudySettings, study: str) -> Figure:
    """Figure 1: steps and seconds to the target against the rate, a line per optimizer;
    rates that did not reach the target are gaps, as in the 2018 study. Samplers that pick
    rates freely (TPE, random) get markers only: a line between two of their rates would
    claim a curve that was never measured."""
    fig, panels = layout.two_panels(style.TIME_TITLE, runs, settings, study)
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
        layout.measure_axes(ax, measure, settings, [r.value(measure) for r in runs])
    names = [s.optimizer for s in curves(runs, settings.optimizers, "steps")]
    handles = [layout.optimizer_handle(name, lines) for name in names]
    layout.legend(fig, handles, "optimizer")
    layout.footnote(fig, _gaps_note(settings))
    return fig


def envelope_figure(runs: Sequence[Run], settings: StudySettings, study: str) -> Figure:
    """Figure 2: at each rate, the fastest and slowest optimizer that reached the target,
    and below, how many optimizers reached it there at all."""
    fig = layout.new_figure(WIDE[0], WIDE[1] + 1.2)
    joined = style.joins_points(settings)
    grid = fig.add_gridspec(2, 2, height_ratios=(4, 1), hspace=0.08, wspace=0.28)
    layout.titles(fig, study, style.ENVELOPE_TITLE, runs, settings)
    shown: set[str] = set()
    for column, measure in enumerate(MEASURES):
        ax = fig.add_subplot(grid[0, column])
        counts = fig.add_subplot(grid[1, column], sharex=ax)
        env = envelope(runs, measure)
        _draw_spread(ax, env, joined)
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
        layout.measure_axes(ax, measure, settings, env.fastest + env.slowest)
        ax.set_xlabel("")
        ax.tick_params(labelbottom=False)
        layout.count_axes(
            counts, env.learning_rates, env.tried, env.reached, len(settings.optimizers)
        )
    handles = [
        layout.optimizer_handle(name, False) for name in settings.optimizers if name in shown
    ]
    key = [
        *_spread_key(joined),
        Patch(color=REACHED_GREY, label="reached"),
        Patch(facecolor="white", edgecolor="0.55", label="did not reach"),
    ]
    layout.legend(fig, handles, "optimizer", key)
    layout.footnote(fig, _gaps_note(settings))
    return fig


def _draw_spread(ax: Axes, env: Envelope, joined: bool) -> None:
    """Grid: the fastest and slowest as lines with the spread shaded between. Scattered
    rates: a bar from fastest to slowest at each rate, as neighbours are not comparable."""
    x = env.learning_rates
    if joined:
        ax.fill_between(x, env.fastest, env.slowest, color=SPREAD_GREY, linewidth=0)
        ax.plot(x, env.fastest, color="0.15", linewidth=1.4)
        ax.plot(x, env.slowest, color="0.15", linewidth=1.0, linestyle="--")
    else:
        ax.vlines(x, env.fastest, env.slowest, color=SPREAD_BAR, linewidth=3)


def _spread_key(joined: bool) -> list[Line2D | Patch]:
    if not joined:
        return [
            Line2D([], [], color="0.3", marker="o", linestyle="", label="fastest (filled)"),
            Line2D(
                [],
                [],
                color="0.3",
                marker="o",
                markerfacecolor="white",
                linestyle="",
                label="slowest (open)",
            ),
            Line2D([], [], color=SPREAD_BAR, linewidth=3, label="spread"),
        ]
    return [
        Line2D([], [], color="0.15", linewidth=1.4, label="fastest (filled)"),
        Line2D([], [], color="0.15", linewidth=1.0, linestyle="--", label="slowest (open)"),
        Patch(color=SPREAD_GREY, label="spread"),
    ]


def bands_figure(
    rows: Sequence[BandRow], runs: Sequence[Run], settings: StudySettings, study: str
) -> Figure:
    """Figure 3: per optimizer, the rates that reached the target (thin), the band within
    the margin of its best (thick) and the best rate (star); the numbers in a column."""
    height = 2.1 + 0.55 * len(rows)
    fig = layout.new_figure(WIDE[0], height)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.1, right=0.78, top=1 - 1.05 / height, bottom=1.05 / height)
    layout.titles(fig, study, style.BANDS_TITLE, runs, settings)
    unit = style.MEASURE_UNITS["steps" if settings.objective == "steps" else "seconds"]
    for y, row in enumerate(rows):
        c = style.colour(row.optimizer)
        if (
            row.reached_range is None
            or row.band is None
            or row.best_rate is None
            or row.best_value is None
        ):
            ax.text(
                math.sqrt(settings.lr_min * settings.lr_max),
                y,
                style.never_reached(row.trials),
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
        layout.right_column(ax, y, _band_text(row.best_rate, row.best_value, row.band, unit))
    layout.right_column(ax, -0.5, "best rate\nband", header=True)
    layout.rate_axis(ax, settings)
    ax.set_yticks(range(len(rows)), [r.optimizer for r in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    layout.gridlines(ax, "x")
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


def _band_text(best: float, value: float, band: tuple[float, float], unit: str) -> str:
    low, high = band
    return f"{best:.3g} ({value:.4g} {unit})\n" + (
        f"{low:.3g} to {high:.3g}" if low < high else f"{low:.3g} only"
    )


def save_png(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)  # the headless raster canvas; no display is ever opened
    fig.savefig(path, dpi=DPI, facecolor="white")
    return path


def _gaps_note(settings: StudySettings) -> str:
    note = "Not shown: runs that did not reach the target (diverged or ran out of budget"
    if settings.prune:
        note += f", or pruned: stopped once {BAND_MARGIN:g}x slower than the optimizer's best"
    return note + ")."
