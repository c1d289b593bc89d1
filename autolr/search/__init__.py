"""How a search decides what to train next (pure rules over Optuna's trials).

Owns: the space and the 2018 study's grid (space), the range-test rule (lr_range) and the
priors it gives (prior, prior_tpe), the samplers (samplers, trial_seeded, pbt), a run's
progress-aware value (progress, ties) and the stop rules (pruning/). May import Optuna,
scipy and the base modules (settings, config); never the storage, the runner, the trainer
or the answers.
"""
