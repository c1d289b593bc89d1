"""Studies to report on: a real grid trained on MNIST, and hand-made trials in real SQLite
studies for the cases that need exact numbers (irregular rates, too small, nothing reached)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import FrozenTrial, TrialState

from autolr.config import TrainSettings
from autolr.study.catalog import SETTINGS_ATTR
from autolr.study.runner import NullObserver, TuneRequest, tune
from autolr.study.settings import StudySettings
from tests.helpers import SCALE

GRID_OPTIMIZERS = ("adam", "momentum")
GRID_FLAGS = {
    "sampler": "grid",
    "optimizers": list(GRID_OPTIMIZERS),
    "lr_min": 0.01,
    "lr_max": 0.05,  # 5 grid rates: adam reaches the target at the low ones, momentum high
    "scale": float(SCALE),
    "train_size": 2000,
    "target": 0.9,
    "max_steps": 150,
    "prune": False,  # every rate runs to its end, so the figures have full lines
}

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


@pytest.fixture(scope="session")
def grid_study(tmp_path_factory: pytest.TempPathFactory, mnist: str) -> optuna.Study:
    """A real grid study (2 optimizers x 5 rates), trained once per test session."""
    storage = f"sqlite:///{tmp_path_factory.mktemp('report')}/grid.db"
    tune(TuneRequest("small-grid", storage, {**GRID_FLAGS, "data": mnist}), NullObserver())
    return optuna.load_study(study_name="small-grid", storage=storage)


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
