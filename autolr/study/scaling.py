"""The model-size experiment's analysis: time to threshold = c + k * n.

The 2018 study found that training time grew linearly with the weight count n, so a
search on a small proxy model predicts the cost of the large one. Pure functions over
stored trials of a `scale` study.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optuna.trial import FrozenTrial, TrialState


def reference_weight_count(
    scale: float, side: int = 28, channels: int = 1, classes: int = 10
) -> int:
    """Weights of the reference CNN at `scale`, without building it (3,274,634 at 1)."""
    filters1, filters2 = max(1, round(32 * scale)), max(1, round(64 * scale))
    hidden = max(1, round(1024 * scale))
    pooled = side // 2 // 2
    conv1 = 5 * 5 * channels * filters1 + filters1
    conv2 = 5 * 5 * filters1 * filters2 + filters2
    dense = pooled * pooled * filters2 * hidden + hidden
    return conv1 + conv2 + dense + hidden * classes + classes


@dataclass(frozen=True)
class LinearFit:
    c: float  # seconds that do not grow with the model
    k: float  # seconds per weight
    r2: float  # share of the variance the line explains
    points: int

    def predict(self, weights: float) -> float:
        return self.c + self.k * weights


def fit_linear(xs: Sequence[float], ys: Sequence[float]) -> LinearFit:
    """Ordinary least squares of y = c + k x (at least two distinct x values)."""
    if len(xs) != len(ys) or len(set(xs)) < 2:
        raise ValueError("a line needs at least two distinct x values")
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    k = sxy / sxx
    c = mean_y - k * mean_x
    total = sum((y - mean_y) ** 2 for y in ys)
    residual = sum((y - (c + k * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = 1.0 - residual / total if total > 0 else 1.0
    return LinearFit(c, k, r2, n)


@dataclass(frozen=True)
class ScaleRun:
    scale: float
    learning_rate: float
    weights: int
    reached: bool
    seconds: float  # training seconds to the target (or spent, if not reached)
    steps: int


def scale_runs(trials: Sequence[FrozenTrial]) -> list[ScaleRun]:
    runs = []
    for trial in trials:
        if trial.state != TrialState.COMPLETE or "scale" not in trial.params:
            continue
        attrs = trial.user_attrs
        runs.append(
            ScaleRun(
                scale=float(trial.params["scale"]),
                learning_rate=float(trial.params["learning_rate"]),
                weights=int(attrs.get("weight_count", 0)),
                reached=bool(attrs.get("reached")),
                seconds=float(attrs.get("train_seconds", 0.0)),
                steps=int(attrs.get("steps", 0)),
            )
        )
    return sorted(runs, key=lambda r: (r.learning_rate, r.scale))


def fits_by_rate(runs: Sequence[ScaleRun]) -> dict[float, LinearFit | None]:
    """Per learning rate, the line through its runs that reached the target."""
    fits: dict[float, LinearFit | None] = {}
    for rate in sorted({r.learning_rate for r in runs}):
        reached = [r for r in runs if r.learning_rate == rate and r.reached]
        try:
            fits[rate] = fit_linear([r.weights for r in reached], [r.seconds for r in reached])
        except ValueError:
            fits[rate] = None
    return fits


def fastest_rate_by_scale(runs: Sequence[ScaleRun]) -> dict[float, float | None]:
    """Per scale, the learning rate that reached the target in the fewest seconds."""
    fastest: dict[float, float | None] = {}
    for scale in sorted({r.scale for r in runs}):
        reached = [r for r in runs if r.scale == scale and r.reached]
        fastest[scale] = min(reached, key=lambda r: r.seconds).learning_rate if reached else None
    return fastest
