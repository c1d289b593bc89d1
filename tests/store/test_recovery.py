"""Trials orphaned at awkward moments are found and their work done again."""

from __future__ import annotations

import warnings
from pathlib import Path

import optuna
import pytest

from autolr.study.runner import NullObserver, TuneRequest
from autolr.study.tuning import tune
from tests.helpers import SCALE, SMALL_GRID_POINTS, assert_grid_complete_once

FLAGS = {
    "sampler": "grid",
    "optimizers": ["adam", "sgd"],
    "lr_min": 0.02,
    "lr_max": 0.1,
    "scale": float(SCALE),
    "train_size": 2000,
    "target": 0.9,
    "max_steps": 150,
}


@pytest.mark.slow
def test_a_trial_claimed_by_a_worker_that_died_before_labelling_it_is_redone(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/orphan.db"
    flags = {**FLAGS, "data": mnist}
    tune(TuneRequest("orphan", storage, flags, n_trials=1), NullObserver())
    study = optuna.load_study(study_name="orphan", storage=storage)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        orphan = study.ask()  # RUNNING, but no worker and no heartbeat recorded: a dead claim
    outcome = tune(TuneRequest("orphan", storage, flags, heartbeat_seconds=1), NullObserver())
    assert outcome.complete
    states = assert_grid_complete_once("orphan", storage, SMALL_GRID_POINTS)
    assert states["FAIL"] == 1
    assert (
        optuna.load_study(study_name="orphan", storage=storage).trials[orphan.number].state.name
        == "FAIL"
    )
