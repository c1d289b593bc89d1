"""The best learning rate against model size, as interactive HTML: the PNG's marks, with
each size's best rate, span and steps on hover."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from autolr.report import interactive, style
from autolr.report.scale.data import AXIS_LABELS, RateSeries, Target, axis_value
from autolr.report.scale.static_rate import slope_label
from autolr.study.sizefit import CONFIDENCE


def rate_vs_size_figure(
    series: Sequence[RateSeries], target: Target | None, title: str, subtitle: str
) -> go.Figure:
    fig = go.Figure()
    axis = series[0].axis
    for s in series:
        c, group = style.colour(s.optimizer), s.optimizer
        rates = [float(b.learning_rate or 0) for b in s.sizes]
        spans = s.fit.spans if s.fit else tuple((r, r) for r in rates)
        fig.add_trace(
            go.Scatter(
                x=[axis_value(b.size(axis), axis) for b in s.sizes],
                y=rates,
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [hi - r for r, (_, hi) in zip(rates, spans, strict=True)],
                    "arrayminus": [r - lo for r, (lo, _) in zip(rates, spans, strict=True)],
                    "color": c,
                },
                customdata=[
                    f"{style.scale_label(b.scale)}, {b.weights:,} weights: best lr "
                    f"{b.learning_rate:.3g} ({b.steps} steps); indistinguishable "
                    f"{lo:.3g} .. {hi:.3g}"
                    for b, (lo, hi) in zip(s.sizes, spans, strict=True)
                ],
                mode="markers",
                name=slope_label(s, "<br>"),
                legendgroup=group,
                marker={"color": c, "size": 10, "symbol": style.plotly_marker(s.optimizer)},
                hovertemplate=f"{group}: %{{customdata}}<extra></extra>",
            )
        )
        if s.fit is not None:
            _fit_traces(fig, s, target, c)
    if target is not None:
        _target_traces(fig, target, axis, _rate_extent(series, target))
    fig.update_xaxes(type="log", title_text=AXIS_LABELS[axis] + " (log)", showgrid=True)
    fig.update_yaxes(type="log", title_text="best learning rate (log)")
    return interactive.finish(
        fig,
        title,
        subtitle + f" · sizes by {axis}; shaded: {CONFIDENCE:.0%} interval; dashed: extrapolated",
        560,
        "optimizer: slope of log rate vs log size",
    )


def _fit_traces(fig: go.Figure, series: RateSeries, target: Target | None, colour: str) -> None:
    fit, axis, group = series.fit, series.axis, series.optimizer
    assert fit is not None
    low, high = min(fit.sizes), max(fit.sizes)
    reach_low = min(low, target.size) if target else low
    reach_high = max(high, target.size) if target else high
    xs, lower, upper = series.band(reach_low, reach_high)
    drawn = [axis_value(x, axis) for x in xs]
    fig.add_trace(
        go.Scatter(
            x=drawn + drawn[::-1],
            y=upper + lower[::-1],
            fill="toself",
            fillcolor=_transparent(colour),
            line={"width": 0},
            legendgroup=group,
            showlegend=False,
            hoverinfo="skip",
        )
    )
    for start, end, dash in (
        (reach_low, low, "dash"),
        (low, high, "solid"),
        (high, reach_high, "dash"),
    ):
        if start < end:
            fig.add_trace(
                go.Scatter(
                    x=[axis_value(start, axis), axis_value(end, axis)],
                    y=[fit.predict(start), fit.predict(end)],
                    mode="lines",
                    legendgroup=group,
                    showlegend=False,
                    line={"color": colour, "width": 2, "dash": dash},
                    hovertemplate=f"{group} fit: lr %{{y:.3g}} at %{{x:.3g}}<extra></extra>",
                )
            )


def _rate_extent(series: Sequence[RateSeries], target: Target) -> tuple[float, float]:
    """The lowest and highest rate drawn: how far the target's vertical line reaches."""
    values = [*target.interval] + [r for s in series if s.fit for span in s.fit.spans for r in span]
    return min(values), max(values)


def _target_traces(fig: go.Figure, target: Target, axis: str, extent: tuple[float, float]) -> None:
    x = axis_value(target.size, axis)
    low, high = target.interval
    fig.add_trace(  # a trace, not a shape: shapes take log10 positions on log axes
        go.Scatter(
            x=[x, x],
            y=[extent[0] / 1.5, extent[1] * 1.5],
            mode="lines",
            line={"color": "#404040", "dash": "dot", "width": 1.2},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[x],
            y=[target.rate],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [high - target.rate],
                "arrayminus": [target.rate - low],
                "color": "black",
            },
            mode="markers+text",
            text=[target.label],
            textposition="middle left",
            name=f"size asked about: {target.label}",
            marker={"symbol": "star", "size": 16, "color": "black"},
            hovertemplate=f"{target.label}: lr %{{y:.3g}} ({low:.3g} .. {high:.3g})<extra></extra>",
        )
    )


def _transparent(colour: str, alpha: float = 0.15) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
