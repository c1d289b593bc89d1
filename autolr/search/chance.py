"""A run that sits at chance: what guessing gives, and when a run has shown nothing more.

PBT trains every member for a whole interval before it can be replaced; a member that
has learned nothing after its first checks (a rate far too low, or one that wrecked the
weights without a non-finite loss) would spend the rest of its interval at chance. It
ends its interval early instead, and the next exploit replaces it.

Chance is the best a model that ignores its input can do, from the training labels:
- accuracy: the share of the most common class (at least 1/C);
- loss: the cross-entropy of always predicting the class frequencies (their entropy, at
  most ln C), or for regression the mean squared error of predicting the mean (the
  targets' variance).
A run is at chance when each of its last CHANCE_CHECKS checks has closed less than
CHANCE_SHARE of the gap between chance and a perfect score (the Goal's gap: 1 - accuracy,
or the loss), or is not finite. Pure functions: no Optuna, no Keras.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from autolr.data import Dataset
from autolr.metrics import ACCURACY_METRICS, Goal

# Checks a member trains before it can be judged: a slow start is not chance. At the
# default check every 50 steps, 150 steps.
CHANCE_CHECKS = 3
# Progress below this share of the way from chance to a perfect score is none: accuracy
# 0.158 where chance is 0.1135 (MNIST's 10,000 images), a loss 5% below chance. A window
# of 50 batches of 100 measures chance accuracy to about 0.005, far inside it.
CHANCE_SHARE = 0.05
STOP_REASON = "stop_reason"  # trial user attribute: "chance" or "diverged"
CHANCE, DIVERGED = "chance", "diverged"


def chance_level(dataset: Dataset, metric: str) -> float:
    """The study's metric for a model that ignores its input (see the module's text)."""
    labels = np.asarray(dataset.y_train)
    if dataset.task == "regression":
        return math.nan if metric in ACCURACY_METRICS else float(np.mean(np.var(labels, axis=0)))
    counts = np.bincount(labels.astype(np.int64).ravel(), minlength=dataset.num_classes)
    shares = counts / max(int(counts.sum()), 1)
    if metric in ACCURACY_METRICS:
        return float(max(shares.max(), 1.0 / dataset.num_classes))
    present = shares[shares > 0]
    return float(-np.sum(present * np.log(present)))


def at_chance(
    values: Sequence[float], goal: Goal, chance: float, checks: int = CHANCE_CHECKS
) -> bool:
    """Whether the last `checks` values of the metric (one interval's checks, oldest
    first) all sit at chance. Fewer checks, or an unknown chance level: not judged."""
    if len(values) < checks or not math.isfinite(chance):
        return False
    limit = (1.0 - CHANCE_SHARE) * goal.gap(chance)
    return all(not goal.gap(value) < limit for value in values[-checks:])
