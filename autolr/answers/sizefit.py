"""Fits across model sizes, each with an interval that says how much the sizes measured
support it. scipy fits and resamples; nothing here is a hand-written regression.

- `fit_line`: steps or seconds to the target = c + k·x (x the weight count or the scale
  factor), with c >= 0: a negative fixed cost is no cost at all, so when the free fit
  puts c below zero the line is refitted through the origin and says so.
- `fit_rates`: log10(best rate) = a + b·log10(size), through each size's best rate. The
  slope's interval is a bootstrap in which each size is as uncertain as the span of
  rates its search could not tell apart from its best (its band, widened by half a step
  to the neighbouring rates tried). If the interval holds 0, the data cannot tell the
  best rate from one that stays put as the model grows.

Few sizes give wide (or, at 2 sizes, incomplete) intervals; `caveat` says so in words.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from autolr.answers.scaling import SizeBest

CONFIDENCE = 0.95  # of every interval here
RESAMPLES = 1000  # bootstrap draws: 25 in each 2.5% tail, stable to a few per cent
SEED = 0  # the same study always gives the same intervals
R2_SIZES = 4  # an R² from fewer sizes says nothing (through 2 points it is exactly 1)
SPAN_POINTS = 5  # points per size across its span of indistinguishable rates


@dataclass(frozen=True, eq=False)
class Line:
    """y = c + k·x through one point per size, c >= 0, with bootstrap draws of (c, k)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    c: float
    k: float
    c_free: float  # the least-squares intercept without the c >= 0 constraint
    r2: float | None  # None below R2_SIZES sizes
    draws: np.ndarray | None  # (2, RESAMPLES): c and k per resample; None below 3 sizes

    @property
    def sizes(self) -> int:
        return len(set(self.xs))

    @property
    def c_held_at_zero(self) -> bool:
        return self.c_free < 0

    def predict(self, x: float) -> float:
        return self.c + self.k * x

    def interval(self, x: float) -> tuple[float, float] | None:
        """Where the line's value at x lies, over the bootstrap (None from 2 sizes: every
        resample is the same line or none)."""
        if self.draws is None:
            return None
        return _percentiles(self.draws[0] + self.draws[1] * x)

    def quality(self) -> str:
        """R², or why there is none."""
        if self.r2 is not None:
            return f"R² {self.r2:.3f}"
        if self.sizes == 2:
            return "exact through 2 points"
        return f"{self.sizes} sizes: too few for an R²"

    def c_note(self) -> str:
        """Why c is what it is, when the constraint decided it."""
        if not self.c_held_at_zero:
            return ""
        return f"c held at 0 (the free fit gave {self.c_free:.3g}, a negative fixed cost)"


def fit_line(xs: Sequence[float], ys: Sequence[float]) -> Line:
    """Least squares of y = c + k·x with c >= 0, at least two distinct x."""
    x, y = np.asarray(xs, float), np.asarray(ys, float)
    if len(x) != len(y) or len(set(xs)) < 2:
        raise ValueError("a line needs at least two distinct x values")
    c, k = _line(x, y)
    r2 = None
    if len(set(xs)) >= R2_SIZES:
        total = float(np.sum((y - y.mean()) ** 2))
        r2 = 1.0 - float(np.sum((y - (c + k * x)) ** 2)) / total if total > 0 else 1.0
    draws = _bootstrap((x, y), lambda bx, by: _line(bx, by)) if len(set(xs)) >= 3 else None
    free, _ = _least_squares(x, y, c_min=-np.inf)
    return Line(tuple(map(float, xs)), tuple(map(float, ys)), c, k, free, r2, draws)


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(c, k) by bounded least squares, c >= 0."""
    return _least_squares(x, y, c_min=0.0)


def _least_squares(x: np.ndarray, y: np.ndarray, c_min: float) -> tuple[float, float]:
    """(c, k) of y = c + k·x with c >= c_min, by scipy's least squares (NaN with one x).
    x is rescaled so weight counts of millions and intercepts of seconds solve alike."""
    if np.ptp(x) == 0:
        return math.nan, math.nan
    unit = float(np.max(np.abs(x)))
    design = np.column_stack([np.ones_like(x), x / unit])
    bounds = ([c_min, -np.inf], [np.inf, np.inf])
    # bvls: exact for a bound that binds, where the default trf iterates towards it.
    solution = optimize.lsq_linear(design, y, bounds=bounds, method="bvls").x
    return float(solution[0]), float(solution[1]) / unit


@dataclass(frozen=True, eq=False)
class RateFit:
    """log10(best rate) = intercept + slope·log10(size), per optimizer."""

    axis: str  # "weights" or "scale"
    sizes: tuple[float, ...]  # one per size measured, ascending
    spans: tuple[tuple[float, float], ...]  # per size: rates its search could not separate
    slope: float
    intercept: float
    draws: np.ndarray  # (2, RESAMPLES): slope and intercept per resample

    @property
    def slope_interval(self) -> tuple[float, float]:
        return _percentiles(self.draws[0])

    @property
    def transfers(self) -> bool:
        """Whether the sizes measured are consistent with one rate for every size."""
        low, high = self.slope_interval
        return low <= 0 <= high

    def predict(self, size: float) -> float:
        return float(10 ** (self.intercept + self.slope * math.log10(size)))

    def interval(self, size: float) -> tuple[float, float]:
        low, high = _percentiles(self.draws[1] + self.draws[0] * math.log10(size))
        return float(10**low), float(10**high)

    def caveat(self) -> str:
        """What the number of sizes allows one to conclude."""
        n = len(self.sizes)
        if n == 2:
            return (
                "only 2 sizes: the interval reflects how sharply each size's best rate is "
                "known, not whether a straight line holds; measure a third size"
            )
        if n == 3:
            return "only 3 sizes: the interval is rough; a fourth size would firm it up"
        return ""


def fit_rates(best: Sequence[SizeBest], axis: str) -> RateFit | None:
    """The best rate against size, for the sizes where some rate reached the target;
    None when fewer than two sizes did.

    The line goes through each size's best rate. Each size enters as SPAN_POINTS points
    centred on its best rate and as wide as the span of rates its search could not tell
    apart, so the bootstrap that resamples them carries both how sharply each size's best
    is known and how well one line fits all sizes.
    """
    measured = sorted((b for b in best if b.band is not None), key=lambda b: b.size(axis))
    if len({b.size(axis) for b in measured}) < 2:
        return None
    spans = tuple(plausible_span(b) for b in measured)
    x = np.repeat([math.log10(b.size(axis)) for b in measured], SPAN_POINTS)
    y = np.concatenate([_spread(b, span) for b, span in zip(measured, spans, strict=True)])
    intercept, slope = _least_squares(x, y, c_min=-np.inf)
    return RateFit(
        axis=axis,
        sizes=tuple(b.size(axis) for b in measured),
        spans=spans,
        slope=slope,
        intercept=intercept,
        draws=_bootstrap((x, y), _slope_intercept),
    )


def _spread(best: SizeBest, span: tuple[float, float]) -> np.ndarray:
    """log10 rates as wide as `span`, with their mean at the size's best rate."""
    assert best.learning_rate is not None
    points = np.linspace(math.log10(span[0]), math.log10(span[1]), SPAN_POINTS)
    return points - points.mean() + math.log10(best.learning_rate)


def plausible_span(best: SizeBest) -> tuple[float, float]:
    """The rates one size's search could not tell from its best: its band, widened to
    halfway (geometrically) to the next rate tried on each side; at the end of the rates
    tried, by half the typical step between them."""
    assert best.band is not None
    low, high = best.band
    tried = sorted(best.tried)
    ratios = [b / a for a, b in itertools.pairwise(tried) if b > a]
    half_step = math.sqrt(float(np.median(ratios))) if ratios else 1.0
    below = [r for r in tried if r < low]
    above = [r for r in tried if r > high]
    return (
        math.sqrt(low * below[-1]) if below else low / half_step,
        math.sqrt(high * above[0]) if above else high * half_step,
    )


def _slope_intercept(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """A resample's (slope, intercept); NaN when it holds one size only (no line)."""
    intercept, slope = _least_squares(x, y, c_min=-np.inf)
    return slope, intercept


def _bootstrap(
    data: tuple[np.ndarray, np.ndarray],
    statistic: Callable[[np.ndarray, np.ndarray], tuple[float, float]],
) -> np.ndarray:
    """scipy's paired bootstrap; the draws are kept so that any size can be predicted."""
    with warnings.catch_warnings():
        # Resamples that hold one size only have no line (NaN); they are left out of the
        # percentiles below, and scipy's own interval, unused here, would warn of them.
        warnings.simplefilter("ignore")
        result = stats.bootstrap(
            data,
            lambda x, y: np.array(statistic(x, y)),
            paired=True,
            vectorized=False,
            n_resamples=RESAMPLES,
            method="percentile",
            rng=np.random.default_rng(SEED),
        )
    return np.asarray(result.bootstrap_distribution)


def _percentiles(values: np.ndarray) -> tuple[float, float]:
    tail = (1 - CONFIDENCE) / 2
    low, high = np.nanquantile(values, [tail, 1 - tail])
    return float(low), float(high)
