"""A fitted line drawn in pieces: solid over the sizes measured, dashed where it is an
extrapolation (both scale figures draw their fits this way)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autolr.report.chart import Line, Look
from autolr.report.scale.data import axis_value


def fit_lines(
    pieces: Sequence[tuple[float, float, str]],
    predict: Callable[[float], float],
    axis: str,
    colour: str,
    name: str,
    formula: str,
) -> list[Line]:
    """One line per non-empty (start, end, "fit" | "extrapolated") piece of sizes."""
    return [
        Line(
            [axis_value(start, axis), axis_value(end, axis)],
            [predict(start), predict(end)],
            Look(colour, width=2, dash="dash" if what == "extrapolated" else "solid"),
            group=name,
            hover=f"{name} {what}: {formula}",
            tag=f"{what}:{name}",
        )
        for start, end, what in pieces
        if start < end
    ]
