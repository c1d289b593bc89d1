"""Which Optuna sampler proposes the next (optimizer, learning rate)."""

from __future__ import annotations

import optuna
from optuna.storages import RDBStorage

from autolr.study.settings import StudySettings


def make_sampler(
    settings: StudySettings, seed: int, storage: RDBStorage
) -> optuna.samplers.BaseSampler:
    """TPE, random search or PBT; grid studies pop enqueued points and never ask one.

    TPE is multivariate because the good learning rates depend on the optimizer: modelled
    independently, the two parameters would average the optimizers' bands together.
    """
    if settings.sampler == "pbt":
        from autolr.study.pbt import PBTSampler

        return PBTSampler(settings, storage, seed)
    if settings.sampler == "tpe":
        return optuna.samplers.TPESampler(
            seed=seed, multivariate=True, n_startup_trials=min(10, 2 * len(settings.optimizers))
        )
    return optuna.samplers.RandomSampler(seed=seed)
