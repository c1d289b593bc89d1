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
from optuna.trial import TrialState

from autolr.study.opening import open_study
from autolr.study.recording import RecordedTrial
from autolr.study.schedules import PlannedSchedule, make_schedule
from autolr.study.storage import open_storage
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
