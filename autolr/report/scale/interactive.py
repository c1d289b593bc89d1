"""A scale study as interactive HTML: the same figures as the PNGs; hover a point for its
run, hover a line for its fit, click an optimizer or size in the legend to hide it."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from autolr.report import interactive, style
from autolr.report.scale.data import AXIS_LABELS, MILLION, SizeSeries, TimeSeries, axis_value
from autolr.report.scale.static import fit_label


def time_vs_size_figure(
    series: Sequence[TimeSeries], scales: dict[float, int], title: str, subtitle: str
) -> go.Figure:
    fig = go.Figure()
    axis = series[0].axis
    for s in series:
        c, group = style.colour(s.optimizer), s.optimizer
        xs, ys = s.points()
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                customdata=[
                    f"{style.scale_label(b.scale)}, {b.weights:,} weights, "
                    f"lr {b.learning_rate:.3g}, {b.steps} steps"
                    for b in s.sizes
                ],
                mode="markers",
                name=fit_label(s, "<br>"),
                legendgroup=group,
                marker={"color": c, "size": 10, "symbol": style.plotly_marker(s.optimizer)},
                hovertemplate=f"{group}: %{{customdata}}<br>%{{y:.3g}} s<extra></extra>",
            )
        )
        if s.line is not None:
            low, high = min(s.line.xs), max(s.line.xs)
            for xs_fit, dash, what in (
                ([0.0, low], "dash", "extrapolated"),
                ([low, high], "solid", "fit"),
            ):
                fig.add_trace(
                    go.Scatter(
                        x=[axis_value(x, axis) for x in xs_fit],
                        y=[s.line.predict(x) for x in xs_fit],
                        mode="lines",
                        legendgroup=group,
                        showlegend=False,
                        line={"color": c, "width": 2, "dash": dash},
                        hovertemplate=f"{group} {what}: %{{y:.3g}} s at %{{x:.3g}}<extra></extra>",
                    )
                )
    tops = [axis_value(float(w if axis == "weights" else sc), axis) for sc, w in scales.items()]
    top = max(tops) * 1.08
    fig.update_xaxes(title_text=AXIS_LABELS[axis], range=[0, top], showgrid=True)
    fig.update_yaxes(title_text=style.MEASURE_LABELS["seconds"], rangemode="tozero")
    other = (
        (
            [w / MILLION for w in scales.values()],
            [style.scale_label(s) for s in scales],
            "model scale",
        )
        if axis == "weights"
        else (list(scales), [f"{w / MILLION:.2g} M" for w in scales.values()], "weights")
    )
    fig.update_layout(
        xaxis2={
            "overlaying": "x",
            "side": "top",
            "range": [0, top],
            "tickvals": other[0],
            "ticktext": other[1],
            "title": {"text": other[2]},
            "showgrid": False,
        }
    )
    fig.add_trace(go.Scatter(x=[None], y=[None], xaxis="x2", showlegend=False))
    key = "fit solid where measured, dashed back to size 0"
    fig = interactive.finish(fig, title, f"{subtitle} · {key}", 580, "optimizer: c + k·x")
    fig.update_layout(margin={"t": 150})
    return fig


def time_vs_rate_figure(series: Sequence[SizeSeries], title: str, subtitle: str) -> go.Figure:
    fig = go.Figure()
    colours = style.sequential([s.scale for s in series], style.SIZE_STOPS)
    unit = style.MEASURE_UNITS[series[0].measure]
    for s in series:
        c, name = colours[s.scale], f"{style.scale_label(s.scale)} ({s.weights / MILLION:.2f} M)"
        fig.add_trace(
            go.Scatter(
                x=s.learning_rates,
                y=[None if math.isnan(t) else t for t in s.values],
                mode="lines+markers",
                name=name,
                legendgroup=name,
                line={"color": c, "width": 2},
                marker={"size": 8},
                hovertemplate=f"{name}<br>lr %{{x:.3g}}: %{{y:.3g}} {unit}<extra></extra>",
            )
        )
        if s.fastest is not None:
            fig.add_trace(
                go.Scatter(
                    x=[s.fastest],
                    y=[s.fastest_value],
                    mode="markers",
                    legendgroup=name,
                    showlegend=False,
                    marker={"symbol": "star", "size": 20, "color": c, "line": {"width": 1}},
                    hovertemplate=f"{name}: best at lr %{{x:.3g}} (%{{y:.3g}} {unit})"
                    "<extra></extra>",
                )
            )
    rates = sorted({r for s in series for r in s.learning_rates})
    ticks = style.nice_log_ticks(rates[0], rates[-1])
    pad = math.log10(1.15)
    fig.update_xaxes(
        type="log",
        title_text=style.LEARNING_RATE,
        range=[math.log10(rates[0]) - pad, math.log10(rates[-1]) + pad],
        tickvals=ticks,
        ticktext=[f"{t:g}" for t in ticks],
    )
    fig.update_yaxes(type="log", title_text=style.MEASURE_LABELS[series[0].measure])
    times = [t for s in series for t in s.values if not math.isnan(t)]
    if times:
        ticks = style.nice_log_ticks(min(times), max(times))
        fig.update_yaxes(tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])
    return interactive.finish(fig, title, subtitle, 540, "model size (star: best rate)")
