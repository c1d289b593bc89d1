"""Ties between runs that reached the target at the same check, broken inside the value.

Steps to the target are counted at checks (every 50 steps), so many runs tie. `autolr
best` breaks a tie by how far the run cleared the target, then by the lower rate. Tools
that know only the stored value (optuna-dashboard's Best Trial card, `study.best_trial`)
pick any of the tied trials, so the stored value carries the tie-break itself:

    value = steps + TIE_SPAN * (m * RATE_LEVELS + r) / (MARGIN_LEVELS * RATE_LEVELS)

with m = round((MARGIN_LEVELS - 1) * (1 - e)), e how far the run cleared the target, as
a share of the way from the target to a perfect score (for accuracy, (a - T) / (1 - T);
for a loss, (T - l) / T; clipped to [0, 1]: more is better; autolr/metrics.py), and r =
round((RATE_LEVELS - 1) * p), p the rate's position on the study's log range (lower is
better). The fraction stays below TIE_SPAN = 0.01 steps, so the value read as whole
steps is unchanged; runs that reached at different checks keep their order. Only the
steps objective needs this: seconds are continuous.
"""

from __future__ import annotations

import math

from autolr.metrics import Goal
from autolr.search.progress import as_goal

TIE_SPAN = 0.01  # the whole tie-break stays below this fraction of a step
MARGIN_LEVELS = 1001  # how finely "cleared the target by more" is told apart
RATE_LEVELS = 10001  # how finely "the lower rate" is: 1e-4 of the study's log range


def tie_break(
    value: float, goal: Goal | float, learning_rate: float, lr_min: float, lr_max: float
) -> float:
    """The fraction (in [0, TIE_SPAN)) added to a reached run's steps; `value` is the
    metric at the check where it reached (a bare `goal` number: a training accuracy)."""
    goal = as_goal(goal)
    cleared = goal.cleared(value) if goal.target_gap > 1e-6 else 0.0
    m = round((MARGIN_LEVELS - 1) * (1.0 - cleared))
    position = 0.0
    if lr_max > lr_min > 0 and learning_rate > 0:
        position = math.log(learning_rate / lr_min) / math.log(lr_max / lr_min)
    r = round((RATE_LEVELS - 1) * min(max(position, 0.0), 1.0))
    return TIE_SPAN * (m * RATE_LEVELS + r) / (MARGIN_LEVELS * RATE_LEVELS)


def whole_steps(value: float) -> float:
    """A stored steps value without its tie-break: the steps a reader should see."""
    return float(math.floor(value + 1e-9))
