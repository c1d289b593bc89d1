"""Several stop rules as one Optuna pruner, remembering which rule stopped each run."""

from __future__ import annotations

from collections.abc import Sequence

import optuna
from optuna.pruners import BasePruner
from optuna.trial import FrozenTrial

from autolr.search.roles import BAND, ROLE_ATTR


class StopRules(BasePruner):
    """The first rule (name, pruner) that says stop wins; its name becomes the trial's
    stop reason, so every pruned run says why it was stopped.

    Follow-ups (search/roles.py) are measured, not searched: a band run stops only by
    `band_rules` (the exact per-optimizer rule), a seed run never."""

    def __init__(
        self,
        rules: Sequence[tuple[str, BasePruner]],
        band_rules: Sequence[tuple[str, BasePruner]] = (),
    ) -> None:
        self.rules = list(rules)
        self.band_rules = list(band_rules)
        self._reasons: dict[int, str] = {}

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        role = trial.user_attrs.get(ROLE_ATTR)
        rules = {None: self.rules, BAND: self.band_rules}.get(role, [])
        for name, rule in rules:
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
