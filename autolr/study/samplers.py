"""Which Optuna sampler proposes the next (optimizer, learning rate)."""

from __future__ import annotations

import optuna
from optuna.storages import RDBStorage

from autolr.study.prior import SearchSpace
from autolr.study.settings import StudySettings


def make_sampler(
    settings: StudySettings, seed: int, storage: RDBStorage, space: SearchSpace | None = None
) -> optuna.samplers.BaseSampler:
    """TPE, random search or PBT; grid studies pop enqueued points and never ask one.

    With a range-test prior (`space` from `autolr find`), TPE picks the optimizer over all
    trials and each optimizer's rate from its own trials (prior_tpe.py). Without one, TPE
    is multivariate because the good learning rates depend on the optimizer: modelled
    independently, the two parameters would average the optimizers' bands together.
    Random search draws each optimizer's rate from its own range either way.
    """
    if settings.sampler == "pbt":
        from autolr.study.pbt import PBTSampler

        return PBTSampler(settings, storage, seed, space)
    if settings.sampler == "tpe" and settings.prior == "find" and space is not None:
        from autolr.study.prior_tpe import PriorTPESampler

        return PriorTPESampler(space.optimizers, seed)
    if settings.sampler == "tpe":
        return optuna.samplers.TPESampler(
            seed=seed, multivariate=True, n_startup_trials=min(10, 2 * len(settings.optimizers))
        )
    return optuna.samplers.RandomSampler(seed=seed)
