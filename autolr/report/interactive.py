"""The report's figures as interactive HTML (plotly): hover for the trial behind a point,
click a legend entry to hide an optimizer in every panel at once.

The same three figures as `static`, from the same data and colours. HTML is written with
plotly.js as one file beside the pages, so the report opens offline and stays small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autolr.report import style
from autolr.report.bands import BandRow
from autolr.report.data import BINS_PER_DECADE, MEASURES, Envelope, Measure, Run, curves, envelope
from autolr.study.settings import StudySettings

PLOTLY_JS = "plotly.min.js"  # what include_plotlyjs="directory" writes and links
FONT = {"family": "Helvetica, Arial, sans-serif", "size": 13}
PANEL_TITLES = ("training time", "training steps")
SPREAD_FILL = "rgba(150, 150, 150, 0.25)"
DARK = "rgb(40, 40, 40)"
OPTIMIZER_RANK, KEY_RANK = 100, 2000  # legend order: optimizers first, then the key


def time_to_target_figure(runs: Sequence[Run], settings: StudySettings, study: str) -> go.Figure:
    """Figure 1: a line per optimizer and panel; gaps where a rate did not reach."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=PANEL_TITLES, horizontal_spacing=0.1)
    for column, measure in enumerate(MEASURES, start=1):
        for series in curves(runs, settings.optimizers, measure):
            name = series.optimizer
            fig.add_trace(
                go.Scatter(
                    x=series.learning_rates,
                    y=[_gap(v) for v in series.values],
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
    return _finish(fig, study, "time to target vs learning rate", runs, settings, height=520)


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
        for trace in _envelope_traces(env, settings, measure, legend=column == 1):
            fig.add_trace(trace, row=1, col=column)
        for trace in _count_traces(env, legend=column == 1):
            fig.add_trace(trace, row=2, col=column)
        _measure_axes(fig, column, measure, settings, row=1)
        fig.update_xaxes(title_text=style.LEARNING_RATE, row=2, col=column, **_rate_axis(settings))
        fig.update_yaxes(
            title_text="optimizers", range=(0, len(settings.optimizers)), row=2, col=column
        )
    fig.update_layout(barmode="overlay")
    return _finish(
        fig, study, "fastest and slowest optimizer at each learning rate", runs, settings, 640
    )


def bands_figure(
    rows: Sequence[BandRow], runs: Sequence[Run], settings: StudySettings, study: str
) -> go.Figure:
    """Figure 3: reached range (thin), band (thick) and best rate (star) per optimizer."""
    unit = style.MEASURE_UNITS["steps" if settings.objective == "steps" else "seconds"]
    fig = go.Figure([trace for row in rows for trace in _band_traces(row, unit, settings)])
    fig.update_xaxes(title_text=style.LEARNING_RATE, showgrid=True, **_rate_axis(settings))
    fig.update_yaxes(
        categoryorder="array", categoryarray=[r.optimizer for r in reversed(rows)], type="category"
    )
    height = 220 + 60 * len(rows)
    return _finish(fig, study, "learning rates that reach the target", runs, settings, height)


def write_html(fig: go.Figure, path: Path) -> Path:
    """One HTML page; plotly.min.js is copied once beside it and shared by every page."""
    fig.write_html(
        path,
        include_plotlyjs="directory",
        full_html=True,
        config={"responsive": True, "toImageButtonOptions": {"format": "svg"}},
    )
    return path


# -- pieces -------------------------------------------------------------------------
def _band_traces(row: BandRow, unit: str, settings: StudySettings) -> list[go.Scatter]:
    """Reached range (thin), each reached rate (tick), band (thick), best rate (star)."""
    name, c = row.optimizer, style.colour(row.optimizer)
    if row.reached_range is None or row.band is None or row.best_rate is None:
        middle = math.sqrt(settings.lr_min * settings.lr_max)
        return [
            go.Scatter(
                x=[middle],
                y=[name],
                mode="text",
                showlegend=False,
                hoverinfo="skip",
                text=[f"never reached the target ({row.trials} runs)"],
                textfont={"color": "gray"},
            )
        ]
    common: dict[str, Any] = {
        "y": [name] * 2,
        "mode": "lines",
        "legendgroup": name,
        "showlegend": False,
        "hoverinfo": "skip",
    }
    return [
        go.Scatter(x=row.reached_range, line={"color": c, "width": 3}, opacity=0.45, **common),
        go.Scatter(
            x=row.reached_rates,
            y=[name] * len(row.reached_rates),
            mode="markers",
            legendgroup=name,
            showlegend=False,
            marker={"symbol": "line-ns-open", "size": 14, "color": c, "line": {"width": 2}},
            hovertemplate=f"{name} reached the target at lr %{{x:.3g}}<extra></extra>",
        ),
        go.Scatter(x=row.band, line={"color": c, "width": 16}, opacity=0.85, **common),
        go.Scatter(
            x=[row.best_rate],
            y=[name],
            mode="markers",
            name=name,
            legendgroup=name,
            marker={"symbol": "star", "size": 18, "color": c, "line": {"width": 1}},
            hovertemplate=f"{name}: best lr {row.best_rate:.3g} ({row.best_value:.4g} "
            f"{unit})<br>band {row.band[0]:.3g} to {row.band[1]:.3g}<br>reached at "
            f"{row.reached_trials} of {row.trials} runs<extra></extra>",
        ),
    ]


def _envelope_traces(
    env: Envelope, settings: StudySettings, measure: Measure, legend: bool
) -> list[go.Scatter]:
    unit = style.MEASURE_UNITS[measure]
    traces = [
        go.Scatter(
            x=xs,
            y=ys,
            fill="toself",
            fillcolor=SPREAD_FILL,
            mode="none",
            hoverinfo="skip",
            showlegend=False,
        )
        for xs, ys in _spread_polygons(env)
    ]
    for values, dash, label in (
        (env.fastest, "solid", "fastest"),
        (env.slowest, "dash", "slowest"),
    ):
        traces.append(
            go.Scatter(
                x=env.learning_rates,
                y=[_gap(v) for v in values],
                mode="lines",
                line={"color": DARK, "dash": dash, "width": 1.5},
                name=label,
                legendgroup=label,
                legendrank=KEY_RANK,
                showlegend=legend,
                hoverinfo="skip",
            )
        )
    for name in settings.optimizers:
        if legend and (env.fastest_at(name) or env.slowest_at(name)):
            traces.append(_legend_entry(name))
        for points, suffix, role in (
            (env.fastest_at(name), "", "fastest"),
            (env.slowest_at(name), "-open", "slowest"),
        ):
            if not points:
                continue
            traces.append(
                go.Scatter(
                    x=[rate for rate, _ in points],
                    y=[value for _, value in points],
                    mode="markers",
                    name=name,
                    legendgroup=name,
                    showlegend=False,
                    marker={
                        "symbol": style.plotly_marker(name) + suffix,
                        "size": 10,
                        "color": style.colour(name),
                        "line": {"width": 2, "color": style.colour(name)},
                    },
                    hovertemplate=f"{role}: {name}<br>lr %{{x:.3g}}<br>%{{y:.4g}} {unit}"
                    "<extra></extra>",
                )
            )
    return traces


def _legend_entry(name: str) -> go.Scatter:
    """A legend line for an optimizer whose marks carry no legend of their own."""
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        name=name,
        legendgroup=name,
        legendrank=OPTIMIZER_RANK,
        marker={"symbol": style.plotly_marker(name), "size": 10, "color": style.colour(name)},
    )


def _spread_polygons(env: Envelope) -> list[tuple[list[float], list[float]]]:
    """One closed shape per run of consecutive rates with a result, so the shading has the
    same gaps as the lines (plotly's fill would otherwise bridge them)."""
    polygons, start = [], None
    for i, value in enumerate([*env.fastest, math.nan]):
        if not math.isnan(value) and start is None:
            start = i
        elif math.isnan(value) and start is not None:
            xs = list(env.learning_rates[start:i])
            polygons.append(
                (xs + xs[::-1], list(env.fastest[start:i]) + list(env.slowest[start:i])[::-1])
            )
            start = None
    return polygons


def _count_traces(env: Envelope, legend: bool) -> list[go.Bar]:
    """Bars a little narrower than a grid step. Plotly sizes bars in data units even on a
    log axis, so each width is worked out at its own rate."""
    half = 10 ** (0.3 / BINS_PER_DECADE)
    common = {
        "x": env.learning_rates,
        "width": [r * half - r / half for r in env.learning_rates],
        "showlegend": legend,
        "legendrank": KEY_RANK,
    }
    return [
        go.Bar(
            y=env.tried,
            name="tried",
            legendgroup="tried",
            marker={"color": "white", "line": {"color": "gray", "width": 1}},
            hovertemplate="lr %{x:.3g}: %{y} tried<extra></extra>",
            **common,
        ),
        go.Bar(
            y=env.reached,
            name="reached",
            legendgroup="reached",
            marker={"color": "rgb(90, 90, 90)"},
            hovertemplate="lr %{x:.3g}: %{y} reached<extra></extra>",
            **common,
        ),
    ]


def _measure_axes(
    fig: go.Figure, column: int, measure: Measure, settings: StudySettings, row: int
) -> None:
    fig.update_xaxes(row=row, col=column, **_rate_axis(settings))
    fig.update_yaxes(type="log", title_text=style.MEASURE_LABELS[measure], row=row, col=column)


def _rate_axis(settings: StudySettings) -> dict[str, Any]:
    """Log axis with a tick per decade written 10^k, as in the PNG figures."""
    return {"type": "log", "range": _log_range(settings), "dtick": 1, "exponentformat": "power"}


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


def _gap(value: float) -> float | None:
    """Plotly breaks a line at None; NaN would not survive the JSON as cleanly."""
    return None if math.isnan(value) else value


def _finish(
    fig: go.Figure,
    study: str,
    what: str,
    runs: Sequence[Run],
    settings: StudySettings,
    height: int,
) -> go.Figure:
    fig.update_layout(
        title={
            "text": f"<b>{style.title(study, what)}</b>",
            "subtitle": {"text": style.subtitle(settings, len(runs))},
            "x": 0.5,
            "xanchor": "center",
        },
        template="plotly_white",
        font=FONT,
        height=height,
        margin={"t": 110},
        legend={"title": {"text": "optimizer"}},
        hovermode="closest",
    )
    _value_ticks(fig)
    return fig
