"""The plotly traces the interactive figures are made of: marks per optimizer, the
spread between the fastest and slowest, count bars and band rows."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from autolr.report import style
from autolr.report.bands import BandRow
from autolr.report.data import BINS_PER_DECADE, Envelope, Measure
from autolr.study.settings import StudySettings

SPREAD_FILL = "rgba(150, 150, 150, 0.25)"
SPREAD_BAR = "rgb(180, 180, 180)"
DARK = "rgb(40, 40, 40)"
OPTIMIZER_RANK, KEY_RANK = 100, 2000  # legend order: optimizers first, then the key


def band_traces(row: BandRow, unit: str, settings: StudySettings) -> list[go.Scatter]:
    """Reached range (thin), each reached rate (tick), band (thick), best rate (star)."""
    name, c = row.optimizer, style.colour(row.optimizer)
    if (
        row.reached_range is None
        or row.band is None
        or row.best_rate is None
        or row.best_value is None
    ):
        middle = math.sqrt(settings.lr_min * settings.lr_max)
        return [
            go.Scatter(
                x=[middle],
                y=[name],
                mode="text",
                showlegend=False,
                hoverinfo="skip",
                text=[style.never_reached(row.trials)],
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


def envelope_traces(
    env: Envelope, settings: StudySettings, measure: Measure, legend: bool
) -> list[go.Scatter]:
    unit = style.MEASURE_UNITS[measure]
    traces = spread_traces(env, legend, joined=style.joins_points(settings))
    for name in settings.optimizers:
        if legend and (env.fastest_at(name) or env.slowest_at(name)):
            traces.append(legend_entry(name))
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


def spread_traces(env: Envelope, legend: bool, joined: bool) -> list[go.Scatter]:
    """Grid: shaded spread between a fastest and a slowest line. Scattered rates: a bar
    from fastest to slowest at each rate (as in the PNG)."""
    if not joined:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for rate, fast, slow in zip(env.learning_rates, env.fastest, env.slowest, strict=True):
            if not math.isnan(fast):
                xs += [rate, rate, None]
                ys += [fast, slow, None]
        return [
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="spread",
                legendrank=KEY_RANK,
                line={"color": SPREAD_BAR, "width": 4},
                showlegend=legend,
                hoverinfo="skip",
            )
        ]
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
        for xs, ys in spread_polygons(env)
    ]
    for values, dash, label in (
        (env.fastest, "solid", "fastest"),
        (env.slowest, "dash", "slowest"),
    ):
        traces.append(
            go.Scatter(
                x=env.learning_rates,
                y=[gap(v) for v in values],
                mode="lines",
                line={"color": DARK, "dash": dash, "width": 1.5},
                name=label,
                legendgroup=label,
                legendrank=KEY_RANK,
                showlegend=legend,
                hoverinfo="skip",
            )
        )
    return traces


def legend_entry(name: str) -> go.Scatter:
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


def spread_polygons(env: Envelope) -> list[tuple[list[float], list[float]]]:
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


def count_traces(env: Envelope, legend: bool) -> list[go.Bar]:
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
            name="did not reach",
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


def gap(value: float) -> float | None:
    """Plotly breaks a line at None; NaN would not survive the JSON as cleanly."""
    return None if math.isnan(value) else value
