"""A scale study as PNG: time to target against the model size (the scale factor, as the
2018 study drew it, or the weight count) at each size's best rate, with the line c + k·x,
and time against rate at each size."""

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
from autolr.report.scale.data import AXIS_LABELS, MILLION, SizeSeries, TimeSeries, axis_value

SIZE = (11.0, 5.6)  # one panel, with a legend wide enough for the fit of each optimizer
AXES_RIGHT = 0.7
TOP, TOP_WITH_SCALES = 1.05, 1.45  # inches above the axes: titles, and the scale labels
FIT_KEY_LINES = "fit c + k·x:\nsolid where measured,\ndashed back to size 0"


def time_vs_size_figure(
    series: Sequence[TimeSeries], scales: dict[float, int], title: str, subtitle: str
) -> Figure:
    """Seconds to the target at each size's best rate, a colour per optimizer, and the
    line c + k·x through them: solid over the sizes measured, dashed back to x = 0."""
    fig, ax = _one_panel(title, subtitle, TOP_WITH_SCALES)
    axis = series[0].axis
    handles: list[Line2D] = []
    for s in series:
        c = style.colour(s.optimizer)
        xs, ys = s.points()
        ax.scatter(xs, ys, color=c, marker=style.mpl_marker(s.optimizer), s=46, zorder=3)
        if s.line is not None:
            low, high = min(s.line.xs), max(s.line.xs)
            ax.plot(
                [0, axis_value(low, axis)], [s.line.c, s.line.predict(low)], color=c, linestyle="--"
            )
            ax.plot(
                [axis_value(low, axis), axis_value(high, axis)],
                [s.line.predict(low), s.line.predict(high)],
                color=c,
            )
        handles.append(
            Line2D([], [], color=c, marker=style.mpl_marker(s.optimizer), label=fit_label(s, "\n"))
        )
    tops = [axis_value(float(w if axis == "weights" else sc), axis) for sc, w in scales.items()]
    ax.set_xlim(0, max(tops) * 1.08)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(AXIS_LABELS[axis])
    ax.set_ylabel(style.MEASURE_LABELS["seconds"])
    _other_axis_ticks(ax, scales, axis)
    layout.gridlines(ax, "both")
    key = [
        Line2D([], [], color="0.3", marker="o", linestyle="", label="each size's best rate"),
        Line2D([], [], color="0.3", label=FIT_KEY_LINES),
    ]
    _legends(fig, handles, "optimizer: fit", key)
    return fig


def time_vs_rate_figure(series: Sequence[SizeSeries], title: str, subtitle: str) -> Figure:
    """Steps (or seconds) to the target against the rate, a line per model size, each
    size's best rate starred: if the stars line up, the rate carries over."""
    fig, ax = _one_panel(title, subtitle, TOP)
    colours = style.sequential([s.scale for s in series], style.SIZE_STOPS)
    handles: list[Line2D] = []
    for s in series:
        c = colours[s.scale]
        ax.plot(s.learning_rates, s.values, color=c, marker="o", markersize=5, linewidth=1.8)
        if s.fastest is not None and s.fastest_value is not None:
            ax.scatter(
                [s.fastest],
                [s.fastest_value],
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
    times = [t for s in series for t in s.values if not math.isnan(t)]
    if times:
        _round_ticks(ax.yaxis, style.nice_log_ticks(min(times), max(times)))
    ax.set_xlabel(style.LEARNING_RATE)
    ax.set_ylabel(style.MEASURE_LABELS[series[0].measure])
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
            label="best rate at that size",
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


def fit_label(series: TimeSeries, newline: str) -> str:
    """The optimizer and its fit, on two lines: the legend is the fit table of the figure."""
    line = series.line
    if line is None:
        return f"{series.optimizer}{newline}no fit: reached at < 2 sizes"
    unit = "s/M weights" if series.axis == "weights" else "s per x1 scale"
    k = line.k * (MILLION if series.axis == "weights" else 1)
    held = f"{newline}c held at 0 (free fit {line.c_free:.3g} s)" if line.c_held_at_zero else ""
    fit = f"c {line.c:.3g} s, k {k:.3g} {unit}"
    return f"{series.optimizer}{newline}{fit}{newline}{line.quality()}{held}"


def _other_axis_ticks(ax: Axes, scales: dict[float, int], axis: str) -> None:
    """The other size measure along the top: scale factors above weight counts, or the
    weight counts above scale factors."""
    top = ax.secondary_xaxis("top")
    if axis == "weights":
        top.set_xticks(
            [w / MILLION for w in scales.values()], [style.scale_label(s) for s in scales]
        )
        top.set_xlabel("model scale", fontsize=9)
    else:
        top.set_xticks(list(scales), [f"{w / MILLION:.2g} M" for w in scales.values()])
        top.set_xlabel("weights", fontsize=9)
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
