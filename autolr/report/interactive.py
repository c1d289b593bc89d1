"""The report's figures as interactive HTML (plotly): hover for the trial behind a point,
click a legend entry to hide an optimizer in every panel at once.

The same three figures as `static`, from the same data and colours; the traces they are
made of are built in `interactive_traces`. HTML is written with plotly.js as one file
beside the pages, so the report opens offline and stays small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autolr.report import interactive_traces as traces
from autolr.report import style
from autolr.report.bands import BandRow
from autolr.report.data import MEASURES, Measure, Run, curves, envelope
from autolr.study.settings import StudySettings

PLOTLY_JS = "plotly.min.js"  # what include_plotlyjs="directory" writes and links
FONT = {"family": "Helvetica, Arial, sans-serif", "size": 13}
PANEL_TITLES = ("training time", "training steps")


def time_to_target_figure(runs: Sequence[Run], settings: StudySettings, study: str) -> go.Figure:
    """Figure 1: a line per optimizer and panel; gaps where a rate did not reach."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=PANEL_TITLES, horizontal_spacing=0.1)
    for column, measure in enumerate(MEASURES, start=1):
        for series in curves(runs, settings.optimizers, measure):
            name = series.optimizer
            fig.add_trace(
                go.Scatter(
                    x=series.learning_rates,
                    y=[traces.gap(v) for v in series.values],
                    mode="lines+markers" if style.joins_points(settings) else "markers",
                    name=name,
                    legendgroup=name,
                    showlegend=column == 1,
                    line={"color": style.colour(name), "width": 2},
                    marker={"symbol": style.plotly_marker(name), "size": 8},
                    customdata=series.numbers,
                    hovertemplate=f"{name}<br>lr %{{x:.3g}}<br>%{{y:.4g}} "
                    f"{style.MEASURE_UNITS[measure]}<br>trial %{{customdata}}<extra></extra>",
                ),
                row=1,
                col=column,
            )
        _measure_axes(fig, column, measure, settings, row=1)
        fig.update_xaxes(title_text=style.LEARNING_RATE, row=1, col=column)
    return _finish(fig, study, style.TIME_TITLE, runs, settings, height=520)


def envelope_figure(runs: Sequence[Run], settings: StudySettings, study: str) -> go.Figure:
    """Figure 2: fastest and slowest optimizer per rate, and how many reached there."""
    fig = make_subplots(
        rows=2,
        cols=2,
        row_heights=(0.78, 0.22),
        shared_xaxes=True,
        vertical_spacing=0.04,
        horizontal_spacing=0.1,
        subplot_titles=(*PANEL_TITLES, "", ""),
    )
    for column, measure in enumerate(MEASURES, start=1):
        env = envelope(runs, measure)
        for trace in traces.envelope_traces(env, settings, measure, legend=column == 1):
            fig.add_trace(trace, row=1, col=column)
        for trace in traces.count_traces(env, legend=column == 1):
            fig.add_trace(trace, row=2, col=column)
        _measure_axes(fig, column, measure, settings, row=1)
        fig.update_xaxes(title_text=style.LEARNING_RATE, row=2, col=column, **_rate_axis(settings))
        fig.update_yaxes(
            title_text="optimizers",
            range=(0, len(settings.optimizers)),
            dtick=max(1, math.ceil(len(settings.optimizers) / 3)),
            row=2,
            col=column,
        )
    fig.update_layout(barmode="overlay")
    return _finish(fig, study, style.ENVELOPE_TITLE, runs, settings, 640)


def bands_figure(
    rows: Sequence[BandRow], runs: Sequence[Run], settings: StudySettings, study: str
) -> go.Figure:
    """Figure 3: reached range (thin), band (thick) and best rate (star) per optimizer."""
    unit = style.MEASURE_UNITS["steps" if settings.objective == "steps" else "seconds"]
    fig = go.Figure([trace for row in rows for trace in traces.band_traces(row, unit, settings)])
    fig.update_xaxes(title_text=style.LEARNING_RATE, showgrid=True, **_rate_axis(settings))
    fig.update_yaxes(
        categoryorder="array", categoryarray=[r.optimizer for r in reversed(rows)], type="category"
    )
    height = 220 + 60 * len(rows)
    return _finish(fig, study, style.BANDS_TITLE, runs, settings, height)


def write_html(fig: go.Figure, path: Path) -> Path:
    """One HTML page; plotly.min.js is copied once beside it and shared by every page."""
    fig.write_html(
        path,
        include_plotlyjs="directory",
        full_html=True,
        config={"responsive": True, "toImageButtonOptions": {"format": "svg"}},
    )
    return path


def _measure_axes(
    fig: go.Figure, column: int, measure: Measure, settings: StudySettings, row: int
) -> None:
    fig.update_xaxes(row=row, col=column, **_rate_axis(settings))
    fig.update_yaxes(type="log", title_text=style.MEASURE_LABELS[measure], row=row, col=column)


def _rate_axis(settings: StudySettings) -> dict[str, Any]:
    """Log axis over the study's range, ticked as in the PNG figures."""
    axis: dict[str, Any] = {"type": "log", "range": _log_range(settings)}
    ticks = style.rate_ticks(settings)
    if ticks is None:
        return {**axis, "dtick": 1, "exponentformat": "power"}
    return {**axis, "tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks]}


def _value_ticks(fig: go.Figure) -> None:
    """Plain 1-2-5 ticks on every log value axis: plotly's own crowd a short axis."""
    for axis in fig.select_yaxes():
        if axis.type != "log":
            continue
        values = [
            v
            for trace in fig.data
            if trace.yaxis == axis.plotly_name.replace("axis", "")
            for v in (trace.y or ())
            if v is not None and v > 0
        ]
        if values:
            ticks = style.nice_log_ticks(min(values), max(values))
            axis.update(tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])


def _log_range(settings: StudySettings) -> list[float]:
    """Axis range in log10 units, half a grid step beyond the study's range."""
    pad = 1 / 12
    return [math.log10(settings.lr_min) - pad, math.log10(settings.lr_max) + pad]


def _finish(
    fig: go.Figure,
    study: str,
    what: str,
    runs: Sequence[Run],
    settings: StudySettings,
    height: int,
) -> go.Figure:
    return finish(
        fig, style.title(study, what), style.subtitle(settings, len(runs)), height, "optimizer"
    )


def finish(fig: go.Figure, title: str, subtitle: str, height: int, legend: str) -> go.Figure:
    """The look every interactive figure shares: centred title and subtitle, white
    template, the report's font, legend title, and round ticks on log value axes."""
    fig.update_layout(
        title={
            "text": f"<b>{title}</b>",
            "subtitle": {"text": subtitle},
            "x": 0.5,
            "xanchor": "center",
        },
        template="plotly_white",
        font=FONT,
        height=height,
        margin={"t": 110},
        legend={"title": {"text": legend}},
        hovermode="closest",
    )
    _value_ticks(fig)
    return fig
