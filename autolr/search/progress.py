"""A run's value in the objective's own unit, whether or not it reached the target.

The search learns from every run, not only from those that reached the target. So a run
that stops short is valued by how far it still was, in steps, ordered

    reached (its steps) < not reached but close < not reached and far < diverged.

With B the step budget, a run that stopped at step s without reaching the target T gets

    value = B + min(projected, 8 B)        where
    projected = s * ((1 - a_s) / (1 - T)) ** (1 / r),

r being minus the slope of ln(1 - accuracy) against ln(step) over the run's last 4
checks (least squares): the step at which its error would reach 1 - T had it kept
falling as the same power of the step (training error typically falls like a power of
the step, ever more slowly). A run with no measurable progress (r <= 0, or fewer than 2
checks) is projected at the cap, so values of runs that stopped short lie in (B, 9 B].
A diverged run gets 10 B. Seconds objectives use the same numbers times the run's own
seconds per step.

Pure functions of (step, accuracy) pairs: no Optuna, no Keras.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

PROJECTION_CHECKS = 4  # checks the pace is measured over: recent, but not one noisy check
PROJECTION_CAP = 8.0  # projections beyond this many budgets all count as "far"
DIVERGED_FACTOR = 10.0  # a diverged run is worth this many budgets: worse than any other
# With --objective time, a trial's seconds per step so far (a user attribute): what turns
# its values back into steps for rules that reason in steps.
PACE_ATTR = "seconds_per_step"
_MIN_ERROR = 1e-6  # accuracy 1.0 would make ln(1 - accuracy) infinite


def projected_steps(
    checks: Sequence[tuple[int, float]], target: float, window: int = PROJECTION_CHECKS
) -> float:
    """Steps to `target` if the error kept falling as the same power of the step (inf
    when there is no progress). `checks` are (step, accuracy) pairs in step order."""
    if not checks:
        return math.inf
    step, accuracy = checks[-1]
    if accuracy >= target:
        return float(step)
    recent = checks[-window:]
    if len(recent) < 2:
        return math.inf
    log_steps = np.log(np.array([c[0] for c in recent], dtype=float))
    log_errors = np.log(np.maximum(1.0 - np.array([c[1] for c in recent]), _MIN_ERROR))
    slope = float(np.polyfit(log_steps, log_errors, 1)[0])
    if not slope < 0:
        return math.inf
    decades = (math.log(max(1.0 - accuracy, _MIN_ERROR)) - math.log(1.0 - target)) / -slope
    return float(step) * math.exp(min(max(decades, 0.0), 50.0))


def unreached_value(projected: float, budget: int) -> float:
    """The value of a run that stopped short of the target: always above the budget."""
    return float(budget) + min(projected, PROJECTION_CAP * budget)


def diverged_value(budget: int) -> float:
    return DIVERGED_FACTOR * budget


def steps_value(
    checks: Sequence[tuple[int, float]],
    target: float,
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
    return unreached_value(projected_steps(checks, target), budget)


def projection_from_value(value: float, budget: int) -> float:
    """Invert `unreached_value`: the projected steps a stored value stands for."""
    return value - budget
