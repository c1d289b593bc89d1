"""A scale study's sizes as the series its figures draw (pure: no plotting).

The analysis (each size's best rate, the fits and their intervals) is
`autolr.answers.scaling`'s and `autolr.answers.sizefit`'s, the same numbers `autolr scale`
and `autolr best --for-scale` print; this module only arranges them per figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from autolr.answers.scaling import ScaleRun, SizeBest
from autolr.answers.sizefit import Line, RateFit, fit_line, fit_rates
from autolr.report import style
from autolr.settings import StudySettings

MILLION = 1e6
AXES = ("scale", "weights")  # the size measures: the 2018 study's, and the weight count
# Figure titles (after "STUDY: "), the same in PNG and HTML.
RATE_TITLE = "best learning rate vs model size"
TIME_TITLES = {
    "scale": "training time to target vs scale factor",
    "weights": "training time to target vs weight count",
}
SEARCH_TITLE = "each size's search for its best rate"
AXIS_LABELS = {
    "scale": "model scale factor (--scales)",
    "weights": "weights (millions)",
}


def axis_value(x: float, axis: str) -> float:
    """A size as drawn: scale factors as they are, weight counts in millions."""
    return x / MILLION if axis == "weights" else x


@dataclass(frozen=True)
class TimeSeries:
    """One optimizer across sizes, at each size's best rate, with the line c + k·x."""

    optimizer: str
    sizes: tuple[SizeBest, ...]  # those where some rate reached the target
    axis: str
    line: Line | None  # None: fewer than two sizes reached the target
    missed: tuple[SizeBest, ...] = ()  # sizes where no rate reached the target

    def points(self) -> tuple[list[float], list[float]]:
        """(size as drawn, seconds) of each size's best run."""
        return (
            [axis_value(b.size(self.axis), self.axis) for b in self.sizes],
            [float(b.seconds or 0.0) for b in self.sizes],
        )


def time_series(best: dict[str, list[SizeBest]], axis: str) -> list[TimeSeries]:
    series = []
    for optimizer, sizes in best.items():
        reached = tuple(b for b in sizes if b.seconds is not None)
        xs = [b.size(axis) for b in reached]
        line = (
            fit_line(xs, [float(b.seconds or 0.0) for b in reached]) if len(set(xs)) > 1 else None
        )
        missed = tuple(b for b in sizes if b.seconds is None)
        series.append(TimeSeries(optimizer, reached, axis, line, missed))
    return series


# Alike in shape to TimeSeries: the same sizes, but the best rate and its fit in log-log
# (sizefit.RateFit), not the time and its straight line.
@dataclass(frozen=True)
class RateSeries:
    """One optimizer's best rate at each size, and the fit log(rate) vs log(size)."""

    optimizer: str
    sizes: tuple[SizeBest, ...]  # those where some rate reached the target
    axis: str
    fit: RateFit | None  # None: fewer than two sizes reached the target

    def band(self, low: float, high: float, count: int = 40) -> tuple[list[float], ...]:
        """(sizes, lower, upper) of the fit's interval from `low` to `high` sizes."""
        assert self.fit is not None
        xs = list(np.geomspace(low, high, count))
        bounds = [self.fit.interval(x) for x in xs]
        return xs, [b[0] for b in bounds], [b[1] for b in bounds]


def rate_series(best: dict[str, list[SizeBest]], axis: str) -> list[RateSeries]:
    return [
        RateSeries(o, tuple(b for b in sizes if b.band is not None), axis, fit_rates(sizes, axis))
        for o, sizes in best.items()
    ]


@dataclass(frozen=True)
class Target:
    """The size `best --for-scale` asked about, and what the fit predicts there."""

    size: float  # on the figure's axis (a weight count or a scale factor)
    label: str
    rate: float
    interval: tuple[float, float]


@dataclass(frozen=True)
class SizeSeries:
    """One optimizer at one model size across rates; NaN where a rate did not reach."""

    scale: float
    weights: int
    measure: str  # "steps" or "seconds": the study's objective, which ranks the rates
    learning_rates: tuple[float, ...]
    values: tuple[float, ...]  # steps or seconds to the target
    fastest: float | None  # the size's best rate (as `autolr best` ranks)

    @property
    def fastest_value(self) -> float | None:
        if self.fastest is None:
            return None
        return self.values[self.learning_rates.index(self.fastest)]


def by_size(runs: Sequence[ScaleRun], best: Sequence[SizeBest], measure: str) -> list[SizeSeries]:
    """The runs of `best`'s optimizer, one series per size."""
    series = []
    for size in best:
        own = sorted(
            (r for r in runs if (r.optimizer, r.scale) == (size.optimizer, size.scale)),
            key=lambda r: r.learning_rate,
        )
        series.append(
            SizeSeries(
                scale=size.scale,
                weights=size.weights,
                measure=measure,
                learning_rates=tuple(r.learning_rate for r in own),
                values=tuple(
                    (r.steps if measure == "steps" else r.seconds) if r.reached else math.nan
                    for r in own
                ),
                fastest=size.learning_rate,
            )
        )
    return series


def sizes(best: dict[str, list[SizeBest]]) -> dict[float, int]:
    """The weight count of each scale that ran, smallest first."""
    found = {b.scale: b.weights for bs in best.values() for b in bs}
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class ScaleInputs:
    study: str
    settings: StudySettings
    runs: tuple[ScaleRun, ...]
    best: dict[str, list[SizeBest]]  # per optimizer, per size
    by_scale: tuple[TimeSeries, ...]  # seconds vs the scale factor (the 2018 study's axis)
    by_weights: tuple[TimeSeries, ...]  # seconds vs the weight count
    rates: tuple[RateSeries, ...]  # best rate vs the weight count, with its fit
    sizes: tuple[SizeSeries, ...]  # the first optimizer's runs, per size
    weights: dict[float, int]  # per scale

    def subtitle(self) -> str:
        scales = ", ".join(style.scale_label(s) for s in self.weights)
        model = self.settings.model.factory or "reference CNN"
        return style.target_subtitle(
            self.settings,
            f"{model} at {scales}",
            f"{', '.join(self.best)} · {len(self.runs)} finished runs",
        )
