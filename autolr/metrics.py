"""What a run is judged by: a metric (Keras's names) and the target it must reach.

Accuracy must rise to the target or above; a loss must fall to it or below. Everything
that reasons about a run's progress (the progress-aware value, the stop rules, the
tie-break, PBT's ranking, `best`) goes through a `Goal`, so each works with every metric
the same way: through the run's *gap*, the distance it still has to cover, which falls
towards zero as the run trains (1 - accuracy for accuracy, the loss itself for a loss).

Pure and framework-free, so commands that only read results stay fast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ACCURACY_METRICS: tuple[str, ...] = ("accuracy", "val_accuracy")
LOSS_METRICS: tuple[str, ...] = ("loss", "val_loss")
METRICS: tuple[str, ...] = (*ACCURACY_METRICS, *LOSS_METRICS)
VALIDATION_METRICS: tuple[str, ...] = ("val_accuracy", "val_loss")
_MIN_GAP = 1e-6  # accuracy 1.0 or a loss of 0 would make log(gap) infinite

# The trial user attribute holding the study's metric at a run's last check. Studies made
# before metrics could be chosen stored only "final_accuracy", their metric.
FINAL_METRIC = "final_metric"
FINAL_ACCURACY = "final_accuracy"

# How each metric reads in a sentence ("steps to 97% train accuracy").
_WORDS = {
    "accuracy": "train accuracy",
    "val_accuracy": "validation accuracy",
    "loss": "train loss",
    "val_loss": "validation loss",
}


@dataclass(frozen=True)
class Goal:
    """A metric and its target: when a run counts as trained."""

    metric: str = "accuracy"
    target: float = 0.97

    @property
    def rises(self) -> bool:
        """Accuracy rises to its target; a loss falls to it."""
        return self.metric in ACCURACY_METRICS

    @property
    def validation(self) -> bool:
        return self.metric in VALIDATION_METRICS

    def reached(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return value >= self.target if self.rises else value <= self.target

    def gap(self, value: float) -> float:
        """How far a run still is from a perfect score: falls towards 0 as it trains."""
        if not math.isfinite(value):
            return math.inf
        return max(1.0 - value if self.rises else value, _MIN_GAP)

    @property
    def target_gap(self) -> float:
        return max(1.0 - self.target if self.rises else self.target, _MIN_GAP)

    def cleared(self, value: float) -> float:
        """How far past the target a run got, as a share of the way to a perfect score
        (0: just reached, 1: perfect); the tie-break between runs that reached together."""
        if not self.reached(value):
            return 0.0
        return min(max(1.0 - self.gap(value) / self.target_gap, 0.0), 1.0)

    def better(self, a: float, b: float) -> bool:
        """Whether metric value `a` is strictly better than `b` (NaN is never better)."""
        if not math.isfinite(a):
            return False
        if not math.isfinite(b):
            return True
        return a > b if self.rises else a < b

    def worst(self) -> float:
        """A value below every real one, for ranking runs with no measurement."""
        return -math.inf if self.rises else math.inf

    def words(self) -> str:
        """The metric in a sentence: "train accuracy", "validation loss"."""
        return _WORDS[self.metric]

    def describe(self) -> str:
        """The goal in a sentence: "97% train accuracy", "validation loss <= 0.05"."""
        if self.rises:
            return f"{self.target * 100:g}% {self.words()}"
        return f"{self.words()} <= {self.target:g}"

    def show(self, value: float) -> str:
        """A measured value as people read it."""
        if not math.isfinite(value):
            return "-"
        return f"{value:.4f}" if self.rises else f"{value:.4g}"


def final_metric(attrs: Mapping[str, Any]) -> float:
    """The study's metric at a run's last check, from its stored attributes (NaN if none)."""
    value = attrs.get(FINAL_METRIC, attrs.get(FINAL_ACCURACY))
    return float(value) if isinstance(value, int | float) else math.nan
