"""TPE that searches each optimizer's learning rate within that optimizer's own range.

Optuna's TPE models one distribution per parameter name, but with a range-test prior the
learning rate's range differs by optimizer, and so does where it is good (1e-3 is a fine
rate for Adam and a hopeless one for SGD). So the optimizer is chosen by a TPE over all
trials, and the rate by a TPE that sees only the finished trials of that optimizer.
Parameter names stay `optimizer` and `learning_rate`.
"""

from __future__ import annotations

from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, TPESampler
from optuna.trial import FrozenTrial, TrialState

RATE_STARTUP_TRIALS = 1  # the range test's suggestion is each optimizer's first trial


class PriorTPESampler(BaseSampler):
    def __init__(self, optimizers: list[str], seed: int) -> None:
        self._choose_optimizer = TPESampler(seed=seed, n_startup_trials=len(optimizers))
        self._choose_rate = {
            name: TPESampler(seed=seed + 1 + i, n_startup_trials=RATE_STARTUP_TRIALS)
            for i, name in enumerate(optimizers)
        }

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    # Optuna's BaseSampler interface (as in pbt.py and trial_seeded.py): alike in
    # signature only.
    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if param_name != "learning_rate":
            return self._choose_optimizer.sample_independent(
                study, trial, param_name, param_distribution
            )
        optimizer = trial.params["optimizer"]
        view = _trials_of(study, optimizer)
        return self._choose_rate[optimizer].sample_independent(
            view, trial, param_name, param_distribution
        )


def _trials_of(study: optuna.Study, optimizer: str) -> optuna.Study:
    """An in-memory study holding only `optimizer`'s finished trials (public API only)."""
    view = optuna.create_study(direction="minimize")
    view.add_trials(
        [
            t
            for t in study.get_trials(
                deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)
            )
            if t.params.get("optimizer") == optimizer
        ]
    )
    return view
