"""A sampler whose randomness is a function of (study seed, trial number).

Optuna's samplers draw from one generator per process, seeded once. Two workers started
by hand with the same --seed on one study then draw the same numbers and, from the same
history, propose the same trial (one of them wasted). Seeding each trial's draws from its
own number keeps a single worker's study exactly reproducible and makes workers, whose
trials always have different numbers, propose different ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial, TrialState


def trial_seed(seed: int, number: int, salt: int = 0) -> int:
    """A 32-bit seed drawn from (seed, trial number, salt)."""
    return int(np.random.SeedSequence([seed, number, salt]).generate_state(1)[0])


class TrialSeeded(BaseSampler):
    """Delegates each trial to a fresh sampler made by `make(trial_seed(seed, number))`."""

    def __init__(self, make: Callable[[int], BaseSampler], seed: int) -> None:
        self._make = make
        self._seed = seed
        self._current: tuple[int, BaseSampler] | None = None

    def _for(self, trial: FrozenTrial) -> BaseSampler:
        if self._current is None or self._current[0] != trial.number:
            self._current = (trial.number, self._make(trial_seed(self._seed, trial.number)))
        return self._current[1]

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._for(trial).infer_relative_search_space(study, trial)

    # Optuna's BaseSampler interface (as in pbt.py and prior_tpe.py): alike in
    # signature only.
    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._for(trial).sample_relative(study, trial, search_space)

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._for(trial).sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._for(trial).before_trial(study, trial)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._for(trial).after_trial(study, trial, state, values)
