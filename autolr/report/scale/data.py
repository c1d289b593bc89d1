"""A scale study's runs as the series its two figures draw (pure: no plotting).

The analysis (which runs count, the c + k*n fit, the fastest rate per size) is
`autolr.study.scaling`'s, the same numbers `autolr scale` prints; this module only
regroups them: by learning rate for the time-vs-size figure, by size for the other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autolr.study.scaling import LinearFit, ScaleRun

MILLION = 1e6


@dataclass(frozen=True)
class RateSeries:
    """One learning rate across model sizes, and the line fitted through its runs."""

    learning_rate: float
    scales: tuple[float, ...]
    weights: tuple[int, ...]
    seconds: tuple[float, ...]  # to the target, or spent when it was not reached
    reached: tuple[bool, ...]
    fit: LinearFit | None  # None: fewer than two sizes reached the target

    def points(self, reached: bool) -> tuple[list[float], list[float]]:
        """(weights in millions, seconds) of the runs that did (or did not) reach."""
        rows = zip(self.weights, self.seconds, self.reached, strict=True)
        chosen = [(w / MILLION, s) for w, s, ok in rows if ok == reached]
        return [w for w, _ in chosen], [s for _, s in chosen]


@dataclass(frozen=True)
class SizeSeries:
    """One model size across learning rates; NaN where a rate did not reach the target."""

    scale: float
    weights: int
    learning_rates: tuple[float, ...]
    seconds: tuple[float, ...]
    steps: tuple[int | None, ...]  # to the target; None where it was not reached
    fastest: float | None  # the rate that reached the target soonest at this size

    @property
    def fastest_seconds(self) -> float | None:
        if self.fastest is None:
            return None
        return self.seconds[self.learning_rates.index(self.fastest)]

    def tied(self) -> tuple[float, ...]:
        """Rates that reached the target in as few steps as the fastest: checks come every
        so many steps, so between these only the clock (timing noise) decided."""
        reached = [s for s in self.steps if s is not None]
        if not reached:
            return ()
        fewest = min(reached)
        return tuple(r for r, s in zip(self.learning_rates, self.steps, strict=True) if s == fewest)


def by_rate(runs: Sequence[ScaleRun], fits: Mapping[float, LinearFit | None]) -> list[RateSeries]:
    series = []
    for rate in sorted({r.learning_rate for r in runs}):
        own = sorted((r for r in runs if r.learning_rate == rate), key=lambda r: r.weights)
        series.append(
            RateSeries(
                learning_rate=rate,
                scales=tuple(r.scale for r in own),
                weights=tuple(r.weights for r in own),
                seconds=tuple(r.seconds for r in own),
                reached=tuple(r.reached for r in own),
                fit=fits.get(rate),
            )
        )
    return series


def by_size(runs: Sequence[ScaleRun], fastest: Mapping[float, float | None]) -> list[SizeSeries]:
    series = []
    for scale in sorted({r.scale for r in runs}):
        own = sorted((r for r in runs if r.scale == scale), key=lambda r: r.learning_rate)
        series.append(
            SizeSeries(
                scale=scale,
                weights=max(r.weights for r in own),
                learning_rates=tuple(r.learning_rate for r in own),
                seconds=tuple(r.seconds if r.reached else math.nan for r in own),
                steps=tuple(r.steps if r.reached else None for r in own),
                fastest=fastest.get(scale),
            )
        )
    return series


def sizes(runs: Sequence[ScaleRun]) -> dict[float, int]:
    """The weight count of each scale that ran, smallest first."""
    return {s.scale: s.weights for s in by_size(runs, {})}
