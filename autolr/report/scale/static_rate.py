"""The best learning rate against model size, as PNG: each size's best rate with the span
of rates its search could not tell apart, the fit log(rate) = a + b·log(size) with its
bootstrap interval, and (from `best --for-scale`) the size asked about."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, NullFormatter, StrMethodFormatter

from autolr.report import static_layout as layout
from autolr.report import style
from autolr.report.scale.data import AXIS_LABELS, RateSeries, Target, axis_value
from autolr.study.sizefit import CONFIDENCE

SIZE = (11.0, 5.8)
AXES_RIGHT = 0.66


def rate_vs_size_figure(
    series: Sequence[RateSeries], target: Target | None, title: str, subtitle: str
) -> Figure:
    fig = layout.new_figure(*SIZE)
    ax = fig.add_subplot()
    layout.heading(fig, title, subtitle)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.08, right=AXES_RIGHT, top=1 - 1.05 / height, bottom=1.1 / height)
    axis = series[0].axis
    handles: list[Line2D | Patch] = []
    for s in series:
        c, marker = style.colour(s.optimizer), style.mpl_marker(s.optimizer)
        xs = [axis_value(b.size(axis), axis) for b in s.sizes]
        rates = [float(b.learning_rate or 0) for b in s.sizes]
        spans = s.fit.spans if s.fit else tuple((r, r) for r in rates)
        errors = [
            [r - lo for r, (lo, _) in zip(rates, spans, strict=True)],
            [hi - r for r, (_, hi) in zip(rates, spans, strict=True)],
        ]
        ax.errorbar(
            xs,
            rates,
            yerr=errors,
            color=c,
            marker=marker,
            linestyle="",
            capsize=4,
            markersize=7,
            zorder=3,
        )
        if s.fit is not None:
            _draw_fit(ax, s, target, c)
        handles.append(Line2D([], [], color=c, marker=marker, label=slope_label(s, "\n")))
    if target is not None:
        _draw_target(ax, target, axis)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _round_ticks(ax, series, target)
    ax.set_xlabel(AXIS_LABELS[axis] + " (log)")
    ax.set_ylabel("best learning rate (log)")
    layout.gridlines(ax, "both")
    key: list[Line2D | Patch] = [
        Line2D(
            [],
            [],
            color="0.3",
            marker="o",
            linestyle="",
            label="best rate at a size;\nbar: rates its search could not\ntell apart",
        ),
        Line2D([], [], color="0.3", label="fit, over the sizes measured"),
        Line2D([], [], color="0.3", linestyle="--", label="fit, extrapolated"),
        Patch(color="0.3", alpha=0.18, label=f"{CONFIDENCE:.0%} interval (bootstrap)"),
    ]
    if target is not None:
        key.append(
            Line2D(
                [],
                [],
                color="black",
                marker="*",
                markersize=12,
                linestyle=":",
                label="size asked about",
            )
        )
    _legends(fig, handles, key)
    layout.footnote(fig, f"Sizes drawn by {axis}; the fit and its interval use the same axis.")
    return fig


def _draw_fit(ax: Axes, series: RateSeries, target: Target | None, colour: str) -> None:
    assert series.fit is not None
    axis = series.axis
    low, high = min(series.fit.sizes), max(series.fit.sizes)
    reach_low = min(low, target.size) if target else low
    reach_high = max(high, target.size) if target else high
    xs, lower, upper = series.band(reach_low, reach_high)
    ax.fill_between(
        [axis_value(x, axis) for x in xs], lower, upper, color=colour, alpha=0.15, linewidth=0
    )
    fit = series.fit
    ax.plot(
        [axis_value(low, axis), axis_value(high, axis)],
        [fit.predict(low), fit.predict(high)],
        color=colour,
    )
    for start, end in ((reach_low, low), (high, reach_high)):
        if start < end:
            ax.plot(
                [axis_value(start, axis), axis_value(end, axis)],
                [fit.predict(start), fit.predict(end)],
                color=colour,
                linestyle="--",
            )


def _draw_target(ax: Axes, target: Target, axis: str) -> None:
    x = axis_value(target.size, axis)
    ax.axvline(x, color="0.25", linestyle=":", linewidth=1.2)
    low, high = target.interval
    ax.errorbar(
        [x],
        [target.rate],
        yerr=[[target.rate - low], [high - target.rate]],
        color="black",
        marker="*",
        markersize=14,
        capsize=5,
        zorder=4,
    )
    ax.annotate(
        f"{target.label}\nlr {target.rate:.3g}\n({low:.3g} .. {high:.3g})",
        xy=(x, target.rate),
        xytext=(-12, 0),
        textcoords="offset points",
        ha="right",
        va="center",
        fontsize=9,
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7", "alpha": 0.9},
    )


def _round_ticks(ax: Axes, series: Sequence[RateSeries], target: Target | None) -> None:
    """Plain round numbers on both log axes, as the report's other figures have."""
    xs = [axis_value(b.size(s.axis), s.axis) for s in series for b in s.sizes]
    ys = [r for s in series if s.fit for span in s.fit.spans for r in span]
    if target is not None:
        xs.append(axis_value(target.size, series[0].axis))
        ys.extend(target.interval)
    for axis, values in ((ax.xaxis, xs), (ax.yaxis, ys)):
        if values:
            axis.set_major_locator(FixedLocator(style.nice_log_ticks(min(values), max(values))))
            axis.set_major_formatter(StrMethodFormatter("{x:g}"))
            axis.set_minor_formatter(NullFormatter())


def slope_label(series: RateSeries, newline: str) -> str:
    fit = series.fit
    if fit is None:
        return f"{series.optimizer}{newline}no fit: reached at < 2 sizes"
    low, high = fit.slope_interval
    verdict = "holds 0: no measurable drift" if fit.transfers else "excludes 0: drifts"
    return (
        f"{series.optimizer}: slope {two_places(fit.slope)} per decade{newline}"
        f"{CONFIDENCE:.0%} interval {two_places(low)} .. {two_places(high)}{newline}"
        f"{verdict}, {len(fit.sizes)} sizes"
    )


def two_places(value: float) -> str:
    """A slope to two decimals, without a "-0.00" for a slope that is 0 to that precision."""
    return f"{round(value, 2) + 0.0:.2f}"


def _legends(fig: Figure, handles: Sequence[Line2D | Patch], key: Sequence[Line2D | Patch]) -> None:
    box = fig.axes[0].get_position()
    fig.legend(
        handles=list(handles),
        title="optimizer: slope of log rate vs log size",
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
