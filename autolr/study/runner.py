"""Run a study: create or resume it, then claim and train trials until it is done.

Any number of workers, on one machine or many, can share a study: how a worker claims its
next trial so that no point is trained twice and none lost is claims.py's; here a worker
runs what it claimed, keeps it beating, and records how it ended.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState

from autolr.errors import StorageError, TrialFailed, note_failed_on_interrupt
from autolr.search import followups
from autolr.search.prior import SearchSpace
from autolr.settings import FIND, StudySettings
from autolr.signals import held
from autolr.store.liveness import DEFAULT_HEARTBEAT_S
from autolr.store.locks import LockLost
from autolr.store.recording import RecordedTrial
from autolr.store.storage import Heartbeat, open_storage
from autolr.study.claims import make_claims
from autolr.study.observer import NullObserver, TuneObserver
from autolr.study.opening import open_study
from autolr.study.schedules import Schedule, finished_count, make_schedule
from autolr.study.view import StudyView

if TYPE_CHECKING:
    from autolr.study.objective import Objective

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
    finished: int  # search trials finished in the study, all workers
    total: int  # search trials asked for
    complete: bool  # the study has what it asked for
    follow_ups: int = 0  # finished runs measuring the band and the ties (--band measure)


_CHECKED: set[str] = set()  # inputs already checked in this process


def check_inputs(settings: StudySettings) -> None:
    """Load and check the data (cached for training), then build the model and run one
    batch through it, so that bad data, a mistyped path or a model that does not fit
    fails before the study is made. Once per process for the same inputs: `tune` with
    the range-test prior opens two studies on them. What was done to the data is said
    in a line each (pixels scaled, labels that look wrong)."""
    # Importing the trainer imports Keras with its start-up output hidden, before a
    # user's --data-fn or --model module (loaded below) can import it noisily.
    from autolr.data import load_dataset
    from autolr.importing import load_model_factory
    from autolr.trainer.preflight import check_model

    train = settings.train
    inputs = repr(
        (settings.model, settings.data, train.seed, train.batch_size, settings.optimizer_fns)
    )
    if inputs not in _CHECKED:
        dataset = load_dataset(settings.data)
        check_model(
            settings.model,
            dataset,
            settings.train.seed,
            settings.train.batch_size,
            settings.own_optimizers,
        )
        for note in dataset.notes:
            (log.warning if note.startswith("warning:") else log.info)(note)
        _CHECKED.add(inputs)
    # Apart from the check above: the range test and the search share their inputs, but
    # not always their goal (a study on validation loss after a range test on training).
    validation = repr((inputs, train.val_size))
    if train.goal.validation and validation not in _CHECKED:
        examples = len(load_dataset(settings.data).x_val)  # cached by load_dataset
        if 0 < examples < train.val_size:
            log.info(
                f"the validation set has {examples} examples, fewer than "
                f"--val-size {train.val_size}: every check measures all {examples}"
            )
        _CHECKED.add(validation)
    if settings.model.factory and settings.sampler == "scale":
        # Every size the study trains (a scale study's points have their own).
        for scale in sorted({p[2] for p in settings.points}):
            load_model_factory(settings.model.factory, scale)


def run_study(
    request: TuneRequest, observer: TuneObserver, space: SearchSpace | None = None
) -> TuneOutcome:
    """Open (or create) the study and train its trials until it is done, or until
    --timeout. `space` is the range-test prior's search space (`tuning.tune` finds it);
    flags were checked by the caller before the storage was opened."""
    storage = open_storage(request.storage_url, request.heartbeat_seconds)
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
    from autolr.store import checkpoints
    from autolr.study.find_objective import FindObjective
    from autolr.study.objective import Objective, Trainers
    from autolr.study.pbt_objective import PBTObjective

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
    trials = followups.search_trials(study.get_trials(deepcopy=False))
    observer.study_ready(request.study_name, settings, schedule.total, finished_count(trials))
    deadline = time.monotonic() + request.timeout if request.timeout else None
    with _stopped_if_deleted(storage, request.study_name):
        trials_run = worker.run(deadline, request.heartbeat_seconds)
        trials = study.get_trials(deepcopy=False)
    searched = followups.search_trials(trials)
    return TuneOutcome(
        request.study_name,
        settings,
        trials_run,
        finished_count(searched),
        getattr(schedule, "searched", schedule.total),
        complete=schedule.complete(trials),
        follow_ups=finished_count(trials) - finished_count(searched),
    )


@contextlib.contextmanager
def _stopped_if_deleted(storage: RDBStorage, name: str) -> Iterator[None]:
    """A study deleted under a running worker (`autolr delete --force`) makes whatever
    the worker reads or writes next fail, with no word of why: say it in one line."""
    try:
        yield
    except Exception as exc:
        try:
            storage.get_study_id_from_name(name)
        except KeyError:
            raise StorageError(
                f"study {name!r} was deleted while this worker was running it "
                "(autolr delete --force); this worker stops"
            ) from exc
        except Exception:
            pass  # the storage cannot say: the first error stands
        raise


def _unless_finished() -> contextlib.suppress:
    """Writes to a trial that another worker already declared dead are dropped."""
    return contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError)


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
        self.claims = make_claims(study, storage, self.study_id, schedule, observer)
        self._ids: dict[int, int] = {}  # trial number -> storage id, of trials claimed here
        self.view = StudyView(study, storage, self.study_id)

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
        """A trial to run, or "wait", "done", or "retry" (claim again at once)."""
        claimed: list[int] = []
        try:
            taken = self.claims.take(claimed)
            if isinstance(taken, str):
                return taken
            # Reading the trial back needs no lock: it is created, labelled and beating.
            trial = taken.trial or RecordedTrial(self.study, taken.trial_id, self.storage)
        except LockLost as exc:
            # This worker stalled past its claim's lease (frozen, paused): others went on
            # without it and may already have handed this point out again. Its claim
            # never happened: fail the trial it took, so the point is run once, elsewhere.
            with _uninterruptible():
                for trial_id in claimed:
                    self._void(trial_id, "claim undone: lock lease ran out")
            log.warning(f"{exc}; this worker's claim was undone and it claims again")
            return "retry"
        except KeyboardInterrupt as exc:
            # Ctrl-C or SIGTERM between creating the trial and training it: the trial
            # would stay RUNNING with nobody left to finish it.
            with _uninterruptible():
                for trial_id in claimed:
                    self._void(trial_id, f"{type(exc).__name__}: interrupted while claimed")
                if claimed:
                    note_failed_on_interrupt(exc, "the trial it had just claimed is")
            raise
        self._ids[trial.number] = taken.trial_id
        return trial

    def _void(self, trial_id: int, why: str) -> None:
        with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
            self.storage.set_trial_user_attr(trial_id, "error", why)
            self.storage.set_trial_state_values(trial_id, TrialState.FAIL)

    def run_trial(self, trial: optuna.Trial, heartbeat_seconds: int) -> None:
        trial_id = self._ids[trial.number]
        heartbeat: Heartbeat | None = None
        try:
            # In the try: an interrupt from here on fails the trial (below).
            heartbeat = Heartbeat(self.storage, trial_id, heartbeat_seconds)
            heartbeat.start()
            outcome: dict[str, Any] = {"values": self.objective(trial)}
        except optuna.TrialPruned:
            outcome = {"state": TrialState.PRUNED}
        except optuna.exceptions.UpdateFinishedTrialError:
            return  # declared dead meanwhile: see below
        except TrialFailed as exc:
            # This trial cannot run (e.g. a damaged checkpoint); record why and go on.
            outcome = self._failed(trial, exc, lost=True)
        except (Exception, KeyboardInterrupt) as exc:
            if heartbeat is not None:
                heartbeat.stop()
            # A second Ctrl-C must not leave the trial RUNNING.
            with _uninterruptible(), _unless_finished():
                self._tell(trial, **self._failed(trial, exc, lost=False))
                if isinstance(exc, KeyboardInterrupt):
                    note_failed_on_interrupt(exc, f"the running trial {trial.number} is")
            raise
        finally:
            if heartbeat is not None:
                heartbeat.stop()
        told = None
        with _unless_finished():
            # Another worker declared this trial dead (its heartbeat went stale) and handed
            # the work out again: then this copy is dropped, not recorded twice.
            told = self._tell(trial, **outcome)
        # Not under the lock: clean-up only ever deletes what no unfinished slot can need,
        # judged from any snapshot, so workers may do it at the same time.
        self.schedule.after_trial(self.study)
        finished = told or self.storage.get_trial(trial_id)
        searched, follow_ups = self.view.done()
        self.observer.trial_finished(finished, searched, follow_ups, self.view.best(finished))

    @staticmethod
    def _failed(trial: optuna.Trial, exc: BaseException, lost: bool) -> dict[str, Any]:
        with _unless_finished():
            trial.set_user_attr("error", f"{type(exc).__name__}: {exc}"[:500])
            if lost:
                trial.set_user_attr("lost", True)
        return {"state": TrialState.FAIL}

    def _tell(self, trial: optuna.Trial, **outcome: Any) -> FrozenTrial:
        if isinstance(trial, RecordedTrial):
            return trial.finish(**outcome)  # its results in one write, then its state
        # A trial another worker already declared dead keeps that verdict.
        return self.study.tell(trial, skip_if_finished=True, **outcome)


__all__ = ["NullObserver", "TuneObserver", "TuneOutcome", "TuneRequest", "run_study"]
