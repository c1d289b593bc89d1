"""A PBT study as interactive HTML: the same two panels as the PNG; hover a line for the
member, generation, action and rate behind it, click an optimizer to hide its lines."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autolr.report import interactive, style
from autolr.report.pbt.data import Segment, accuracy_path, by_member, optimizer_runs, rate_path
from autolr.report.pbt.static import MARK_LABELS, PANELS
from autolr.study.settings import StudySettings

MARKS = {"exploit-perturb": "circle-open", "exploit-resample": "diamond-open"}
WINNER = "rgba(34, 34, 34, 0.25)"


def lineage_figure(
    found: Sequence[Segment],
    winner: Sequence[Segment],
    settings: StudySettings,
    title: str,
    subtitle: str,
) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=PANELS, horizontal_spacing=0.1)
    if winner:
        for column, (xs, ys) in ((1, rate_path(winner, None)), (2, accuracy_path(winner, None))):
            fig.add_trace(_winner(xs, ys, legend=column == 1), row=1, col=column)
    shown: set[str] = set()
    for path in by_member(found).values():
        before = None
        for run in optimizer_runs(path):
            name = run[0].optimizer
            hover = _hover(run, before)
            for column, (xs, ys) in enumerate(
                (rate_path(run, before), accuracy_path(run, before)), start=1
            ):
                texts = hover[0] if column == 1 else hover[1]
                fig.add_trace(_line(name, xs, ys, texts, name not in shown), row=1, col=column)
                shown.add(name)
            before = run[-1]
    for trace in _marks(found):
        fig.add_trace(trace, row=1, col=1)
    last = winner[-1] if winner else None
    if last is not None and last.accuracy is not None:
        fig.add_trace(_star(last), row=1, col=2)
    fig.add_hline(
        y=settings.train.target,
        line={"dash": "dash", "color": style.TARGET_GREY, "width": 1},
        row=1,
        col=2,
    )
    fig.update_yaxes(
        type="log",
        title_text=style.LEARNING_RATE,
        range=[math.log10(settings.lr_min) - 0.05, math.log10(settings.lr_max) + 0.05],
        dtick=1,
        exponentformat="power",
        row=1,
        col=1,
    )
    fig.update_yaxes(title_text=style.TRAINING_ACCURACY, range=[0, 1.005], row=1, col=2)
    fig.update_xaxes(title_text=style.LINEAGE_STEP, rangemode="tozero")
    return interactive.finish(fig, title, subtitle, 560, "optimizer")


def _line(
    name: str, xs: list[float], ys: list[float], texts: list[str], legend: bool
) -> go.Scatter:
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        name=name,
        legendgroup=name,
        showlegend=legend,
        line={"color": style.colour(name), "width": 1.5},
        opacity=0.85,
        text=texts,
        hovertemplate="%{text}<br>step %{x}: %{y:.4g}<extra></extra>",
    )


def _hover(run: Sequence[Segment], before: Segment | None) -> tuple[list[str], list[str]]:
    """Hover text for each point of `rate_path` and of `accuracy_path`, in their order."""
    rates, accuracies = [], []
    if before is not None:
        rates.append(_describe(before))
        if before.accuracy is not None:
            accuracies.append(_describe(before))
    for segment in run:
        rates += [_describe(segment)] * 2
        accuracies += [_describe(segment)] * len(segment.accuracy_path())
    return rates, accuracies


def _describe(s: Segment) -> str:
    donor = f" from member {s.donor}" if s.donor is not None else ""
    return (
        f"member {s.member}, generation {s.generation} (trial {s.trial})<br>"
        f"{s.optimizer} lr {s.learning_rate:.3g}, {s.action}{donor}"
        + (", diverged" if s.diverged else "")
    )


def _winner(xs: list[float], ys: list[float], legend: bool) -> go.Scatter:
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        name="winning lineage",
        legendgroup="winner",
        showlegend=legend,
        line={"color": WINNER, "width": 10},
        hoverinfo="skip",
    )


def _marks(found: Sequence[Segment]) -> list[go.Scatter]:
    """Exploits where they happened; a cross where an interval diverged."""
    traces = []
    for action, symbol in MARKS.items():
        hits = [s for s in found if s.action == action]
        if hits:
            traces.append(_mark(hits, [s.start for s in hits], symbol, MARK_LABELS[action]))
    diverged = [s for s in found if s.diverged]
    if diverged:
        traces.append(_mark(diverged, [s.end for s in diverged], "x-thin-open", "diverged"))
    return traces


def _mark(found: list[Segment], xs: list[int], symbol: str, label: str) -> go.Scatter:
    return go.Scatter(
        x=xs,
        y=[s.learning_rate for s in found],
        mode="markers",
        name=label,
        legendgroup=label,
        marker={
            "symbol": symbol,
            "size": 9,
            "color": [style.colour(s.optimizer) for s in found],
            "line": {"width": 2},
        },
        text=[_describe(s) for s in found],
        hovertemplate="%{text}<extra></extra>",
    )


def _star(last: Segment) -> go.Scatter:
    return go.Scatter(
        x=[last.end],
        y=[last.accuracy],
        mode="markers",
        name="reached the target",
        marker={"symbol": "star", "size": 18, "color": "gold", "line": {"width": 1}},
        text=[_describe(last)],
        hovertemplate="%{text}<br>reached the target at step %{x}<extra></extra>",
    )
