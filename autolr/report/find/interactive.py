"""The range test as interactive HTML: the same curves, bands and suggestions as the PNG
(loss above, a row per optimizer's band below), with values under the cursor."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autolr.report import style
from autolr.report.find.data import FindCurve, loss_at, loss_ceiling
from autolr.report.interactive import finish


def loss_figure(curves: Sequence[FindCurve], title: str, subtitle: str, note: str) -> go.Figure:
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.73, 0.27], vertical_spacing=0.06
    )
    for c in curves:
        colour = style.colour(c.optimizer)
        group = {"legendgroup": c.optimizer}
        label = c.optimizer + ("" if c.verdict.valley else " (no valley)")
        fig.add_trace(
            go.Scatter(
                x=c.rates,
                y=c.losses,
                mode="lines",
                opacity=0.3,
                showlegend=False,
                line={"color": colour, "width": 1},
                **group,
                hovertemplate=f"{c.optimizer}<br>lr %{{x:.3g}}<br>loss %{{y:.3g}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=c.rates,
                y=c.smoothed,
                mode="lines",
                name=label,
                line={"color": colour, "width": 2.5},
                **group,
                hovertemplate=f"{c.optimizer}<br>lr %{{x:.3g}}<br>moving average "
                "%{y:.3g}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        band, suggestion = c.verdict.band, c.verdict.suggestion
        if band is None or suggestion is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=list(band),
                y=[c.optimizer] * 2,
                mode="lines",
                showlegend=False,
                line={"color": colour, "width": 10},
                opacity=0.45,
                **group,
                hovertemplate=f"{c.optimizer} band {band[0]:.3g} .. {band[1]:.3g}<extra></extra>",
            ),
            row=2,
            col=1,
        )
        marker = {
            "symbol": style.plotly_marker(c.optimizer),
            "size": 11,
            "color": colour,
            "line": {"color": "black", "width": 1},
        }
        for row, y in ((1, loss_at(c, suggestion)), (2, c.optimizer)):
            fig.add_trace(
                go.Scatter(
                    x=[suggestion],
                    y=[y],
                    mode="markers",
                    marker=marker,
                    showlegend=False,
                    **group,
                    hovertemplate=f"{c.optimizer}: suggested rate {suggestion:.3g}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    fig.update_xaxes(type="log")
    fig.update_xaxes(title_text=style.LEARNING_RATE, row=2, col=1)
    fig.update_yaxes(range=[0, loss_ceiling(curves)], title_text="training loss", row=1, col=1)
    fig.update_yaxes(
        categoryorder="array",
        autorange="reversed",
        categoryarray=[c.optimizer for c in curves],
        row=2,
        col=1,
    )
    fig.add_annotation(
        text=note,
        xref="paper",
        yref="paper",
        x=0,
        y=-0.16,
        showarrow=False,
        align="left",
        font={"size": 11, "color": "#555"},
    )
    return finish(fig, title, subtitle, 680, "optimizer")
