"""How a worker claims its next trial, so that no point is trained twice and none lost.

Two ways, by study and storage:
- `QueuedClaims` (planned studies on PostgreSQL): take the first free slot of the study's
  queue (slots.py) and create its trial. Claimers take turns only for Optuna's trial
  creation; the claim reads nothing but its slot, and dead trials are looked for once a
  heartbeat, or when no slot is free.
- `LockedClaims` (everything else): under the study lock, read one snapshot of the study,
  recover dead trials, let the schedule decide (the sampler proposes, PBT picks its
  slot), and create the trial. SQLite has no row locks to skip; sampled and PBT studies
  decide from the whole study anyway, and their trials are long.

Either returns the new trial's id (autolr created it from the schedule's template), the
trial `study.ask` made, or "wait" / "done". `claimed` collects ids of trials created, so
that the caller can undo them if the claim's lease ran out (LockLost) or an interrupt
arrived before the trial began training.
"""

from __future__ import annotations

import contextlib
import math
import signal
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import optuna
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState

from autolr.signals import held
from autolr.store.liveness import CLAIM_KEY, WORKER_ATTR, unlabelled, worker_identity
from autolr.store.locks import (
    Lease,
    lease_seconds,
    leased_transaction,
    named_lock,
    note_hold,
    study_lock,
)
from autolr.store.recording import known_schema
from autolr.store.slots import SlotQueue
from autolr.store.storage import recover_dead_trials
from autolr.study.observer import TuneObserver
from autolr.study.schedules import PlannedSchedule, Schedule


@dataclass(frozen=True)
class Taken:
    trial_id: int
    trial: optuna.Trial | None = None  # made by study.ask; None: created from a template


class Beat:
    """Due at most once per heartbeat interval (and at once the first time): trials go
    stale only after three missed beats, so looking more often finds nothing sooner."""

    def __init__(self, storage: RDBStorage) -> None:
        self.interval = storage.heartbeat_interval or 0
        self._last = -math.inf

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last < self.interval:
            return False
        self._last = now
        return True


class QueuedClaims:
    # Both ways of claiming take what a worker holds (study, storage, schedule, observer):
    # the runner's worker builds either from the same.
    def __init__(
        self,
        study: optuna.Study,
        storage: RDBStorage,
        study_id: int,
        schedule: PlannedSchedule,
        observer: TuneObserver,
    ) -> None:
        self.study, self.storage, self.study_id = study, storage, study_id
        self.schedule, self.observer = schedule, observer
        self.queue = SlotQueue(storage, study, study_id, schedule.points, schedule.total)
        self.queue.ensure()
        self.beat = Beat(storage)

    def take(self, claimed: list[int]) -> Taken | str:
        if self.beat.due() and self._recover(stale=True):
            return "retry"  # recovery may have freed slots: claim again
        engine, lease, name = self.storage.engine, lease_seconds(), self.study.study_name
        with contextlib.ExitStack() as claim:
            # Optuna numbers a new trial under a lock on the study's row, so creating
            # trials is serial in any Optuna study. Claimers take turns for it here,
            # before locking a slot: waiting for a lock is an active statement, which no
            # lease cuts, whereas a slot's transaction waiting idle would be.
            with named_lock(engine, f"create:{name}"):
                started = time.monotonic()
                connection = claim.enter_context(leased_transaction(engine, f"slot:{name}", lease))
                slot = self.queue.take(connection, lease)
                if slot is not None:
                    template = self.schedule.template_for(slot.point)
                    label = worker_identity(self.storage.heartbeat_interval)
                    template.system_attrs = {**template.system_attrs, WORKER_ATTR: label}
                    with _created():
                        trial_id = self.storage.create_new_trial(self.study_id, template)
                        claimed.append(trial_id)
            if slot is not None:
                # Before the commit: a trial that holds its slot always has a heartbeat.
                self.storage.record_heartbeat(trial_id)
                self.queue.hold(connection, slot, trial_id)
        if slot is not None:
            note_hold(f"slot:{name}", 0.0, time.monotonic() - started)
            return Taken(trial_id)
        # Every slot is held or being claimed. Before stopping, fail the trials of
        # claims that died (none may be left running); before waiting, once a beat.
        finished, running = self.queue.progress()
        done = finished >= self.schedule.total
        if (done or self.beat.due()) and self._recover(stale=not done):
            return "retry"
        if done:
            return "done"
        self.observer.waiting(running)
        return "wait"

    def _recover(self, stale: bool) -> list[int]:
        running = self.storage.get_all_trials(
            self.study_id, deepcopy=False, states=(TrialState.RUNNING,)
        )
        # A trial the queue created is labelled in the same write, so an unlabelled one
        # was never a queue claim that could still stand.
        abandoned = self.queue.abandoned(running) | unlabelled(running)
        recovered = recover_dead_trials(self.study, self.storage, running, stale, abandoned)
        if recovered:
            self.observer.recovered(recovered)
        return recovered


class LockedClaims:
    def __init__(
        self,
        study: optuna.Study,
        storage: RDBStorage,
        study_id: int,
        schedule: Schedule,
        observer: TuneObserver,
    ) -> None:
        self.study, self.storage, self.study_id = study, storage, study_id
        self.schedule, self.observer = schedule, observer
        self.beat = Beat(storage)
        self._standing: set[str] = set()  # claim tokens known to be stored

    def take(self, claimed: list[int]) -> Taken | str:
        """Every worker waits while one holds the lock, so this reads one snapshot and
        writes as little as the schedule allows: a planned point is one new trial,
        created running and labelled in one write."""
        with study_lock(self.storage, self.study.study_name) as lease:
            trials = self.study.get_trials(deepcopy=False)
            running = [t for t in trials if t.state == TrialState.RUNNING]
            # Under the lock every earlier claim has ended: an unlabelled running trial
            # is a claimer that died inside its claim.
            abandoned = unlabelled(running) | _undone(running, lease, self._standing)
            recovered = recover_dead_trials(
                self.study, self.storage, running, self.beat.due(), abandoned
            )
            if recovered:
                self.observer.recovered(recovered)
                trials = self.study.get_trials(deepcopy=False)
            decision = self.schedule.next(trials)
            if decision != "run":
                if decision == "wait":
                    self.observer.waiting(sum(t.state == TrialState.RUNNING for t in trials))
                return decision
            label = {**worker_identity(self.storage.heartbeat_interval), CLAIM_KEY: lease.token}
            template = self.schedule.template(trials)
            if template is not None:
                template.system_attrs = {**template.system_attrs, WORKER_ATTR: label}
                with _created():
                    trial_id = self.storage.create_new_trial(self.study_id, template)
                    claimed.append(trial_id)
                self.storage.record_heartbeat(trial_id)
                return Taken(trial_id)
            with warnings.catch_warnings():
                # Optuna ties heartbeats to study.optimize; the runner beats itself.
                warnings.filterwarnings("ignore", message="Heartbeat of storage")
                with _created():
                    trial = self.study.ask()
                    trial_id = self.storage.get_trial_id_from_study_id_trial_number(
                        self.study_id, trial.number
                    )
                    claimed.append(trial_id)
            self.storage.set_trial_system_attr(trial_id, WORKER_ATTR, label)
            self.storage.record_heartbeat(trial_id)
            return Taken(trial_id, trial)


def _created() -> contextlib.AbstractContextManager[None]:
    """Ctrl-C and SIGTERM wait while a trial is created and noted in `claimed`, so that
    an interrupted claim always knows which trial to fail (runner.py)."""
    return held(signal.SIGINT, signal.SIGTERM)


def _undone(running: Sequence[FrozenTrial], lease: Lease, standing: set[str]) -> set[int]:
    """Trials whose claim token was never stored: their claimer's lease ran out (frozen
    mid-claim, or died), so the claim counts as never made (see locks.py). `standing`
    caches tokens known to be stored, so each is looked up once."""
    tokens = {
        t.number: t.system_attrs[WORKER_ATTR].get(CLAIM_KEY)
        for t in running
        if isinstance(t.system_attrs.get(WORKER_ATTR), dict)
    }
    unknown = {token for token in tokens.values() if token and token not in standing}
    if unknown:
        standing |= lease.standing(unknown)
    return {n for n, token in tokens.items() if token and token in unknown - standing}


def make_claims(
    study: optuna.Study,
    storage: RDBStorage,
    study_id: int,
    schedule: Schedule,
    observer: TuneObserver,
) -> QueuedClaims | LockedClaims:
    # The queue reads Optuna's tables directly: only where their layout is the known one.
    postgres = storage.engine.url.get_backend_name() == "postgresql"
    if isinstance(schedule, PlannedSchedule) and postgres and known_schema(storage):
        return QueuedClaims(study, storage, study_id, schedule, observer)
    return LockedClaims(study, storage, study_id, schedule, observer)
