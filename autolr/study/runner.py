"""Run a study: create or resume it, then claim and train trials until it is done.

Every decision that reads the study and then writes it (enqueue missing grid points,
claim the next trial) happens under the study lock, so any number of workers, on one
machine or many, can share a study: no grid point is trained twice, none is lost.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from autolr.config import WORKER_INDEX_ENV
from autolr.errors import ConfigError
from autolr.study import settings as study_settings
from autolr.study.catalog import SETTINGS_ATTR
from autolr.study.pruning import SlowerThanBestPruner
from autolr.study.samplers import make_sampler
from autolr.study.settings import StudySettings
from autolr.study.space import grid_points, run_order
from autolr.study.storage import (
    WORKER_ATTR,
    open_storage,
    recover_dead_trials,
    study_lock,
    study_names,
    worker_identity,
)

GRID_ATTR = "grid_point"
if TYPE_CHECKING:
    from autolr.study.objective import Objective
    from autolr.trainer import Check

DEFAULT_TRIALS = 40
DEFAULT_HEARTBEAT_S = 10
POLL_SECONDS = 1.0


class TuneObserver(Protocol):
    """What a progress display hears from the runner (all optional to act on)."""

    def study_ready(self, name: str, settings: StudySettings, total: int, done: int) -> None: ...
    def trial_started(self, number: int, optimizer: str, learning_rate: float) -> None: ...
    def check(self, number: int, check: Check) -> None: ...
    def trial_finished(self, trial: optuna.trial.FrozenTrial, done: int, best: Any) -> None: ...
    def waiting(self, running_elsewhere: int) -> None: ...
    def recovered(self, numbers: list[int]) -> None: ...


@dataclass(frozen=True)
class TuneRequest:
    study_name: str
    storage_url: str
    flags: dict[str, Any]  # only the settings the user gave explicitly
    preset: str | None = None  # defaults to the study name
    n_trials: int | None = None
    timeout: float | None = None
    heartbeat_seconds: int = DEFAULT_HEARTBEAT_S


@dataclass(frozen=True)
class TuneOutcome:
    study_name: str
    settings: StudySettings
    trials_run: int  # by this worker
    finished: int  # in the study, all workers
    total: int
    complete: bool  # the study has all the trials it asked for


def open_study(
    storage: RDBStorage,
    name: str,
    preset: str | None,
    flags: dict[str, Any],
    check: Callable[[StudySettings], None] | None = None,
) -> tuple[optuna.Study, StudySettings]:
    """Create the study with its settings, or load it and check flags against them.

    `check` runs before anything is written (e.g. to load the data), so a mistyped path
    or a bad setting leaves no half-made study behind.
    """
    with study_lock(storage, name):
        stored = None
        if name in study_names(storage):
            existing = optuna.load_study(study_name=name, storage=storage)
            stored = existing.user_attrs.get(SETTINGS_ATTR)
            if stored is None:
                raise ConfigError(f"study {name!r} was not created by autolr")
        settings = study_settings.resolve(study_settings.load_preset(preset or name), stored, flags)
        if check is not None:
            check(settings)
        study = optuna.create_study(
            study_name=name,
            storage=storage,
            load_if_exists=True,
            direction="minimize",
            sampler=make_sampler(settings, _sampler_seed(settings)),
            pruner=SlowerThanBestPruner() if settings.prune else optuna.pruners.NopPruner(),
        )
        if stored is None:
            study.set_user_attr(SETTINGS_ATTR, settings.identity())
    return study, settings


def _sampler_seed(settings: StudySettings) -> int:
    """The study seed, offset per --jobs worker so parallel workers do not propose alike."""
    return settings.train.seed + int(os.environ.get(WORKER_INDEX_ENV, "0"))


def check_inputs(settings: StudySettings) -> None:
    """Load the data (cached for training) and import the user's model function now, so
    that a mistyped path or module fails before the study is made."""
    from autolr.data import load_dataset
    from autolr.importing import load_callable

    load_dataset(settings.data)
    if settings.model.factory:
        load_callable(settings.model.factory, "--model")


def target_trials(settings: StudySettings, n_trials: int | None) -> int:
    if settings.sampler == "grid":
        size = len(grid_points(settings))
        return min(size, n_trials) if n_trials else size
    return n_trials or DEFAULT_TRIALS


def tune(request: TuneRequest, observer: TuneObserver) -> TuneOutcome:
    storage = open_storage(request.storage_url, request.heartbeat_seconds)
    study, settings = open_study(
        storage, request.study_name, request.preset, request.flags, check=check_inputs
    )
    if settings.sampler == "pbt":
        raise ConfigError("the pbt sampler is not available yet")
    # Keras loads only now that there is training to do.
    from autolr.study.objective import Objective
    from autolr.trainer import Trainer

    trainer = Trainer(settings.model, settings.data, settings.train)
    objective = Objective(settings, trainer, observer)
    total = target_trials(settings, request.n_trials)
    worker = _Worker(study, storage, settings, objective, observer, total)
    observer.study_ready(request.study_name, settings, total, worker.finished_count())
    deadline = time.monotonic() + request.timeout if request.timeout else None
    trials_run = worker.run(deadline, request.heartbeat_seconds)
    finished = worker.finished_count()
    return TuneOutcome(
        request.study_name, settings, trials_run, finished, total, complete=finished >= total
    )


class _Worker:
    def __init__(
        self,
        study: optuna.Study,
        storage: RDBStorage,
        settings: StudySettings,
        objective: Objective,
        observer: TuneObserver,
        total: int,
    ) -> None:
        self.study, self.storage, self.settings = study, storage, settings
        self.objective, self.observer, self.total = objective, observer, total
        self.grid = run_order(grid_points(settings)) if settings.sampler == "grid" else []
        self.study_id = storage.get_study_id_from_name(study.study_name)

    def finished_count(self) -> int:
        states = (TrialState.COMPLETE, TrialState.PRUNED)
        return len(self.study.get_trials(deepcopy=False, states=states))

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
        """Under the lock: recover dead trials, top up the grid, take the next trial."""
        with study_lock(self.storage, self.study.study_name):
            recovered = recover_dead_trials(self.study, self.storage)
            if recovered:
                self.observer.recovered(recovered)
            if self.grid:
                self._enqueue_missing_grid_points()
            counts = Counter(t.state for t in self.study.get_trials(deepcopy=False))
            finished = counts[TrialState.COMPLETE] + counts[TrialState.PRUNED]
            running, waiting = counts[TrialState.RUNNING], counts[TrialState.WAITING]
            if finished >= self.total:
                return "done"
            claimable = waiting > 0 if self.grid else finished + running < self.total
            if not claimable:
                if running:
                    self.observer.waiting(running)
                    return "wait"
                return "done"
            with warnings.catch_warnings():
                # Optuna suggests heartbeats go with study.optimize; this loop beats itself.
                warnings.filterwarnings("ignore", message="Heartbeat of storage")
                trial = self.study.ask()
            trial_id = self._trial_id(trial)
            self.storage.set_trial_system_attr(trial_id, WORKER_ATTR, worker_identity())
            self.storage.record_heartbeat(trial_id)
            return trial

    def _enqueue_missing_grid_points(self) -> None:
        """Enqueue every grid point that has no waiting, running or finished trial.

        Optuna's GridSampler counts a failed point as visited; here a point whose trial
        failed (a killed worker, an interrupted run) is simply enqueued again.
        """
        live = (TrialState.WAITING, TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED)
        covered = {
            t.user_attrs.get(GRID_ATTR) for t in self.study.get_trials(deepcopy=False, states=live)
        }
        for point in self.grid:
            if point.index not in covered:
                self.study.enqueue_trial(point.params(), user_attrs={GRID_ATTR: point.index})

    def _trial_id(self, trial: optuna.Trial) -> int:
        return self.storage.get_trial_id_from_study_id_trial_number(self.study_id, trial.number)

    def _run_trial(self, trial: optuna.Trial, heartbeat_seconds: int) -> None:
        trial_id = self._trial_id(trial)
        heartbeat = _Heartbeat(self.storage, trial_id, heartbeat_seconds)
        heartbeat.start()
        try:
            value = self.objective(trial)
        except optuna.TrialPruned:
            self._tell(trial, state=TrialState.PRUNED)
        except optuna.exceptions.UpdateFinishedTrialError:
            # Another worker declared this trial dead (its heartbeat went stale) and handed
            # the work out again: drop this copy rather than record the point twice.
            return
        except (Exception, KeyboardInterrupt) as exc:
            heartbeat.stop()
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                trial.set_user_attr("error", f"{type(exc).__name__}: {exc}"[:500])
            self._tell(trial, state=TrialState.FAIL)
            raise
        else:
            self._tell(trial, values=value)
        finally:
            heartbeat.stop()
        frozen = self.storage.get_trial(trial_id)
        self.observer.trial_finished(frozen, self.finished_count(), self._best())

    def _tell(self, trial: optuna.Trial, **outcome: Any) -> None:
        # A trial another worker already declared dead keeps that verdict.
        self.study.tell(trial, skip_if_finished=True, **outcome)

    def _best(self) -> optuna.trial.FrozenTrial | None:
        reached = [
            t
            for t in self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.user_attrs.get("reached")
        ]
        return min(reached, key=lambda t: t.value or 0.0) if reached else None


class _Heartbeat:
    """Records the running trial's heartbeat in the storage from a background thread."""

    def __init__(self, storage: RDBStorage, trial_id: int, interval: int) -> None:
        self.storage, self.trial_id, self.interval = storage, trial_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.storage.record_heartbeat(self.trial_id)
            except Exception:  # a missed beat is retried next interval
                continue

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
