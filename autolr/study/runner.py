"""Run a study: create or resume it, then claim and train trials until it is done.

Every decision that reads the study and then writes it (enqueue missing grid points,
pick the next PBT slot, claim a trial) happens under the study lock, so any number of
workers, on one machine or many, can share a study: no point is trained twice, none lost.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from autolr.config import WORKER_INDEX_ENV
from autolr.errors import ConfigError, TrialFailed
from autolr.study import dashboard
from autolr.study import settings as study_settings
from autolr.study.catalog import SETTINGS_ATTR
from autolr.study.observer import NullObserver, TuneObserver
from autolr.study.prior import SPACE_ATTR, SearchSpace
from autolr.study.pruning import make_pruner
from autolr.study.results import best_reached
from autolr.study.samplers import make_sampler
from autolr.study.schedules import Schedule, finished_count, make_schedule
from autolr.study.settings import FIND, StudySettings
from autolr.study.storage import (
    WORKER_ATTR,
    Heartbeat,
    open_storage,
    recover_dead_trials,
    study_lock,
    study_names,
    worker_identity,
)

if TYPE_CHECKING:
    from autolr.study.objective import Objective

DEFAULT_HEARTBEAT_S = 10
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class TuneRequest:
    study_name: str
    storage_url: str
    flags: dict[str, Any]  # only the settings the user gave explicitly
    preset: str | None = None  # defaults to the study name
    n_trials: int | None = None
    timeout: float | None = None
    heartbeat_seconds: int = DEFAULT_HEARTBEAT_S
    artifacts: str | None = None  # PBT checkpoint directory (default: beside the database)
    settings: StudySettings | None = None  # complete settings (trace, scale) instead of flags


@dataclass(frozen=True)
class TuneOutcome:
    study_name: str
    settings: StudySettings
    trials_run: int  # by this worker
    finished: int  # in the study, all workers
    total: int
    complete: bool  # the study has what it asked for


def open_study(
    storage: RDBStorage,
    name: str,
    preset: str | None,
    flags: dict[str, Any],
    check: Callable[[StudySettings], None] | None = None,
    explicit: StudySettings | None = None,
    space: SearchSpace | None = None,
) -> tuple[optuna.Study, StudySettings]:
    """Create the study with its settings, or load it and check flags against them.

    `check` runs before anything is written (e.g. to load the data), so a mistyped path
    or a bad setting leaves no half-made study behind. `explicit` gives complete settings
    (the follow-up experiments), which must match a stored study exactly. `space` is the
    range-test prior's search space, stored with the study on creation.
    """
    with study_lock(storage, name):
        settings, stored = _resolve(storage, name, preset, flags, explicit)
        if check is not None:
            check(settings)
        study = optuna.create_study(
            study_name=name,
            storage=storage,
            load_if_exists=True,
            direction="minimize",
            sampler=make_sampler(settings, _sampler_seed(settings), storage, space),
            pruner=make_pruner(settings),
        )
        if stored is None:
            study.set_user_attr(SETTINGS_ATTR, settings.identity())
        dashboard.label(study, settings)
        if space is not None and SPACE_ATTR not in study.user_attrs:
            _start_from_suggestions(study, settings, space)
            study.set_user_attr(SPACE_ATTR, space.to_attr())
    return study, settings


def resolve_settings(
    storage: RDBStorage,
    name: str,
    preset: str | None,
    flags: dict[str, Any],
    explicit: StudySettings | None = None,
) -> StudySettings:
    """The settings `open_study` would use, without writing anything."""
    return _resolve(storage, name, preset, flags, explicit)[0]


def _resolve(
    storage: RDBStorage,
    name: str,
    preset: str | None,
    flags: dict[str, Any],
    explicit: StudySettings | None,
) -> tuple[StudySettings, dict[str, Any] | None]:
    stored = None
    if name in study_names(storage):
        existing = optuna.load_study(study_name=name, storage=storage)
        stored = existing.user_attrs.get(SETTINGS_ATTR)
        if stored is None:
            raise ConfigError(f"study {name!r} was not created by autolr")
    if explicit is not None:
        return _same_or_conflict(name, explicit, stored), stored
    preset_flat = study_settings.load_preset(preset or name, required=preset is not None)
    return study_settings.resolve(preset_flat, stored, flags), stored


def _start_from_suggestions(
    study: optuna.Study, settings: StudySettings, space: SearchSpace
) -> None:
    """TPE's first trials are the range test's suggestions, most promising optimizer first
    (skipping any a crashed creator already enqueued)."""
    if settings.sampler != "tpe":
        return
    started = {t.params.get("optimizer") for t in study.get_trials(deepcopy=False)}
    for optimizer, rate in space.suggestions.items():
        if optimizer not in started:
            study.enqueue_trial({"optimizer": optimizer, "learning_rate": rate})


def _same_or_conflict(
    name: str, explicit: StudySettings, stored: dict[str, Any] | None
) -> StudySettings:
    if stored is not None and StudySettings.from_flat(stored).identity() != explicit.identity():
        raise ConfigError(
            f"study {name!r} already exists with other settings; pass --name to keep both"
        )
    return explicit


def _sampler_seed(settings: StudySettings) -> int:
    """The study seed, offset per --jobs worker so that parallel TPE/random workers do not
    propose alike (PBT decisions use the plain seed: every worker must agree on them)."""
    if settings.sampler == "pbt":
        return settings.train.seed
    return settings.train.seed + int(os.environ.get(WORKER_INDEX_ENV, "0"))


def check_inputs(settings: StudySettings) -> None:
    """Load the data (cached for training) and import the user's model function now, so
    that a mistyped path or module fails before the study is made."""
    from autolr.data import load_dataset
    from autolr.importing import load_callable

    load_dataset(settings.data)
    if settings.model.factory:
        load_callable(settings.model.factory, "--model")


def artifact_directory(request: TuneRequest, storage: RDBStorage) -> Path:
    from autolr.study.checkpoints import default_artifact_dir

    return (
        Path(request.artifacts).expanduser() if request.artifacts else default_artifact_dir(storage)
    )


def tune(request: TuneRequest, observer: TuneObserver) -> TuneOutcome:
    started = time.monotonic()
    storage = open_storage(request.storage_url, request.heartbeat_seconds)
    settings = resolve_settings(
        storage, request.study_name, request.preset, request.flags, request.settings
    )
    space = None
    if settings.prior == "find":
        from autolr.study.find_runner import prior_space

        check_inputs(settings)
        space = prior_space(storage, request, settings, observer)
        if space is None:  # --timeout ran out during the range test
            return TuneOutcome(request.study_name, settings, 0, 0, 0, complete=False)
        if request.timeout is not None:
            left = request.timeout - (time.monotonic() - started)
            if left <= 0:
                return TuneOutcome(request.study_name, settings, 0, 0, 0, complete=False)
            request = dataclasses.replace(request, timeout=left)
    study, settings = open_study(
        storage,
        request.study_name,
        request.preset,
        request.flags,
        check=check_inputs,
        explicit=request.settings,
        space=space,
    )
    if space is not None:
        observer.note(
            "searching "
            + ", ".join(f"{name} {lo:.3g}..{hi:.3g}" for name, (lo, hi) in space.ranges.items())
            + " (range-test bands widened 3x)"
        )
    # Keras loads only now that there is training to do.
    from autolr.study import checkpoints
    from autolr.study.find_objective import FindObjective
    from autolr.study.objective import Objective, PBTObjective, Trainers

    trainers = Trainers(settings)
    objective: Objective
    store = None
    if settings.sampler == "pbt":
        store = checkpoints.open_store(artifact_directory(request, storage))
        objective = PBTObjective(settings, trainers, store, observer, space)
    elif settings.sampler == FIND:
        objective = FindObjective(settings, trainers, observer)
    else:
        objective = Objective(settings, trainers, observer, space)
    schedule = make_schedule(settings, request.n_trials, store)
    worker = _Worker(study, storage, schedule, objective, observer)
    trials = study.get_trials(deepcopy=False)
    observer.study_ready(request.study_name, settings, schedule.total, finished_count(trials))
    deadline = time.monotonic() + request.timeout if request.timeout else None
    trials_run = worker.run(deadline, request.heartbeat_seconds)
    trials = study.get_trials(deepcopy=False)
    return TuneOutcome(
        request.study_name,
        settings,
        trials_run,
        finished_count(trials),
        schedule.total,
        complete=schedule.complete(trials),
    )


@contextlib.contextmanager
def _uninterruptible() -> Iterator[None]:
    """Ignore Ctrl-C for the moment it takes to record a trial's end."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Worker:
    def __init__(
        self,
        study: optuna.Study,
        storage: RDBStorage,
        schedule: Schedule,
        objective: Objective,
        observer: TuneObserver,
    ) -> None:
        self.study, self.storage, self.schedule = study, storage, schedule
        self.objective, self.observer = objective, observer
        self.study_id = storage.get_study_id_from_name(study.study_name)

    def run(self, deadline: float | None, heartbeat_seconds: int) -> int:
        trials_run = 0
        while deadline is None or time.monotonic() < deadline:
            trial = self._claim()
            if trial == "done":
                break
            if trial == "wait":
                time.sleep(POLL_SECONDS)
                continue
            assert isinstance(trial, optuna.Trial)
            self._run_trial(trial, heartbeat_seconds)
            trials_run += 1
        return trials_run

    def _claim(self) -> optuna.Trial | str:
        """Under the lock: recover dead trials, let the schedule decide, take a trial."""
        with study_lock(self.storage, self.study.study_name):
            recovered = recover_dead_trials(self.study, self.storage)
            if recovered:
                self.observer.recovered(recovered)
            self.schedule.prepare(self.study)
            trials = self.study.get_trials(deepcopy=False)
            decision = self.schedule.next(trials)
            if decision != "run":
                if decision == "wait":
                    self.observer.waiting(sum(t.state == TrialState.RUNNING for t in trials))
                return decision
            with warnings.catch_warnings():
                # Optuna suggests heartbeats go with study.optimize; this loop beats itself.
                warnings.filterwarnings("ignore", message="Heartbeat of storage")
                trial = self.study.ask()
            trial_id = self._trial_id(trial)
            self.storage.set_trial_system_attr(trial_id, WORKER_ATTR, worker_identity())
            self.storage.record_heartbeat(trial_id)
            return trial

    def _trial_id(self, trial: optuna.Trial) -> int:
        return self.storage.get_trial_id_from_study_id_trial_number(self.study_id, trial.number)

    def _run_trial(self, trial: optuna.Trial, heartbeat_seconds: int) -> None:
        trial_id = self._trial_id(trial)
        heartbeat = Heartbeat(self.storage, trial_id, heartbeat_seconds)
        heartbeat.start()
        try:
            value = self.objective(trial)
        except optuna.TrialPruned:
            self._tell(trial, state=TrialState.PRUNED)
        except optuna.exceptions.UpdateFinishedTrialError:
            # Another worker declared this trial dead (its heartbeat went stale) and handed
            # the work out again: drop this copy rather than record the point twice.
            return
        except TrialFailed as exc:
            # This trial cannot run (e.g. a damaged checkpoint); record why and go on.
            self._fail(trial, exc, lost=True)
        except (Exception, KeyboardInterrupt) as exc:
            heartbeat.stop()
            with _uninterruptible():  # a second Ctrl-C must not leave the trial RUNNING
                self._fail(trial, exc, lost=False)
            raise
        else:
            self._tell(trial, values=value)
        finally:
            heartbeat.stop()
        with study_lock(self.storage, self.study.study_name):
            self.schedule.after_trial(self.study)
        trials = self.study.get_trials(deepcopy=False)
        self.observer.trial_finished(
            self.storage.get_trial(trial_id), finished_count(trials), best_reached(trials)
        )

    def _fail(self, trial: optuna.Trial, exc: BaseException, lost: bool) -> None:
        with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
            trial.set_user_attr("error", f"{type(exc).__name__}: {exc}"[:500])
            if lost:
                trial.set_user_attr("lost", True)
        self._tell(trial, state=TrialState.FAIL)

    def _tell(self, trial: optuna.Trial, **outcome: Any) -> None:
        # A trial another worker already declared dead keeps that verdict.
        self.study.tell(trial, skip_if_finished=True, **outcome)


__all__ = ["NullObserver", "TuneObserver", "TuneOutcome", "TuneRequest", "open_study", "tune"]
