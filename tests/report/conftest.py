"""Studies to report on: a real grid trained on MNIST with its trace and scale follow-ups
and a real PBT study, and hand-made trials in real SQLite studies for the cases that need
exact numbers (irregular rates, too small, nothing reached; see also made.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import FrozenTrial, TrialState

from autolr.answers.results import recommend
from autolr.config import TrainSettings
from autolr.settings import StudySettings
from autolr.store.stored import SETTINGS_ATTR, stored_settings
from autolr.study.experiments import scale_settings, trace_settings
from autolr.study.runner import NullObserver, TuneRequest
from autolr.study.tuning import tune
from tests.helpers import SCALE

# Hand-made studies: a TPE-like search over two optimizers.
MADE_SETTINGS = StudySettings(
    sampler="tpe",
    optimizers=("adam", "sgd"),
    lr_min=1e-4,
    lr_max=1.0,
    prune=False,
    train=TrainSettings(target=0.9, max_steps=1000),
)
DISTRIBUTIONS = {
    "optimizer": CategoricalDistribution(["adam", "sgd"]),
    "learning_rate": FloatDistribution(1e-4, 1.0, log=True),
}


# The follow-ups of the grid: trace at each optimizer's best rate, scale at two sizes and
# the two lowest grid rates (where adam reaches the target soonest).
TRACE_STEPS, TRACE_VALIDATE_EVERY = 150, 50
SCALES, SCALE_RATES = [0.125, 0.25], [0.01, 10 ** (-11 / 6)]
PBT_FLAGS = {
    "sampler": "pbt",
    "optimizers": ["adam", "sgd"],
    "lr_min": 1e-3,
    "lr_max": 0.3,
    "scale": float(SCALE),
    "train_size": 2000,
    "target": 0.95,
    "max_steps": 150,
    "population": 4,
    "interval": 50,
    "band": "none",  # a report with band runs: tests/study/test_pbt_generations.py
}


def _follow_up(
    source: optuna.Study, kind: str, tmp_path_factory: pytest.TempPathFactory, mnist: str
) -> optuna.Study:
    """Run `autolr trace` or `autolr scale` on the grid, in-process."""
    name = source.study_name
    settings = stored_settings(source)
    rec = recommend(name, settings, source.get_trials(deepcopy=False))
    if kind == "trace":
        planned, _ = trace_settings(name, settings, rec, {}, TRACE_STEPS, TRACE_VALIDATE_EVERY)
    else:
        planned = scale_settings(name, settings, rec, SCALES, SCALE_RATES, ["adam"], 0.9)
    planned = dataclasses.replace(planned, data=dataclasses.replace(planned.data, path=mnist))
    storage = f"sqlite:///{tmp_path_factory.mktemp(kind)}/{kind}.db"
    tune(TuneRequest(f"{name}-{kind}", storage, {}, settings=planned), NullObserver())
    return optuna.load_study(study_name=f"{name}-{kind}", storage=storage)


@pytest.fixture(scope="session")
def trace_study(
    grid_study: optuna.Study, tmp_path_factory: pytest.TempPathFactory, mnist: str
) -> optuna.Study:
    return _follow_up(grid_study, "trace", tmp_path_factory, mnist)


@pytest.fixture(scope="session")
def scale_study(
    grid_study: optuna.Study, tmp_path_factory: pytest.TempPathFactory, mnist: str
) -> optuna.Study:
    return _follow_up(grid_study, "scale", tmp_path_factory, mnist)


@pytest.fixture(scope="session")
def pbt_study(tmp_path_factory: pytest.TempPathFactory, mnist: str) -> optuna.Study:
    """A real PBT study: 4 members, up to 3 generations of 50 steps."""
    storage = f"sqlite:///{tmp_path_factory.mktemp('pbt')}/pbt.db"
    tune(TuneRequest("small-pbt", storage, {**PBT_FLAGS, "data": mnist}), NullObserver())
    return optuna.load_study(study_name="small-pbt", storage=storage)


def made_trial(
    optimizer: str,
    lr: float,
    steps: int | None,
    *,
    seconds: float | None = None,
    state: str = "COMPLETE",
    diverged: bool = False,
) -> FrozenTrial:
    """A finished trial as `record_result` stores it; steps=None: target not reached."""
    reached = steps is not None and state == "COMPLETE"
    trained = steps if steps is not None else 1000
    return optuna.trial.create_trial(
        state=TrialState[state],
        value=float(trained if reached else 1000) if state == "COMPLETE" else None,
        params={"optimizer": optimizer, "learning_rate": lr},
        distributions=DISTRIBUTIONS,
        user_attrs={
            "reached": reached,
            "diverged": diverged,
            "steps": trained,
            "train_seconds": seconds if seconds is not None else trained / 100,
            "total_seconds": trained / 90,
            "final_accuracy": 0.92 if reached else 0.5,
            "history": [[50, 0.5, 0.5, 1.0]],
        },
    )


MadeStudy = Callable[..., optuna.Study]


@pytest.fixture
def made_study(tmp_path: Path) -> MadeStudy:
    """Build a real SQLite study holding exactly the given trials."""

    def make(
        trials: Sequence[FrozenTrial],
        settings: StudySettings = MADE_SETTINGS,
        name: str = "made",
    ) -> optuna.Study:
        storage = f"sqlite:///{tmp_path}/{name}.db"
        study = optuna.create_study(study_name=name, storage=storage, direction="minimize")
        study.set_user_attr(SETTINGS_ATTR, settings.identity())
        study.add_trials(trials)
        return optuna.load_study(study_name=name, storage=storage)

    return make


# A TPE-like study: irregular rates, several runs of one optimizer near the same rate,
# every outcome. Worked out by hand in the tests.
TPE_TRIALS = [
    made_trial("adam", 1.1e-4, None),  # budget spent
    made_trial("adam", 1.0e-3, 400, seconds=4.0),
    made_trial("adam", 1.1e-3, 300, seconds=3.5),  # same bin as 1e-3: adam's best there
    made_trial("adam", 3.0e-3, 420, seconds=4.5),
    made_trial("adam", 0.5, None, diverged=True),
    made_trial("sgd", 1.05e-3, 900, seconds=8.0),  # bin 1e-3 again: slower than adam
    made_trial("sgd", 0.1, 350, seconds=3.0),
    made_trial("sgd", 0.2, 500, state="PRUNED"),
    made_trial("sgd", 0.22, 450, seconds=4.2),
]
