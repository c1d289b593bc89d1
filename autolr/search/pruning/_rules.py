"""Several stop rules as one Optuna pruner, remembering which rule stopped each run."""

from __future__ import annotations

from collections.abc import Sequence

import optuna
from optuna.pruners import BasePruner
from optuna.trial import FrozenTrial


class StopRules(BasePruner):
    """The first rule (name, pruner) that says stop wins; its name becomes the trial's
    stop reason, so every pruned run says why it was stopped."""

    def __init__(self, rules: Sequence[tuple[str, BasePruner]]) -> None:
        self.rules = list(rules)
        self._reasons: dict[int, str] = {}

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        for name, rule in self.rules:
            if rule.prune(study, trial):
                self._reasons[trial.number] = name
                return True
        return False

    def reason(self, trial_number: int) -> str | None:
        """Why `trial_number` was last told to stop (None if it never was, here)."""
        return self._reasons.get(trial_number)

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.rules]
