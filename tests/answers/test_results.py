"""`autolr best` logic on hand-made trials, checked against answers worked out by hand."""

from __future__ import annotations

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import FrozenTrial, TrialState

from autolr.answers.results import NoResultError, recommend
from autolr.settings import StudySettings

SETTINGS = StudySettings(optimizers=("adam", "sgd"), lr_min=1e-4, lr_max=1.0)
DISTRIBUTIONS = {
    "optimizer": CategoricalDistribution(["adam", "sgd"]),
    "learning_rate": FloatDistribution(1e-4, 1.0, log=True),
}


def trial(optimizer: str, lr: float, steps: int | None, state: str = "COMPLETE") -> FrozenTrial:
    reached = steps is not None
    return optuna.trial.create_trial(
        state=TrialState[state],
        value=float(steps if reached else 6000) if state == "COMPLETE" else None,
        params={"optimizer": optimizer, "learning_rate": lr},
        distributions=DISTRIBUTIONS,
        user_attrs={"reached": reached, "steps": steps or 6000, "final_accuracy": 0.97},
    )


TRIALS = [
    trial("adam", 1e-4, 900),
    trial("adam", 1e-3, 400),  # adam's best
    trial("adam", 3e-3, 550),  # within 1.5 x 400 = 600: in the band
    trial("adam", 1e-2, 700),  # outside the band
    trial("adam", 1e-1, None),  # diverged / budget
    trial("sgd", 1e-2, 1200),
    trial("sgd", 1e-1, 500),  # sgd's best
    trial("sgd", 3e-1, 800, state="PRUNED"),  # pruned trials never count as reached
]


def test_recommends_the_fastest_optimizer_and_its_band() -> None:
    rec = recommend("s", SETTINGS, TRIALS)
    assert (rec.optimizer, rec.learning_rate, rec.value) == ("adam", 1e-3, 400.0)
    assert rec.band == (1e-3, 3e-3)
    assert rec.finished_trials == 8


def test_reports_every_optimizer_with_trial_counts() -> None:
    per = recommend("s", SETTINGS, TRIALS).per_optimizer
    assert per["adam"].reached_trials == 4 and per["adam"].trials == 5
    assert (per["sgd"].learning_rate, per["sgd"].value, per["sgd"].band) == (
        1e-1,
        500.0,
        (1e-1, 1e-1),
    )
    assert per["sgd"].reached_trials == 2 and per["sgd"].trials == 3


def test_json_has_the_documented_fields() -> None:
    data = recommend("s", SETTINGS, TRIALS).to_json()
    assert {"study", "optimizer", "learning_rate", "band", "per_optimizer"} <= set(data)
    assert data["band"] == [1e-3, 3e-3]
    assert set(data["per_optimizer"]["sgd"]) >= {"learning_rate", "band", "value", "reached_trials"}


def test_ties_go_to_the_rate_that_cleared_the_target_by_more() -> None:
    close = trial("adam", 1e-3, 400)
    clear = optuna.trial.create_trial(
        state=TrialState.COMPLETE,
        value=400.0,
        params={"optimizer": "adam", "learning_rate": 3e-3},
        distributions=DISTRIBUTIONS,
        user_attrs={"reached": True, "steps": 400, "final_accuracy": 0.99},
    )
    assert recommend("s", SETTINGS, [close, clear]).learning_rate == 3e-3


def test_ties_across_optimizers_are_broken_the_same_way_not_by_name() -> None:
    adam = trial("adam", 1e-3, 400)  # final accuracy 0.97
    sgd = optuna.trial.create_trial(
        state=TrialState.COMPLETE,
        value=400.0,
        params={"optimizer": "sgd", "learning_rate": 0.1},
        distributions=DISTRIBUTIONS,
        user_attrs={"reached": True, "steps": 400, "final_accuracy": 0.985},
    )
    assert recommend("s", SETTINGS, [adam, sgd]).optimizer == "sgd"


def test_a_study_where_nothing_reached_says_so() -> None:
    with pytest.raises(NoResultError, match=r"no trial of study .s. reached 97% train accuracy"):
        recommend("s", SETTINGS, [trial("adam", 1e-4, None), trial("sgd", 1.0, None)])
