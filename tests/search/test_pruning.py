"""The slow-run pruner: what it stops, and that it never changes the answer."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState

from autolr.answers.catalog import recommendation
from autolr.search.pruning import SlowerThanBestPruner, make_pruner
from autolr.settings import StudySettings
from autolr.store.storage import open_storage
from autolr.study.runner import NullObserver, TuneRequest
from autolr.study.tuning import tune
from tests.helpers import SCALE

DISTRIBUTIONS = {
    "optimizer": CategoricalDistribution(["adam", "sgd"]),
    "learning_rate": FloatDistribution(1e-6, 100, log=True),
}


def _finished_run(optimizer: str, steps: int) -> optuna.trial.FrozenTrial:
    return optuna.trial.create_trial(
        state=TrialState.COMPLETE,
        value=float(steps),
        distributions=DISTRIBUTIONS,
        params={"optimizer": optimizer, "learning_rate": 1e-3},
        user_attrs={"reached": True, "steps": steps},
    )


def _study_with_finished(optimizer: str, steps: int) -> optuna.Study:
    study = optuna.create_study(pruner=SlowerThanBestPruner(margin=1.5))
    study.add_trial(_finished_run(optimizer, steps))
    return study


def _running(study: optuna.Study, optimizer: str) -> optuna.Trial:
    study.enqueue_trial({"optimizer": optimizer, "learning_rate": 1e-1})
    trial = study.ask(DISTRIBUTIONS)
    return trial


@pytest.mark.parametrize(("step", "pruned"), [(50, False), (250, False), (300, True), (350, True)])
def test_prunes_once_past_margin_times_the_optimizers_best(step: int, pruned: bool) -> None:
    study = _study_with_finished("adam", steps=200)
    trial = _running(study, "adam")
    trial.report(0.5, step)
    assert trial.should_prune() is pruned


def test_a_search_run_within_two_checks_of_the_best_is_not_stopped() -> None:
    """On a fast model 1.5x of the best is less than two checks, the leaders' reach
    (contenders.leaders): a run that may lead is measured to there, whichever finished
    first."""
    settings = StudySettings(sampler="tpe", optimizers=("adam", "sgd"))  # checks every 50
    study = optuna.create_study(pruner=make_pruner(settings))
    study.add_trial(_finished_run("adam", 100))
    for step, pruned in ((150, False), (200, True)):  # 1.5x is 150; two checks reach 200
        trial = _running(study, "sgd")
        trial.report(0.5, step)
        assert trial.should_prune() is pruned, step
        study.tell(trial, state=TrialState.PRUNED)
    # Where 1.5x reaches further than two checks, the margin decides, as before.
    slow = optuna.create_study(pruner=make_pruner(settings))
    slow.add_trial(_finished_run("adam", 400))
    trial = _running(slow, "sgd")
    trial.report(0.5, 550)
    assert not trial.should_prune()
    trial.report(0.5, 600)
    assert trial.should_prune()


def test_never_prunes_against_another_optimizers_best() -> None:
    study = _study_with_finished("adam", steps=100)
    trial = _running(study, "sgd")
    trial.report(0.5, 5000)
    assert not trial.should_prune()


@pytest.mark.slow
def test_pruning_saves_steps_and_keeps_every_optimizers_best_and_band(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/prune.db"
    flags = {
        "sampler": "grid",
        "optimizers": ["adam", "sgd"],
        "lr_min": 0.01,
        "lr_max": 0.35,
        "scale": float(SCALE),
        "train_size": 2000,
        "target": 0.9,
        "max_steps": 200,
        "data": mnist,
    }
    for name, prune in (("pruned", True), ("unpruned", False)):
        tune(TuneRequest(name, storage, {**flags, "prune": prune}), NullObserver())
    opened = open_storage(storage)
    with_pruning = recommendation(opened, "pruned", storage)
    without = recommendation(opened, "unpruned", storage)

    def answers(rec) -> dict:
        # Slow rates that a pruned study stopped early no longer count as "reached";
        # everything `best` recommends must be identical.
        return {n: (r.learning_rate, r.value, r.band) for n, r in rec.per_optimizer.items()}

    assert answers(with_pruning) == answers(without)
    assert (with_pruning.optimizer, with_pruning.learning_rate) == (
        without.optimizer,
        without.learning_rate,
    )

    def total_steps(name: str) -> int:
        return sum(
            t.user_attrs["steps"]
            for t in optuna.load_study(study_name=name, storage=storage).trials
        )

    pruned_trials = optuna.load_study(study_name="pruned", storage=storage).get_trials(
        states=(TrialState.PRUNED,)
    )
    assert pruned_trials, "the grid should contain runs slow enough to prune"
    assert total_steps("pruned") < total_steps("unpruned")
