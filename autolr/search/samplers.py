"""Which Optuna sampler proposes the next (optimizer, learning rate)."""

from __future__ import annotations

import optuna
from optuna.storages import RDBStorage

from autolr.search.prior import SearchSpace
from autolr.search.trial_seeded import TrialSeeded
from autolr.settings import StudySettings


def make_sampler(
    settings: StudySettings, seed: int, storage: RDBStorage, space: SearchSpace | None = None
) -> optuna.samplers.BaseSampler:
    """TPE, random search or PBT; grid studies pop enqueued points and never ask one.

    With a range-test prior (`space` from `autolr find`), TPE picks the optimizer over all
    trials and each optimizer's rate from its own trials (prior_tpe.py). Without one, TPE
    is multivariate because the good learning rates depend on the optimizer: modelled
    independently, the two parameters would average the optimizers' bands together.
    Random search draws each optimizer's rate from its own range either way. Each trial's
    draws are seeded from its number (trial_seeded.py), so workers do not propose alike.
    """
    if settings.sampler == "pbt":
        from autolr.search.pbt import PBTSampler

        return PBTSampler(settings, storage, seed, space)
    if settings.sampler == "tpe" and settings.prior == "find" and space is not None:
        from autolr.search.prior_tpe import PriorTPESampler

        optimizers = space.optimizers
        return TrialSeeded(lambda s: PriorTPESampler(optimizers, s), seed)
    if settings.sampler == "tpe":
        startup = min(10, 2 * len(settings.optimizers))
        return TrialSeeded(
            lambda s: optuna.samplers.TPESampler(
                seed=s, multivariate=True, n_startup_trials=startup
            ),
            seed,
        )
    return TrialSeeded(lambda s: optuna.samplers.RandomSampler(seed=s), seed)
