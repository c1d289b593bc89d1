"""Stop runs that are not on course to reach the target at all.

Before any run has reached the target, the slower-than-best rule has nothing to compare
with, and a hopeless run (a rate far too low, accuracy stuck at chance, or a plateau just
below the target) would burn its whole budget. This rule reads the run's own intermediate
values, which are its projected steps to the target (see `autolr.search.progress`). When
the projection was beyond the budget at each of its last `patience` checks (not on
course to finish in time) the run stops if either

- the projection was beyond `factor` times the budget each time (far off), or
- its projected finish moved later at least as fast as it trained (Theil-Sen slope of
  projection against step >= 1 over the last `patience` + 1 checks, robust to one noisy
  check): no net progress, e.g. a plateau just below the target.

A run on course to finish within the budget is never stopped here, however its
projection moves: early in training projections recede as learning slows down.

A heuristic, not a proof: a run that sits on a plateau for `patience` checks and then
drops fast would be stopped too. The warm-up (a share of the budget) keeps it away from
the first checks, where every run still looks slow.
"""

from __future__ import annotations

import optuna
from optuna.pruners import BasePruner
from optuna.trial import FrozenTrial
from scipy.stats import theilslopes

from autolr.search.progress import PACE_ATTR, projection_from_value

DEFAULT_PATIENCE = 4  # checks: one noisy check is not a stall
DEFAULT_FACTOR = 2.0  # projected beyond twice the budget: cannot matter
DEFAULT_WARMUP_SHARE = 0.1  # never before a tenth of the budget
RECEDING_SLOPE = 1.0  # the projected finish recedes a step for every step trained


class StalledPruner(BasePruner):
    def __init__(
        self,
        budget: int,
        patience: int = DEFAULT_PATIENCE,
        factor: float = DEFAULT_FACTOR,
        warmup_share: float = DEFAULT_WARMUP_SHARE,
        in_seconds: bool = False,
    ) -> None:
        self.budget = budget
        self.in_seconds = in_seconds  # --objective time: values are steps x seconds per step
        self.patience = patience
        self.factor = factor
        self.warmup_steps = warmup_share * budget

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        steps = sorted(trial.intermediate_values)
        step = trial.last_step
        if step is None or step < self.warmup_steps or len(steps) <= self.patience:
            return False
        recent = steps[-(self.patience + 1) :]
        pace = trial.user_attrs.get(PACE_ATTR) if self.in_seconds else 1.0
        if not pace:
            return False
        projected = [
            projection_from_value(trial.intermediate_values[s] / pace, self.budget) for s in recent
        ]
        if not all(p > self.budget for p in projected[1:]):
            return False  # on course to finish in time at one of the last checks
        if all(p > self.factor * self.budget for p in projected[1:]):
            return True
        slope = float(theilslopes(projected, recent).slope)
        return slope >= RECEDING_SLOPE
