"""A scale study as PNG: time to target against the weight count with each rate's fitted
line (the 2018 study's model-size experiment), and time against rate at each size."""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullFormatter, StrMethodFormatter

from autolr.report import static_layout as layout
from autolr.report import style
from autolr.report.scale.data import MILLION, RateSeries, SizeSeries

SIZE = (11.0, 5.6)  # one panel, with a legend wide enough for the fit of each rate
AXES_RIGHT = 0.7
TOP, TOP_WITH_SCALES = 1.05, 1.45  # inches above the axes: titles, and the scale labels


def time_vs_size_figure(
    series: Sequence[RateSeries], scales: dict[float, int], title: str, subtitle: str
) -> Figure:
    """Seconds to the target against the weight count, a colour per rate: its runs, and
    the line c + k*n through those that reached (dotted back to n = 0, where it meets c)."""
    fig, ax = _one_panel(title, subtitle, TOP_WITH_SCALES)
    colours = style.rate_colours([s.learning_rate for s in series])
    top = max(scales.values()) / MILLION * 1.08
    handles: list[Line2D] = []
    for s in series:
        c = colours[s.learning_rate]
        xs, ys = s.points(reached=True)
        ax.scatter(xs, ys, color=c, s=42, zorder=3)
        missed = s.points(reached=False)
        ax.scatter(*missed, facecolors="white", edgecolors=c, s=42, linewidths=1.4, zorder=3)
        if s.fit is not None:
            low, high = min(xs), max(xs)
            fit = s.fit
            ax.plot([0, low], [fit.c, fit.predict(low * MILLION)], color=c, linestyle=":")
            ax.plot([low, high], [fit.predict(low * MILLION), fit.predict(high * MILLION)], color=c)
        handles.append(_rate_handle(s, c))
    ax.set_xlim(0, top)
    intercepts = [s.fit.c for s in series if s.fit is not None]
    ax.set_ylim(bottom=min([0.0, *intercepts]) * 1.1)  # a negative c stays in view
    ax.set_xlabel(style.WEIGHTS)
    ax.set_ylabel(style.MEASURE_LABELS["seconds"])
    _scale_ticks(ax, scales)
    layout.gridlines(ax, "both")
    key = [
        Line2D([], [], color="0.3", marker="o", linestyle="", label="reached the target"),
        Line2D(
            [],
            [],
            color="0.3",
            marker="o",
            markerfacecolor="white",
            linestyle="",
            label="did not reach (time spent)",
        ),
        Line2D([], [], color="0.3", label="fit c + k·n (dotted: to n = 0)"),
    ]
    _legends(fig, handles, "learning rate: fit", key)
    return fig


def time_vs_rate_figure(series: Sequence[SizeSeries], title: str, subtitle: str) -> Figure:
    """Seconds to the target against the rate, a line per model size, the fastest rate
    starred: if the stars line up, the rate found on a small model carries over."""
    fig, ax = _one_panel(title, subtitle, TOP)
    colours = style.sequential([s.scale for s in series], style.SIZE_STOPS)
    handles: list[Line2D] = []
    for s in series:
        c = colours[s.scale]
        ax.plot(s.learning_rates, s.seconds, color=c, marker="o", markersize=5, linewidth=1.8)
        if s.fastest is not None and s.fastest_seconds is not None:
            ax.scatter(
                [s.fastest],
                [s.fastest_seconds],
                marker="*",
                s=260,
                color=c,
                edgecolors="black",
                linewidths=0.9,
                zorder=4,
            )
        handles.append(
            Line2D(
                [],
                [],
                color=c,
                marker="o",
                label=f"{style.scale_label(s.scale)} ({s.weights / MILLION:.2f} M weights)",
            )
        )
    rates = sorted({r for s in series for r in s.learning_rates})
    ax.set_xscale("log")
    ax.set_xlim(rates[0] / layout.EDGE, rates[-1] * layout.EDGE)
    _round_ticks(ax.xaxis, style.nice_log_ticks(rates[0], rates[-1]))
    ax.set_yscale("log")
    times = [t for s in series for t in s.seconds if not math.isnan(t)]
    if times:
        _round_ticks(ax.yaxis, style.nice_log_ticks(min(times), max(times)))
    ax.set_xlabel(style.LEARNING_RATE)
    ax.set_ylabel(style.MEASURE_LABELS["seconds"])
    layout.gridlines(ax, "both")
    key = [
        Line2D(
            [],
            [],
            color="0.5",
            marker="*",
            markersize=14,
            markeredgecolor="black",
            linestyle="",
            label="fastest rate at that size",
        )
    ]
    layout.footnote(fig, "Not shown: rates that did not reach the target at that size.")
    _legends(fig, handles, "model size", key)
    return fig


def _one_panel(title: str, subtitle: str, top: float) -> tuple[Figure, Axes]:
    """One axes left of a legend column; `top` inches above it for titles (and labels)."""
    fig = layout.new_figure(*SIZE)
    ax = fig.add_subplot()
    layout.heading(fig, title, subtitle)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.08, right=AXES_RIGHT, top=1 - top / height, bottom=0.8 / height)
    return fig, ax


def _rate_handle(series: RateSeries, colour: str) -> Line2D:
    return Line2D([], [], color=colour, marker="o", label=fit_label(series, "\n"))


def fit_label(series: RateSeries, newline: str) -> str:
    """The rate and its fit, on two lines: the legend is the fit table of the figure."""
    fit = series.fit
    if fit is None:
        return f"lr {series.learning_rate:.3g}{newline}no fit: reached at < 2 sizes"
    return (
        f"lr {series.learning_rate:.3g}{newline}"
        f"c {fit.c:.3g} s, k {fit.k * MILLION:.3g} s/M, R² {fit.r2:.3f}"
    )


def _scale_ticks(ax: Axes, scales: dict[float, int]) -> None:
    """The scale factors along the top, above the weight counts they stand for."""
    top = ax.secondary_xaxis("top")
    top.set_xticks([w / MILLION for w in scales.values()], [style.scale_label(s) for s in scales])
    top.set_xlabel("model scale (x the reference CNN's filters)", fontsize=9)
    top.tick_params(labelsize=9)


def _round_ticks(axis: Axis, ticks: list[float]) -> None:
    """Plain round numbers on a log axis, as the other figures have."""
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(StrMethodFormatter("{x:g}"))
    axis.set_minor_formatter(NullFormatter())


def _legends(fig: Figure, handles: Sequence[Line2D], title: str, key: Sequence[Line2D]) -> None:
    """The rates (or sizes) from the top of the axes down, the key from the bottom up."""
    box = fig.axes[0].get_position()
    fig.legend(
        handles=list(handles),
        title=title,
        loc="upper left",
        bbox_to_anchor=(AXES_RIGHT + 0.02, box.y1),
        frameon=False,
        labelspacing=0.9,
        alignment="left",
    )
    fig.legend(
        handles=list(key),
        loc="lower left",
        bbox_to_anchor=(AXES_RIGHT + 0.02, box.y0),
        frameon=False,
    )
