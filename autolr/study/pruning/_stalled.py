"""Stop runs that are not on course to reach the target at all.

Before any run has reached the target, the slower-than-best rule has nothing to compare
with, and a hopeless run (a rate far too low, or accuracy stuck at chance) would burn its
whole budget. This rule reads the run's own intermediate values, which are its projected
steps to the target (see `autolr.study.progress`): when, at each of the last `patience`
checks, the projection was beyond `factor` times the budget, the run stops.

A heuristic, not a proof: a run that sits on a plateau for `patience` checks and then
drops fast would be stopped too. The warm-up (a share of the budget) keeps it away from
the first checks, where every run still looks slow.
"""

from __future__ import annotations

import optuna
from optuna.pruners import BasePruner
from optuna.trial import FrozenTrial

from autolr.study.progress import projection_from_value

DEFAULT_PATIENCE = 4  # checks in a row: one noisy check is not a stall
DEFAULT_FACTOR = 2.0  # projected beyond twice the budget: cannot matter
DEFAULT_WARMUP_SHARE = 0.1  # never before a tenth of the budget


class StalledPruner(BasePruner):
    def __init__(
        self,
        budget: int,
        patience: int = DEFAULT_PATIENCE,
        factor: float = DEFAULT_FACTOR,
        warmup_share: float = DEFAULT_WARMUP_SHARE,
    ) -> None:
        self.budget = budget
        self.patience = patience
        self.factor = factor
        self.warmup_steps = warmup_share * budget

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        values = [trial.intermediate_values[s] for s in sorted(trial.intermediate_values)]
        step = trial.last_step
        if step is None or step < self.warmup_steps or len(values) < self.patience:
            return False
        limit = self.factor * self.budget
        return all(projection_from_value(v, self.budget) > limit for v in values[-self.patience :])
