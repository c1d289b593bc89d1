"""A run's value in the objective's own unit, whether or not it reached the target.

The search learns from every run, not only from those that reached the target. So a run
that stops short is valued by how far it still was, in steps, ordered

    reached (its steps) < not reached but close < not reached and far < diverged.

With B the step budget, a run that stopped at step s without reaching the target gets

    value = B + min(projected, 8 B)        where
    projected = s * (g_s / g_T) ** (1 / r),

g being the run's gap to a perfect score on the study's metric (1 - accuracy for an
accuracy, the loss itself for a loss: autolr/metrics.py), g_T the gap at the target, and
r minus the slope of ln(g) against ln(step) over the run's last 4 checks (least
squares): the step at which its gap would reach the target's had it kept falling as the
same power of the step (training error and loss typically fall like a power of the step,
ever more slowly). Each metric is projected from its own curve. A run with no measurable
progress (r <= 0, or fewer than 2 checks) is projected at the cap, so values of runs
that stopped short lie in (B, 9 B]. A diverged run gets 10 B. Seconds objectives use the
same numbers times the run's own seconds per step.

Pure functions of (step, metric value) pairs: no Optuna, no Keras.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from autolr.metrics import Goal

PROJECTION_CHECKS = 4  # checks the pace is measured over: recent, but not one noisy check
PROJECTION_CAP = 8.0  # projections beyond this many budgets all count as "far"
DIVERGED_FACTOR = 10.0  # a diverged run is worth this many budgets: worse than any other
# With --objective time, a trial's seconds per step so far (a user attribute): what turns
# its values back into steps for rules that reason in steps.
PACE_ATTR = "seconds_per_step"


def as_goal(goal: Goal | float) -> Goal:
    """A Goal; a bare number is a training-accuracy target (the study's own metric)."""
    return goal if isinstance(goal, Goal) else Goal("accuracy", float(goal))


def projected_steps(
    checks: Sequence[tuple[int, float]], goal: Goal | float, window: int = PROJECTION_CHECKS
) -> float:
    """Steps to the goal if the gap kept falling as the same power of the step (inf when
    there is no progress). `checks` are (step, metric value) pairs in step order."""
    goal = as_goal(goal)
    if not checks:
        return math.inf
    step, value = checks[-1]
    if goal.reached(value):
        return float(step)
    recent = [(s, goal.gap(v)) for s, v in checks[-window:]]
    if len(recent) < 2 or not all(math.isfinite(g) for _, g in recent):
        return math.inf
    log_steps = np.log(np.array([s for s, _ in recent], dtype=float))
    log_gaps = np.log(np.array([g for _, g in recent]))
    slope = float(np.polyfit(log_steps, log_gaps, 1)[0])
    if not slope < 0:
        return math.inf
    decades = (math.log(goal.gap(value)) - math.log(goal.target_gap)) / -slope
    return float(step) * math.exp(min(max(decades, 0.0), 50.0))


def unreached_value(projected: float, budget: int) -> float:
    """The value of a run that stopped short of the target: always above the budget."""
    return float(budget) + min(projected, PROJECTION_CAP * budget)


def diverged_value(budget: int) -> float:
    return DIVERGED_FACTOR * budget


def steps_value(
    checks: Sequence[tuple[int, float]],
    goal: Goal | float,
    budget: int,
    *,
    reached_step: int | None,
    diverged: bool,
) -> float:
    """The objective in steps for a run that stopped (or would stop) after `checks`."""
    if reached_step is not None:
        return float(reached_step)
    if diverged:
        return diverged_value(budget)
    return unreached_value(projected_steps(checks, goal), budget)


def projection_from_value(value: float, budget: int) -> float:
    """Invert `unreached_value`: the projected steps a stored value stands for."""
    return value - budget
