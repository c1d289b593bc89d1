"""A scale study's time figures, each described once (a `Chart`, drawn to PNG and HTML
alike): time to target against the model size at each size's best rate with the line
c + k·x, and each size's search (time against rate, a line per size)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from autolr.answers.sizefit import CONFIDENCE
from autolr.report import style
from autolr.report.chart import Area, Axis, Chart, KeyEntry, Line, Look, Mark, Panel, Points, Text
from autolr.report.marks import EDGE
from autolr.report.scale.data import AXIS_LABELS, MILLION, SizeSeries, TimeSeries, axis_value
from autolr.report.scale.fit_lines import fit_lines

SIZE = (11.0, 5.6)
KEY_GREY = "#4d4d4d"
MISSED = "did not reach the target"
HEADROOM = 1.25  # a linear time axis this far above the data: a row for unreached sizes
BAND_POINTS = 30


def time_vs_size(
    series: Sequence[TimeSeries], scales: dict[float, int], title: str, subtitle: str
) -> Chart:
    """Seconds to the target at each size's best rate, a colour per optimizer, the line
    c + k·x through them (solid over the sizes measured, dashed back to x = 0) and its
    bootstrap interval; sizes where no rate reached are marked in a row at the top."""
    axis = series[0].axis
    right = max(axis_value(float(w if axis == "weights" else s), axis) for s, w in scales.items())
    highest = [y for s in series for y in s.points()[1]]
    for s in series:  # the fit's end, and its interval's, stay inside the panel
        if s.line is not None:
            end = max(s.line.xs)
            highest += [s.line.predict(end), *(s.line.interval(end) or ())]
    top = max(highest, default=1.0) * HEADROOM
    marks: list[Mark] = []
    for s in series:
        marks += _time_marks(s, top)
    marks += _other_measure(scales, axis, top)
    key = [
        KeyEntry("each size's best rate", Look(KEY_GREY)),
        KeyEntry("fit c + k·x, over the sizes measured", Look(KEY_GREY), "line"),
        KeyEntry("fit, extrapolated back to size 0", Look(KEY_GREY, dash="dash"), "line"),
    ]
    if any(s.line is not None and s.line.draws is not None for s in series):
        key.append(
            KeyEntry(f"{CONFIDENCE:.0%} interval (bootstrap)", Look(KEY_GREY, opacity=0.2), "patch")
        )
    if any(s.missed for s in series):
        key.append(KeyEntry("no rate reached the target (top row)", Look(KEY_GREY, symbol="x")))
    return Chart(
        title,
        subtitle,
        [
            Panel(
                marks,
                Axis(AXIS_LABELS[axis], range=(0, right * 1.08)),
                Axis(style.MEASURE_LABELS["seconds"], range=(0, top * 1.08)),
            )
        ],
        size=SIZE,
        legend_title="optimizer: fit c + k·x",
        key=key,
        footnote=_size_note(series, axis),
    )


def _time_marks(s: TimeSeries, top: float) -> list[Mark]:
    colour, name, axis = style.colour(s.optimizer), s.optimizer, s.axis
    xs, ys = s.points()
    found: list[Mark] = []
    line = s.line
    if line is not None:
        low, high = min(line.xs), max(line.xs)
        if line.draws is not None:  # from 3 sizes: the bootstrap has something to vary
            reach = list(np.linspace(0.0, high, BAND_POINTS))
            bounds = [line.interval(x) or (math.nan, math.nan) for x in reach]
            found.append(
                Area(
                    [axis_value(x, axis) for x in reach],
                    [b[0] for b in bounds],
                    [b[1] for b in bounds],
                    colour,
                    opacity=0.15,
                    group=name,
                    tag=f"interval:{name}",
                )
            )
        pieces = [(0.0, low, "extrapolated"), (low, high, "fit")]
        found += fit_lines(pieces, line.predict, axis, colour, name, "c + k·x")
    # Each size's best run as a point; rate_figure.py draws the same sizes' rates alike.
    found.append(
        Points(
            xs,
            ys,
            Look(colour, symbol=style.symbol(name), size=8),
            legend=fit_label(s),
            group=name,
            hover=[
                f"{name}: {style.scale_label(b.scale)}, {b.weights:,} weights\n"
                f"lr {b.learning_rate:.3g}, {b.steps} steps, {b.seconds:.3g} s"
                for b in s.sizes
            ],
            tag=f"best:{name}",
        )
    )
    if s.missed:
        found.append(
            Points(
                [axis_value(b.size(axis), axis) for b in s.missed],
                [top] * len(s.missed),
                Look(colour, symbol="x", size=8),
                group=name,
                hover=[
                    f"{name}: {style.scale_label(b.scale)}, no rate reached the target "
                    f"({len(b.tried)} tried, {b.tried[0]:.3g} .. {b.tried[-1]:.3g})"
                    for b in s.missed
                ],
                tag=f"missed:{name}",
            )
        )
    return found


def _other_measure(scales: dict[float, int], axis: str, top: float) -> list[Mark]:
    """The other size measure written above each size: the scale factor over a weight
    count, or the weight count over a scale factor."""
    return [
        Text(
            axis_value(float(w if axis == "weights" else s), axis),
            top * 1.05,
            style.scale_label(s) if axis == "weights" else f"{w / MILLION:.2g} M",
            colour="#595959",
            size=8.5,
            tag="other-size",
        )
        for s, w in scales.items()
    ]


def _size_note(series: Sequence[TimeSeries], axis: str) -> str:
    other = "scale factor" if axis == "weights" else "weight count"
    note = (
        f"Sizes drawn by {AXIS_LABELS[axis]}, the axis the fit uses; above each size its "
        f"{other}. Below 4 sizes no R² is given (through 2 points a line is exact)"
    )
    note += (
        "; from 2 sizes the fit has no interval."
        if any(s.line is not None and s.line.draws is None for s in series)
        else "."
    )
    return note


def fit_label(series: TimeSeries) -> str:
    """The optimizer and its fit, on lines of their own: the legend is the figure's fit table."""
    line = series.line
    if line is None:
        return f"{series.optimizer}\nno fit: reached at < 2 sizes"
    unit = "s/M weights" if series.axis == "weights" else "s per x1 scale"
    k = line.k * (MILLION if series.axis == "weights" else 1)
    held = f"\nc held at 0 (free fit {line.c_free:.3g} s)" if line.c_held_at_zero else ""
    return f"{series.optimizer}\nc {line.c:.3g} s, k {k:.3g} {unit}\n{line.quality()}{held}"


def time_vs_rate(series: Sequence[SizeSeries], title: str, subtitle: str) -> Chart:
    """Steps (or seconds) to the target against the rate, a line per model size, each
    size's best rate starred (if the stars line up, the rate carries over), and every
    rate that did not reach the target in a row above."""
    measure = series[0].measure
    unit = style.MEASURE_UNITS[measure]
    colours = style.sequential([s.scale for s in series], style.SIZE_STOPS)
    values = [v for s in series for v in s.values if not math.isnan(v)]
    low, high = (min(values), max(values)) if values else (1.0, 10.0)
    ticks = style.nice_log_ticks(low, high)
    missed_at = ticks[-1] * 1.5  # the row of runs that did not reach, above every tick
    marks: list[Mark] = []
    for s in series:
        colour = colours[s.scale]
        name = f"{style.scale_label(s.scale)} ({s.weights / MILLION:.2f} M weights)"
        marks.append(
            Line(
                s.learning_rates,
                [None if math.isnan(v) else v for v in s.values],
                Look(colour, width=1.8, symbol="circle", size=5),
                legend=name,
                group=name,
                hover=[
                    f"{name}\nlr {r:.3g}: {v:.3g} {unit}"
                    for r, v in zip(s.learning_rates, s.values, strict=True)
                ],
                tag=f"search:{style.scale_label(s.scale)}",
            )
        )
        missed = [r for r, v in zip(s.learning_rates, s.values, strict=True) if math.isnan(v)]
        if missed:
            marks.append(
                Points(
                    missed,
                    [missed_at] * len(missed),
                    Look(colour, symbol="x", size=8),
                    group=name,
                    hover=[f"{name}\nlr {r:.3g}: {MISSED}" for r in missed],
                    tag=f"missed:{style.scale_label(s.scale)}",
                )
            )
        if s.fastest is not None and s.fastest_value is not None:
            marks.append(
                Points(
                    [s.fastest],
                    [s.fastest_value],
                    Look(colour, symbol="star", size=16, edge="black", edge_width=0.9),
                    group=name,
                    hover=f"{name}: best at lr {s.fastest:.3g} ({s.fastest_value:.3g} {unit})",
                    tag=f"fastest:{style.scale_label(s.scale)}",
                )
            )
    rates = sorted({r for s in series for r in s.learning_rates})
    any_missed = any(m.tag and m.tag.startswith("missed:") for m in marks)
    top = (missed_at if any_missed else high) * 1.25
    value_axis = Axis(style.MEASURE_LABELS[measure], log=True, range=(low / 1.25, top), ticks=ticks)
    key = [
        KeyEntry("best rate at that size", Look("#999999", symbol="star", size=12, edge="black"))
    ]
    if any_missed:
        key.append(KeyEntry(f"{MISSED} (top row)", Look(KEY_GREY, symbol="x")))
    return Chart(
        title,
        subtitle,
        [
            Panel(
                marks,
                Axis(
                    style.LEARNING_RATE,
                    log=True,
                    range=(rates[0] / EDGE, rates[-1] * EDGE),
                    ticks=style.nice_log_ticks(rates[0], rates[-1]),
                ),
                value_axis,
            )
        ],
        size=SIZE,
        legend_title="model size",
        key=key,
        footnote=(
            "Every run is drawn: a rate that did not reach the target at a size is an x "
            "in the top row, in that size's colour."
            if any_missed
            else "Every run is drawn; every rate tried reached the target."
        ),
    )
