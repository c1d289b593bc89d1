"""Run a study: create or resume it, then claim and train trials until it is done.

Every decision that reads the study and then writes it (enqueue missing grid points,
pick the next PBT slot, claim a trial) happens under the study lock, so any number of
workers, on one machine or many, can share a study: no point is trained twice, none lost.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import signal
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from autolr.errors import TrialFailed
from autolr.signals import held
from autolr.study.locks import LockLost, study_lock
from autolr.study.observer import NullObserver, TuneObserver
from autolr.study.opening import check_flags, open_study, resolve_settings
from autolr.study.results import best_reached
from autolr.study.schedules import Schedule, expected_trials, finished_count, make_schedule
from autolr.study.settings import FIND, StudySettings
from autolr.study.storage import (
    CLAIM_KEY,
    WORKER_ATTR,
    Heartbeat,
    open_storage,
    recover_dead_trials,
    worker_identity,
)

if TYPE_CHECKING:
    from autolr.study.objective import Objective

DEFAULT_HEARTBEAT_S = 10
POLL_SECONDS = 1.0
log = logging.getLogger("autolr.study")


@dataclass(frozen=True)
class TuneRequest:
    study_name: str
    storage_url: str
    flags: dict[str, Any]  # only the settings the user gave explicitly
    preset: str | None = None  # defaults to the study name
    n_trials: int | None = None
    timeout: float | None = None
    heartbeat_seconds: int = DEFAULT_HEARTBEAT_S
    artifacts: str | None = None  # PBT checkpoint folder (default: see checkpoints.open_store)
    settings: StudySettings | None = None  # complete settings (trace, scale) instead of flags


@dataclass(frozen=True)
class TuneOutcome:
    study_name: str
    settings: StudySettings
    trials_run: int  # by this worker
    finished: int  # in the study, all workers
    total: int
    complete: bool  # the study has what it asked for


_CHECKED: set[str] = set()  # inputs already checked in this process


def check_inputs(settings: StudySettings) -> None:
    """Load and check the data (cached for training), then build the model and run one
    batch through it, so that bad data, a mistyped path or a model that does not fit
    fails before the study is made. Once per process for the same inputs: `tune` with
    the range-test prior opens two studies on them."""
    # Importing the trainer imports Keras with its start-up output hidden, before a
    # user's --data-fn or --model module (loaded below) can import it noisily.
    from autolr.data import load_dataset
    from autolr.importing import load_model_factory
    from autolr.trainer.preflight import check_model

    inputs = repr((settings.model, settings.data, settings.train.seed))
    if inputs not in _CHECKED:
        check_model(settings.model, load_dataset(settings.data), settings.train.seed)
        _CHECKED.add(inputs)
    if settings.model.factory and settings.sampler == "scale":
        # Every size the study trains (a scale study's points have their own).
        for scale in sorted({p[2] for p in settings.points}):
            load_model_factory(settings.model.factory, scale)


def tune(request: TuneRequest, observer: TuneObserver) -> TuneOutcome:
    started = time.monotonic()
    if request.settings is None:
        check_flags(request.study_name, request.preset, request.flags, request.storage_url)
    storage = open_storage(request.storage_url, request.heartbeat_seconds)
    settings = resolve_settings(
        storage, request.study_name, request.preset, request.flags, request.settings
    )
    space = None
    if settings.prior == "find":
        from autolr.study.find_runner import prior_space

        check_inputs(settings)
        space = prior_space(storage, request, settings, observer)
        if space is None:
            # --timeout ran out during the range test: none of the study's trials has run.
            total = expected_trials(settings, request.n_trials)
            return TuneOutcome(request.study_name, settings, 0, 0, total, complete=False)
        if request.timeout is not None:
            # What is left, if anything: a study resumed with no time left still reports
            # what it holds (below, the worker claims nothing past its deadline).
            left = request.timeout - (time.monotonic() - started)
            request = dataclasses.replace(request, timeout=max(left, 1e-9))
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
        folder = Path(request.artifacts).expanduser() if request.artifacts else None
        store = checkpoints.open_store(storage, folder)
        log.info(f"PBT checkpoints go to {checkpoints.store_location(storage, folder)}")
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
    """Hold back Ctrl-C and SIGTERM for the moment it takes to record a trial's end."""
    with held(signal.SIGINT, signal.SIGTERM):
        yield


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
        self._stale_checked = -math.inf
        self._standing: set[str] = set()  # claim tokens known to be stored
        self._ids: dict[int, int] = {}  # trial number -> storage id, of trials claimed here

    def run(self, deadline: float | None, heartbeat_seconds: int) -> int:
        trials_run = 0
        while deadline is None or time.monotonic() < deadline:
            trial = self.claim()
            if trial == "done":
                break
            if trial == "wait":
                time.sleep(POLL_SECONDS)
                continue
            if trial == "retry":
                continue
            assert isinstance(trial, optuna.Trial)
            self.run_trial(trial, heartbeat_seconds)
            trials_run += 1
        return trials_run

    def claim(self) -> optuna.Trial | str:
        """A trial to run, or "wait", "done", or "retry" (this claim was undone)."""
        claimed: list[int] = []
        try:
            taken = self._claim(claimed)
        except LockLost as exc:
            # This worker stalled past the lock's lease (frozen, paused): others went on
            # without it and may already have handed this point out again. Its claim
            # never happened: fail the trial it took, so the point is run once, elsewhere.
            for trial_id in claimed:
                self._void(trial_id)
            log.warning(f"{exc}; this worker's claim was undone and it claims again")
            return "retry"
        if not isinstance(taken, int):
            return taken
        # Reading the trial back needs no lock: it is created, labelled and beating.
        self.study.get_trials(deepcopy=False)  # the study's cache learns of it
        trial = optuna.Trial(self.study, taken)
        self._ids[trial.number] = taken
        return trial

    def _claim(self, claimed: list[int]) -> optuna.Trial | int | str:
        """Under the lock: recover dead trials, let the schedule decide, take a trial.

        Every worker waits while one holds the lock, so this reads one snapshot and
        writes as little as the schedule allows: a planned point is one new trial,
        created running and labelled in one write.
        """
        with study_lock(self.storage, self.study.study_name) as lease:
            trials = self.study.get_trials(deepcopy=False)
            recovered = recover_dead_trials(
                self.study, self.storage, trials, self._stale_due(), lease, self._standing
            )
            if recovered:
                self.observer.recovered(recovered)
                trials = self.study.get_trials(deepcopy=False)
            decision = self.schedule.next(trials)
            if decision != "run":
                if decision == "wait":
                    self.observer.waiting(sum(t.state == TrialState.RUNNING for t in trials))
                return decision
            label = {**worker_identity(), CLAIM_KEY: lease.token}
            template = self.schedule.template(trials)
            if template is not None:
                template.system_attrs = {**template.system_attrs, WORKER_ATTR: label}
                trial_id = self.storage.create_new_trial(self.study_id, template)
                claimed.append(trial_id)
                self.storage.record_heartbeat(trial_id)
                return trial_id
            with warnings.catch_warnings():
                # Optuna ties heartbeats to study.optimize; this loop beats itself.
                warnings.filterwarnings("ignore", message="Heartbeat of storage")
                trial = self.study.ask()
            trial_id = self._trial_id(trial)
            claimed.append(trial_id)
            self.storage.set_trial_system_attr(trial_id, WORKER_ATTR, label)
            self.storage.record_heartbeat(trial_id)
            return trial

    def _stale_due(self) -> bool:
        """Look for stale heartbeats at most once a beat: a trial is stale only after three."""
        interval = self.storage.heartbeat_interval or 0
        now = time.monotonic()
        if now - self._stale_checked < interval:
            return False
        self._stale_checked = now
        return True

    def _void(self, trial_id: int) -> None:
        with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
            self.storage.set_trial_user_attr(trial_id, "error", "claim undone: lock lease ran out")
            self.storage.set_trial_state_values(trial_id, TrialState.FAIL)

    def _trial_id(self, trial: optuna.Trial) -> int:
        if trial.number not in self._ids:
            self._ids[trial.number] = self.storage.get_trial_id_from_study_id_trial_number(
                self.study_id, trial.number
            )
        return self._ids[trial.number]

    def run_trial(self, trial: optuna.Trial, heartbeat_seconds: int) -> None:
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
        # Not under the lock: clean-up only ever deletes what no unfinished slot can need,
        # judged from any snapshot, so workers may do it at the same time.
        self.schedule.after_trial(self.study)
        trials = self.study.get_trials(deepcopy=False)
        finished = next((t for t in trials if t.number == trial.number), None)
        self.observer.trial_finished(
            finished or self.storage.get_trial(trial_id),
            finished_count(trials),
            best_reached(trials),
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
