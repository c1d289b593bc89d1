"""A scale study as interactive HTML: the same two figures as the PNGs; hover a point
for its run, hover a line for its fit, click a rate or size in the legend to hide it."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from autolr.report import interactive, style
from autolr.report.scale.data import MILLION, RateSeries, SizeSeries
from autolr.report.scale.static import fit_label


def time_vs_size_figure(
    series: Sequence[RateSeries], scales: dict[float, int], title: str, subtitle: str
) -> go.Figure:
    fig = go.Figure()
    colours = style.rate_colours([s.learning_rate for s in series])
    for s in series:
        c, group = colours[s.learning_rate], f"lr {s.learning_rate:.3g}"
        hover = f"{group}<br>%{{x:.3g}} M weights (%{{customdata}})<br>%{{y:.3g}} s"
        for reached in (True, False):
            rows = [
                (w / MILLION, t, style.scale_label(sc))
                for w, t, sc, ok in zip(s.weights, s.seconds, s.scales, s.reached, strict=True)
                if ok == reached
            ]
            if not rows:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[r[0] for r in rows],
                    y=[r[1] for r in rows],
                    customdata=[r[2] for r in rows],
                    mode="markers",
                    name=fit_label(s, "<br>"),
                    legendgroup=group,
                    showlegend=reached or (s.fit is None and not any(s.reached)),
                    marker={
                        "color": c if reached else "white",
                        "size": 10,
                        "line": {"color": c, "width": 2},
                    },
                    hovertemplate=hover
                    + ("" if reached else " spent, target not reached")
                    + "<extra></extra>",
                )
            )
        if s.fit is not None:
            xs, _ = s.points(reached=True)
            x = [0.0, min(xs), max(xs)]
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=[s.fit.predict(v * MILLION) for v in x],
                    mode="lines",
                    legendgroup=group,
                    showlegend=False,
                    line={"color": c, "width": 2},
                    hovertemplate=f"{group}: %{{y:.3g}} s predicted at %{{x:.3g}} M weights"
                    "<extra></extra>",
                )
            )
    top = max(scales.values()) / MILLION * 1.08
    fig.update_xaxes(title_text=style.WEIGHTS, range=[0, top], showgrid=True)
    fig.update_yaxes(title_text=style.MEASURE_LABELS["seconds"], rangemode="tozero")
    fig.update_layout(
        xaxis2={
            "overlaying": "x",
            "side": "top",
            "range": [0, top],
            "tickvals": [w / MILLION for w in scales.values()],
            "ticktext": [style.scale_label(s) for s in scales],
            "title": {"text": "model scale (x the reference CNN's filters)"},
            "showgrid": False,
        }
    )
    fig.add_trace(go.Scatter(x=[None], y=[None], xaxis="x2", showlegend=False))
    fig = interactive.finish(fig, title, subtitle, 580, "learning rate: fit")
    fig.update_layout(margin={"t": 150})
    return fig


def time_vs_rate_figure(series: Sequence[SizeSeries], title: str, subtitle: str) -> go.Figure:
    fig = go.Figure()
    colours = style.sequential([s.scale for s in series], style.SIZE_STOPS)
    for s in series:
        c, name = colours[s.scale], f"{style.scale_label(s.scale)} ({s.weights / MILLION:.2f} M)"
        fig.add_trace(
            go.Scatter(
                x=s.learning_rates,
                y=[None if math.isnan(t) else t for t in s.seconds],
                mode="lines+markers",
                name=name,
                legendgroup=name,
                line={"color": c, "width": 2},
                marker={"size": 8},
                hovertemplate=f"{name}<br>lr %{{x:.3g}}: %{{y:.3g}} s<extra></extra>",
            )
        )
        if s.fastest is not None:
            fig.add_trace(
                go.Scatter(
                    x=[s.fastest],
                    y=[s.fastest_seconds],
                    mode="markers",
                    legendgroup=name,
                    showlegend=False,
                    marker={"symbol": "star", "size": 20, "color": c, "line": {"width": 1}},
                    hovertemplate=f"{name}: fastest at lr %{{x:.3g}} (%{{y:.3g}} s)<extra></extra>",
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
    fig.update_yaxes(type="log", title_text=style.MEASURE_LABELS["seconds"])
    times = [t for s in series for t in s.seconds if not math.isnan(t)]
    if times:
        ticks = style.nice_log_ticks(min(times), max(times))
        fig.update_yaxes(tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])
    return interactive.finish(fig, title, subtitle, 540, "model size (star: fastest)")
