"""A PBT member-interval trained for real: its values continue its lineage, and a member at
chance ends its interval early, is labelled, and is replaced at the next exploit."""

from __future__ import annotations

import math

import optuna
import pytest
from optuna.trial import FrozenTrial

from autolr.search.progress import PROJECTION_CAP
from autolr.study.runner import NullObserver, TuneRequest
from autolr.study.tuning import tune
from tests.helpers import SCALE

BUDGET = 100
# Two generations of 50 steps, checks every 10. Members draw adam or sgd at 2e-4..6e-4:
# adam learns at once, sgd that slowly sits at chance (10 classes) through its first
# checks. 90% is out of reach in the first generation, so both run.
FLAGS = {
    "sampler": "pbt",
    "prior": "none",
    "optimizers": ["adam", "sgd"],
    "lr_min": 2e-4,
    "lr_max": 6e-4,
    "scale": float(SCALE),
    "train_size": 1000,
    "target": 0.9,
    "max_steps": BUDGET,
    "check_every": 10,
    "population": 4,
    "interval": 50,
    "seed": 1,
    "band": "none",  # the members only (band runs: test_pbt_generations.py)
}


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory, mnist: str) -> list[FrozenTrial]:
    storage = f"sqlite:///{tmp_path_factory.mktemp('pbt-objective')}/pbt.db"
    tune(TuneRequest("chance", storage, {**FLAGS, "data": mnist}), NullObserver())
    return optuna.load_study(study_name="chance", storage=storage).get_trials()


def first_generation(trials: list[FrozenTrial]) -> list[FrozenTrial]:
    return [t for t in trials if t.user_attrs["generation"] == 0]


def test_a_member_at_chance_ends_its_interval_early_and_is_replaced(
    study: list[FrozenTrial],
) -> None:
    stuck = [t for t in first_generation(study) if t.user_attrs.get("stop_reason") == "chance"]
    assert stuck, "this setup needs an sgd member at chance (see FLAGS)"
    for trial in stuck:
        attrs = trial.user_attrs
        assert trial.params["optimizer"] == "sgd" and attrs["outcome"] == "chance"
        assert attrs["steps"] == 30  # three checks of 10, not the interval's 50
        assert not attrs["reached"] and trial.value is not None and trial.value > BUDGET
        (child,) = [
            t
            for t in study
            if t.user_attrs["generation"] == 1 and t.user_attrs["member"] == attrs["member"]
        ]
        assert child.user_attrs["action"].startswith("exploit")
        donor = next(t for t in study if t.number == child.user_attrs["parent_trial"])
        assert donor.user_attrs.get("stop_reason") is None
        assert child.user_attrs["lineage_steps"] == donor.user_attrs["steps"] == 50


def test_values_continue_along_a_lineage_instead_of_restarting_each_interval(
    study: list[FrozenTrial],
) -> None:
    no_pace = BUDGET * (1 + PROJECTION_CAP)  # the value of a run with one check
    by_number = {t.number: t for t in study}
    continued = [t for t in study if t.user_attrs["action"] == "continue"]
    assert continued, "this setup needs a member that goes on from its own weights"
    for trial in continued:
        parent = by_number[trial.user_attrs["parent_trial"]]
        before = parent.intermediate_values[max(parent.intermediate_values)]
        after = trial.intermediate_values[min(trial.intermediate_values)]
        assert before < no_pace  # the lineage had a pace
        assert after < no_pace and abs(math.log(after / before)) < math.log(1.5)
        # Reported at lineage steps, after the parent's last check.
        assert min(trial.intermediate_values) == max(parent.intermediate_values) + 10
