"""A trace as interactive HTML: the same two panels as the PNG; hover for the step, time
and accuracy of a check, click an optimizer in the legend to hide it in both panels."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autolr.report import interactive, style
from autolr.report.trace.data import Curve, TraceRun
from autolr.report.trace.static import PANELS, TOP
from autolr.study.settings import StudySettings


def accuracy_figure(
    runs: Sequence[TraceRun], settings: StudySettings, title: str, subtitle: str
) -> go.Figure:
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=PANELS,
        horizontal_spacing=0.06,
    )
    target = settings.train.target
    for column, which in enumerate(("validation", "training"), start=1):
        for run in runs:
            curve = run.validation if which == "validation" else run.training
            fig.add_trace(_line(run, curve, which, legend=column == 1), row=1, col=column)
        fig.add_hline(
            y=target, line={"dash": "dash", "color": style.TARGET_GREY, "width": 1}, col=column
        )
        fig.update_xaxes(title_text=style.TRAINING_TIME, rangemode="tozero", row=1, col=column)
    for run in runs:
        if run.reached_point is not None:
            fig.add_trace(_reached(run, target), row=1, col=2)
    finals = [a for r in runs for a in (r.final_accuracy, r.final_validation) if a is not None]
    fig.update_yaxes(range=[style.accuracy_floor(target, finals), TOP], row=1, col=1)
    fig.update_yaxes(title_text="accuracy", row=1, col=1)
    return interactive.finish(fig, title, subtitle, 540, "optimizer, rate")


def _line(run: TraceRun, curve: Curve, which: str, legend: bool) -> go.Scatter:
    return go.Scatter(
        x=curve.seconds,
        y=curve.accuracy,
        customdata=curve.steps,
        mode="lines+markers",
        name=run.label,
        legendgroup=run.optimizer,
        showlegend=legend,
        line={"color": style.colour(run.optimizer), "width": 2},
        marker={"symbol": style.plotly_marker(run.optimizer), "size": 6},
        hovertemplate=f"{run.label}<br>step %{{customdata}}, %{{x:.3g}} s<br>{which} "
        "accuracy %{y:.4f}<extra></extra>",
    )


def _reached(run: TraceRun, target: float) -> go.Scatter:
    """Where the run first reached the target, on the training panel."""
    assert run.reached_point is not None
    seconds, accuracy = run.reached_point
    return go.Scatter(
        x=[seconds],
        y=[accuracy],
        mode="markers",
        name=f"{run.optimizer} reached the target",
        legendgroup=run.optimizer,
        showlegend=False,
        marker={
            "symbol": style.plotly_marker(run.optimizer),
            "size": 14,
            "color": style.colour(run.optimizer),
            "line": {"color": "black", "width": 1.5},
        },
        hovertemplate=f"{run.label}: reached the target {target:g} at step "
        f"{run.reached_step} ({seconds:.3g} s)<extra></extra>",
    )
