"""A trial autolr created stores its results in one write and is told without reading
back: what it stores must be exactly what Optuna's own calls would have stored."""

from __future__ import annotations

import math
import uuid
import warnings
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import FrozenTrial, TrialState

from autolr.errors import TrialFailed
from autolr.search.pruning import StalledPruner, StopRules
from autolr.settings import StudySettings
from autolr.store.recording import RecordedTrial
from autolr.store.storage import open_storage
from autolr.study.objective import Objective, Trainers
from autolr.study.observer import NullObserver
from autolr.study.opening import open_study
from autolr.study.runner import _Worker
from autolr.study.schedules import PlannedSchedule, make_schedule
from autolr.trainer import Check, TrainResult
from autolr.trainer.loop import OnCheck
from tests.stub_worker import SMALL_GRID_FLAGS

RESULTS: dict[str, Any] = {
    "outcome": "reached",
    "reached": True,
    "projected_steps": None,
    "steps": 350,
    "train_seconds": 1.2345,
    "final_accuracy": 0.912345,
    "history": [[50, 0.1, 0.5, 1.25], [100, 0.2, 0.91, None]],
    "note": "ünïcode",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/recording.db"
    return request.getfixturevalue("postgres_url")


def _two_trials(url: str) -> tuple[optuna.Study, RecordedTrial, optuna.Trial]:
    """The same planned point twice: once as autolr's trial, once as Optuna's own."""
    storage = open_storage(url, heartbeat_seconds=10)
    study, settings = open_study(storage, f"rec-{uuid.uuid4().hex[:8]}", None, SMALL_GRID_FLAGS)
    schedule = make_schedule(settings, None)
    assert isinstance(schedule, PlannedSchedule)
    study_id = storage.get_study_id_from_name(study.study_name)
    ours = storage.create_new_trial(study_id, schedule.template_for(schedule.points[0]))
    theirs = storage.create_new_trial(study_id, schedule.template_for(schedule.points[0]))
    study.get_trials()  # Optuna's own trial is written through the study's cache
    return study, RecordedTrial(study, ours, storage), optuna.Trial(study, theirs)


def _run(trial: optuna.Trial, reports: list[float]) -> None:
    trial.suggest_categorical("optimizer", ["adam", "sgd"])
    trial.suggest_float("learning_rate", 1e-6, 100.0, log=True)
    for step, value in enumerate(reports):
        trial.report(value, 50 * (step + 1))
    for key, value in RESULTS.items():
        trial.set_user_attr(key, value)


def _stored(study: optuna.Study, number: int) -> tuple[Any, ...]:
    """The trial as a fresh reader sees it."""
    trial = study.get_trials(deepcopy=False)[number]
    return (
        trial.state,
        trial.values,
        trial.params,
        trial.user_attrs,
        trial.intermediate_values,
        trial.datetime_complete is not None,
    )


@pytest.mark.parametrize(
    "outcome",
    [{"values": 350.25}, {"state": TrialState.PRUNED}, {"values": math.nan}],
    ids=["complete", "pruned", "not-a-number"],
)
def test_what_a_recorded_trial_stores_is_what_optuna_stores(
    storage_url: str, outcome: dict[str, Any]
) -> None:
    study, ours, theirs = _two_trials(storage_url)
    for trial in (ours, theirs):
        _run(trial, [900.0, 600.5])
    assert ours.user_attrs == theirs.user_attrs  # read back before the write, too
    told = ours.finish(**outcome)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna warns of the value that is not a number
        study.tell(theirs, **outcome)
    assert _stored(study, ours.number) == _stored(study, theirs.number)
    expected = {"values": TrialState.COMPLETE, "state": TrialState.PRUNED}
    state = expected[next(iter(outcome))] if outcome != {"values": math.nan} else TrialState.FAIL
    assert _stored(study, ours.number)[0] == state
    # What the runner shows the user is what was stored.
    assert (told.state, told.values, told.params, told.user_attrs) == _stored(study, ours.number)[
        :4
    ]


def test_a_trial_declared_dead_meanwhile_takes_no_late_results(storage_url: str) -> None:
    study, ours, _ = _two_trials(storage_url)
    _run(ours, [900.0])
    ours.rdb.set_trial_state_values(ours.trial_id, TrialState.FAIL)  # another worker's verdict
    with pytest.raises(optuna.exceptions.UpdateFinishedTrialError):
        ours.finish(values=350.0)
    state, values, _, user_attrs, _, _ = _stored(study, ours.number)
    assert state == TrialState.FAIL and values is None
    assert "steps" not in user_attrs


# --- The runner's two record paths, with autolr's own objective -------------------------
# A planned trial on PostgreSQL is a RecordedTrial told by `finish`; every other trial is
# Optuna's own, told by `study.tell` (main's path). The same objective (`Objective`:
# record_result, stop rules and their stop_reason, the time objective's seconds_per_step)
# with the same scripted training must leave the same trial behind either way.

BUDGET = 300
TARGET = 0.9


def _checks(accuracies: list[float], diverge_at: int | None = None) -> list[Check]:
    return [
        Check(
            step=50 * (i + 1),
            seconds=0.125 * (i + 1),
            accuracy=accuracy,
            loss=math.nan if i == diverge_at else 1.0 - accuracy,
        )
        for i, accuracy in enumerate(accuracies)
    ]


class ScriptedTrainer:
    """Plays scripted checks through `on_check` the way the training loop does: it stops
    at the target, on a non-finite loss, or when told to."""

    def __init__(self, checks: list[Check], fail: bool = False) -> None:
        self.checks, self.fail = checks, fail

    def train(
        self, optimizer: str, learning_rate: float, *, on_check: OnCheck | None = None, **_: Any
    ) -> TrainResult:
        if self.fail:
            raise TrialFailed("checkpoint damaged")
        played: list[Check] = []
        reached = diverged = stopped = False
        for check in self.checks:
            played.append(check)
            stopped = bool(on_check and on_check(check))
            reached = check.accuracy >= TARGET
            diverged = not math.isfinite(check.loss)
            if stopped or reached or diverged:
                break
        last = played[-1]
        return TrainResult(
            optimizer=optimizer,
            learning_rate=learning_rate,
            reached=reached,
            diverged=diverged,
            stopped=stopped and not reached,
            steps=last.step,
            train_seconds=last.seconds,
            total_seconds=last.seconds + 1.5,
            final_accuracy=last.accuracy,
            weight_count=1234,
            history=tuple(played),
            reached_step=last.step if reached else None,
            reached_seconds=last.seconds if reached else None,
        )


class ScriptedTrainers(Trainers):
    def __init__(self, settings: StudySettings, trainer: ScriptedTrainer) -> None:
        super().__init__(settings)
        self.trainer = trainer

    def get(self, scale: float | None = None, seed: int | None = None) -> Any:
        return self.trainer


class Told(NullObserver):
    """What the runner shows the user of each finished trial."""

    def __init__(self) -> None:
        self.trials: list[FrozenTrial] = []

    def trial_finished(self, trial: FrozenTrial, searched: int, follow_ups: int, best: Any) -> None:
        self.trials.append(trial)


def _everything(study: optuna.Study, number: int) -> tuple[Any, ...]:
    trial = study.get_trials(deepcopy=False)[number]
    return (
        trial.state,
        trial.values,
        trial.params,
        trial.distributions,
        trial.user_attrs,
        trial.system_attrs,
        trial.intermediate_values,
    )


SCENARIOS: dict[str, tuple[list[Check], bool]] = {
    "reached": (_checks([0.5, 0.8, 0.95]), False),
    "budget": (_checks([0.3, 0.4, 0.45, 0.5, 0.55, 0.6]), False),
    "diverged": (_checks([0.5, 0.5], diverge_at=1), False),
    "slower": (_checks([0.2, 0.3, 0.4, 0.5, 0.6, 0.7]), False),  # pruned at 1.5 x 100
    "stalled": (_checks([0.1] * 6), False),  # pruned: far off, 4 checks in a row
    "failed": (_checks([0.5]), True),
}


@pytest.mark.parametrize("objective", ["steps", "time"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_runner_records_a_planned_trial_as_mains_path_does(
    storage_url: str, scenario: str, objective: str
) -> None:
    storage = open_storage(storage_url, heartbeat_seconds=10)
    flags = {**SMALL_GRID_FLAGS, "max_steps": BUDGET, "target": TARGET, "objective": objective}
    study, settings = open_study(storage, f"rec-{uuid.uuid4().hex[:8]}", None, flags)
    schedule = make_schedule(settings, None)
    assert isinstance(schedule, PlannedSchedule)
    point = schedule.points[0]
    if scenario == "slower":  # a finished run of the same optimizer reached in 100 steps
        study.add_trial(
            optuna.trial.create_trial(
                value=100.0,
                params={"optimizer": point.optimizer, "learning_rate": 0.05},
                distributions={
                    "optimizer": CategoricalDistribution(settings.optimizers),
                    "learning_rate": FloatDistribution(1e-6, 100.0, log=True),
                },
                user_attrs={"reached": True, "steps": 100},
            )
        )
    if scenario == "stalled":  # the rule sampled studies use, here on a planned point
        rule = StalledPruner(BUDGET, in_seconds=objective == "time")
        study.pruner = StopRules([("stalled", rule)])
    checks, fail = SCENARIOS[scenario]
    told = Told()
    objective_ = Objective(settings, ScriptedTrainers(settings, ScriptedTrainer(checks, fail)))
    worker = _Worker(study, storage, schedule, objective_, told)
    study_id = storage.get_study_id_from_name(study.study_name)
    numbers = []
    for kind in (RecordedTrial, optuna.Trial):
        trial_id = storage.create_new_trial(study_id, schedule.template_for(point))
        study.get_trials()  # Optuna's own trial is read through the study's cache
        trial = (
            RecordedTrial(study, trial_id, storage)
            if kind is RecordedTrial
            else optuna.Trial(study, trial_id)
        )
        worker._ids[trial.number] = trial_id
        worker.run_trial(trial, heartbeat_seconds=10)
        numbers.append(trial.number)
    ours, mains = (_everything(study, n) for n in numbers)
    assert ours == mains
    expected = {
        "reached": TrialState.COMPLETE,
        "budget": TrialState.COMPLETE,
        "diverged": TrialState.COMPLETE,
        "slower": TrialState.PRUNED,
        "stalled": TrialState.PRUNED,
        "failed": TrialState.FAIL,
    }
    assert ours[0] == expected[scenario]
    if expected[scenario] == TrialState.PRUNED:
        assert ours[4]["stop_reason"] == scenario
        assert ours[1] == [ours[6][max(ours[6])]]  # the last intermediate value
    if scenario in ("budget", "diverged", "slower"):
        assert ours[1] is not None and ours[1][0] > BUDGET * (
            1 if objective == "steps" else 0.125 / 50
        )  # never below what a run that reached could be worth
    # What each path showed the user is what it stored.
    for shown, stored in zip(told.trials, (ours, mains), strict=True):
        assert (shown.state, shown.values, shown.params, shown.user_attrs) == (
            stored[0],
            stored[1],
            stored[2],
            stored[4],
        )
