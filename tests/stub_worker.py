"""A real worker process whose trials cost no training.

It runs the runner's own claim and record path (`runner._Worker`: the claim (claims.py),
dead-trial recovery, heartbeat, `study.tell`, clean-up) on a real storage, with a stub in
place of the trainer: each trial suggests its point and stores what a trained one would,
at once. Keras is never imported, so dozens of these fit on 2 cores. Used by
scripts/bench_claims.py and the claim tests.

    python -m tests.stub_worker --study NAME [--small] [--wait-for-go] [--locked]

(storage from $AUTOLR_STORAGE). It prints one JSON line: the wall-clock time of each
claim, and the wait and hold of each lock taken: the study lock, a queue slot's row lock,
and Optuna's lock on the study's row while it creates a trial (which serialises trial
creation in every Optuna study).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from typing import Any

import optuna
import sqlalchemy

from autolr.store.storage import STORAGE_ENV, open_storage
from autolr.study.claims import LockedClaims
from autolr.study.opening import open_study
from autolr.study.runner import NullObserver, _Worker
from autolr.study.schedules import make_schedule

# A grid of 6 optimizers x 48 rates: the 2018 study's, 288 trials.
GRID_FLAGS: dict[str, Any] = {"sampler": "grid", "lr_min": 1e-6, "lr_max": 100.0}
# 2 optimizers x 5 rates: tests/helpers.py's small grid, 10 trials.
SMALL_GRID_FLAGS: dict[str, Any] = {
    "sampler": "grid",
    "optimizers": ["adam", "sgd"],
    "lr_min": 0.02,
    "lr_max": 0.1,
}


class StubObjective:
    """What `Objective` writes for a trial (its point, then its results), with no training."""

    def __init__(self, optimizers: list[str], results: bool = True) -> None:
        self.optimizers = optimizers
        self.results = results  # False: store only the parameters (--bare)

    def __call__(self, trial: optuna.Trial) -> float:
        trial.suggest_categorical("optimizer", self.optimizers)
        learning_rate = trial.suggest_float("learning_rate", 1e-6, 100.0, log=True)
        steps = 100 + round(900 * abs(math.sin(learning_rate)))  # any stable value will do
        results = {
            "reached": True,
            "diverged": False,
            "steps": steps,
            "train_seconds": 0.0,
            "total_seconds": 0.0,
            "final_accuracy": 0.97,
            "weight_count": 0,
            "history": [[steps, 0.0, 0.97, 0.1]],
        }
        if self.results:
            for key, value in results.items():
                trial.set_user_attr(key, value)
        return float(steps)


STUDY_ROW = "optuna:study-row"  # Optuna's SELECT ... FOR UPDATE of the study, to commit


class LockTimes(logging.Handler):
    """Collects the wait and hold times of the locks that autolr logs at DEBUG (the study
    lock, a queue slot), and of Optuna's study-row lock (see `watch_study_row`)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, float, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        lock = getattr(record, "lock", "")
        if lock.startswith(("study:", "slot:", "create:")):
            self.records.append((lock, record.wait_s, record.hold_s))  # type: ignore[attr-defined]

    def watch_study_row(self, engine: sqlalchemy.engine.Engine) -> None:
        """Time Optuna's row lock on the study (trial creation takes it to number the
        trial): from its SELECT ... FOR UPDATE being sent, answered, to the commit."""

        def locks_study(statement: str) -> bool:
            return "FROM studies" in statement and "FOR UPDATE" in statement

        @sqlalchemy.event.listens_for(engine, "before_cursor_execute")
        def asked(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if locks_study(statement):
                conn.info["row_asked"] = time.monotonic()

        @sqlalchemy.event.listens_for(engine, "after_cursor_execute")
        def held(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if locks_study(statement):
                conn.info["row_held"] = time.monotonic()

        @sqlalchemy.event.listens_for(engine, "commit")
        @sqlalchemy.event.listens_for(engine, "rollback")
        def released(conn: Any) -> None:
            try:
                asked, held = conn.info.pop("row_asked", None), conn.info.pop("row_held", None)
            except sqlalchemy.exc.SQLAlchemyError:  # a connection the server ended
                return
            if asked is not None and held is not None:
                self.records.append((STUDY_ROW, held - asked, time.monotonic() - held))


class TimedWorker(_Worker):
    """The runner's worker, noting when each claim came back with a trial."""

    claimed_at: list[float]

    def claim(self) -> optuna.Trial | str:
        trial = super().claim()
        if isinstance(trial, optuna.Trial):
            self.claimed_at.append(time.time())
        return trial


def make_worker(
    url: str, study_name: str, flags: dict[str, Any], results: bool = True, locked: bool = False
) -> TimedWorker:
    """`locked`: claim under the study lock even where the runner would use the queue
    (to compare the two on one server)."""
    storage = open_storage(url, heartbeat_seconds=10)
    study, settings = open_study(storage, study_name, None, flags)
    schedule = make_schedule(settings, None)
    worker = TimedWorker(
        study, storage, schedule, StubObjective(list(settings.optimizers), results), NullObserver()
    )
    if locked:
        worker.claims = LockedClaims(study, storage, worker.study_id, schedule, NullObserver())
    worker.claimed_at = []
    return worker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--study", required=True)
    parser.add_argument("--wait-for-go", action="store_true", help="start on a line on stdin")
    parser.add_argument("--small", action="store_true", help="the 10-point grid")
    parser.add_argument("--bare", action="store_true", help="store no results, only parameters")
    parser.add_argument("--locked", action="store_true", help="claim under the study lock")
    args = parser.parse_args()
    times = LockTimes()
    lock_log = logging.getLogger("autolr.store.lock")
    lock_log.addHandler(times)
    lock_log.setLevel(logging.DEBUG)
    flags = SMALL_GRID_FLAGS if args.small else GRID_FLAGS
    worker = make_worker(
        os.environ[STORAGE_ENV], args.study, flags, results=not args.bare, locked=args.locked
    )
    times.watch_study_row(worker.storage.engine)
    if args.wait_for_go:
        print("ready", flush=True)
        sys.stdin.readline()
    times.records.clear()  # only the claims, not opening the study
    started, cpu = time.time(), time.process_time()
    trials = worker.run(deadline=None, heartbeat_seconds=10)
    report = {
        "started": started,
        "cpu_s": time.process_time() - cpu,
        "trials": trials,
        "claimed_at": worker.claimed_at,
        "locks": times.records,
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
