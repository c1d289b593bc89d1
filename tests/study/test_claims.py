"""Planned studies on PostgreSQL claim through the slot queue: concurrent claimers never
share a point, and a claimer killed anywhere leaves its point to be run once, elsewhere."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import uuid
from collections import Counter
from pathlib import Path

import optuna
import pytest
import sqlalchemy

from autolr.store import deletion
from autolr.store.locks import leased_transaction
from autolr.store.slots import TABLE, Slot, SlotQueue
from autolr.store.storage import STORAGE_ENV, open_storage
from autolr.study.opening import open_study
from autolr.study.schedules import PlannedSchedule, make_schedule
from tests.helpers import SMALL_GRID_POINTS, assert_grid_complete_once
from tests.stub_worker import SMALL_GRID_FLAGS, make_worker

REPO = Path(__file__).resolve().parents[2]
# 2 optimizers x 24 rates: enough points for every thread below to keep claiming.
MEDIUM_GRID_FLAGS = {**SMALL_GRID_FLAGS, "lr_min": 1e-4, "lr_max": 1e-0}


def _queue(url: str, name: str) -> SlotQueue:
    storage = open_storage(url, heartbeat_seconds=10)
    study, settings = open_study(storage, name, None, SMALL_GRID_FLAGS)
    schedule = make_schedule(settings, None)
    assert isinstance(schedule, PlannedSchedule)
    study_id = storage.get_study_id_from_name(name)
    queue = SlotQueue(storage, study, study_id, schedule.points, schedule.total)
    queue.ensure()
    return queue


def test_claimers_holding_slots_at_once_hold_different_ones(postgres_url: str) -> None:
    """Twelve claimers, each in its own transaction, all holding what they took at the
    same moment: the ten points go to ten of them, the other two find none free."""
    queue = _queue(postgres_url, f"together-{uuid.uuid4().hex[:8]}")
    claimers = SMALL_GRID_POINTS + 2
    everyone_holds = threading.Barrier(claimers)
    taken: list[Slot | None] = []

    def claimer() -> None:
        with leased_transaction(queue.storage.engine, "test", 60) as connection:
            taken.append(queue.take(connection, 60))
            everyone_holds.wait(120)

    threads = [threading.Thread(target=claimer) for _ in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    slots = [t.slot for t in taken if t is not None]
    assert sorted(slots) == list(range(SMALL_GRID_POINTS))
    assert taken.count(None) == 2
    assert len({t.point.index for t in taken if t is not None}) == SMALL_GRID_POINTS


def test_worker_threads_share_a_grid_with_no_point_twice_and_no_trial_wasted(
    postgres_url: str,
) -> None:
    name = f"threads-{uuid.uuid4().hex[:8]}"
    workers = [make_worker(postgres_url, name, MEDIUM_GRID_FLAGS) for _ in range(6)]
    counts: list[int] = []
    threads = [threading.Thread(target=lambda w=w: counts.append(w.run(None, 10))) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    points = workers[0].schedule.total
    assert points == 48 and sum(counts) == points
    states = assert_grid_complete_once(name, postgres_url, points)
    assert states == Counter({"COMPLETE": points})  # no claim undone, none failed
    assert sum(1 for c in counts if c > 0) >= 2  # they did share it


def _start(script: str, name: str, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), name],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), STORAGE_ENV: url},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _finish_with_stub_workers(name: str, url: str, count: int = 2) -> list[dict]:
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.stub_worker", "--study", name, "--small"],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), STORAGE_ENV: url},
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    reports = [json.loads(w.communicate(timeout=300)[0].splitlines()[-1]) for w in workers]
    assert [w.returncode for w in workers] == [0] * count
    return reports


# Killed inside its claim: the point's trial is created (Optuna committed it), the slot's
# transaction not yet committed.
KILLED_MID_CLAIM = """
    import os, sys
    from tests.stub_worker import SMALL_GRID_FLAGS, make_worker

    worker = make_worker(os.environ["AUTOLR_STORAGE"], sys.argv[1], SMALL_GRID_FLAGS)
    create = worker.storage.create_new_trial

    def create_then_stall(*args, **kwargs):
        trial_id = create(*args, **kwargs)
        print(f"created {trial_id}", flush=True)
        sys.stdin.readline()  # killed here
        return trial_id

    worker.storage.create_new_trial = create_then_stall
    worker.claim()
"""

# Killed mid-trial: the claim committed, the trial runs.
KILLED_MID_TRIAL = """
    import os, sys
    from tests.stub_worker import SMALL_GRID_FLAGS, make_worker

    worker = make_worker(os.environ["AUTOLR_STORAGE"], sys.argv[1], SMALL_GRID_FLAGS)

    def stall(trial):
        print(f"running {trial.number}", flush=True)
        sys.stdin.readline()  # killed here

    worker.objective = stall
    worker.run(None, 10)
"""


@pytest.mark.slow
@pytest.mark.parametrize("script", [KILLED_MID_CLAIM, KILLED_MID_TRIAL], ids=["claim", "trial"])
def test_a_claimer_killed_leaves_its_point_to_be_run_once_elsewhere(
    postgres_url: str, script: str
) -> None:
    name = f"killed-{uuid.uuid4().hex[:8]}"
    victim = _start(script, name, postgres_url)
    try:
        assert victim.stdout is not None
        said = victim.stdout.readline().split()
        assert said and said[0] in ("created", "running"), said
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=60) == -signal.SIGKILL
    finally:
        victim.kill()
    study = optuna.load_study(study_name=name, storage=postgres_url)
    left = [t for t in study.trials if t.state.name == "RUNNING"]
    assert len(left) == 1  # what the dead claimer left behind
    _finish_with_stub_workers(name, postgres_url)
    states = assert_grid_complete_once(name, postgres_url, SMALL_GRID_POINTS)
    assert states["FAIL"] == 1 and len(study.trials) == SMALL_GRID_POINTS + 1
    dead = optuna.load_study(study_name=name, storage=postgres_url).trials[left[0].number]
    assert dead.state.name == "FAIL"


def test_a_study_begun_before_the_queue_keeps_its_trials(postgres_url: str) -> None:
    """Slots are made from what the study holds: a finished point stays done, a running
    one stays its trial's, a failed one and an old-style queued one are claimed afresh."""
    name = f"before-{uuid.uuid4().hex[:8]}"
    storage = open_storage(postgres_url, heartbeat_seconds=10)
    study, settings = open_study(storage, name, None, SMALL_GRID_FLAGS)
    schedule = make_schedule(settings, None)
    assert isinstance(schedule, PlannedSchedule)
    first, second, third, fourth, fifth = schedule.points[:5]
    done = schedule.template_for(first)
    done.state, done.values = optuna.trial.TrialState.COMPLETE, [100.0]
    done.datetime_complete = done.datetime_start
    study.add_trial(done)
    failed = schedule.template_for(second)
    failed.state, failed.datetime_complete = optuna.trial.TrialState.FAIL, failed.datetime_start
    study.add_trial(failed)
    study.enqueue_trial(dict(third.params()), user_attrs={"grid_point": third.index})
    # A running trial of a live worker elsewhere (its heartbeat is fresh).
    running = schedule.template_for(fourth)
    running.system_attrs = {**running.system_attrs, "autolr:worker": {"host": "elsewhere"}}
    running_id = storage.create_new_trial(storage.get_study_id_from_name(name), running)
    storage.record_heartbeat(running_id)
    # A running trial whose claimer died before its first heartbeat: nothing else would
    # ever fail it (Optuna's stale check passes over trials without one).
    orphan = schedule.template_for(fifth)
    orphan.system_attrs = {**orphan.system_attrs, "autolr:worker": {"host": "elsewhere"}}
    storage.create_new_trial(storage.get_study_id_from_name(name), orphan)

    worker = make_worker(postgres_url, name, SMALL_GRID_FLAGS)
    trials_run = 0
    while (trial := worker.claim()) not in ("wait", "done"):
        if isinstance(trial, optuna.Trial):
            worker.run_trial(trial, 10)
            trials_run += 1
    assert trial == "wait"  # for the running point, which is the other worker's
    assert trials_run == SMALL_GRID_POINTS - 2  # not the finished point, not the running one
    storage.set_trial_state_values(running_id, optuna.trial.TrialState.COMPLETE, [200.0])
    assert worker.claim() == "done"
    states = assert_grid_complete_once(name, postgres_url, SMALL_GRID_POINTS)
    assert states["FAIL"] == 3  # the failed point, the old queue's entry, the orphan


def test_deleting_a_study_removes_its_slots(postgres_url: str, tmp_path: Path) -> None:
    name = f"deleted-{uuid.uuid4().hex[:8]}"
    queue = _queue(postgres_url, name)
    storage = queue.storage
    plan = deletion.plan(storage, name, postgres_url, tmp_path)
    deletion.delete(storage, plan)
    with storage.engine.connect() as connection:
        rows = connection.execute(
            sqlalchemy.text(f"SELECT count(*) FROM {TABLE} WHERE study_id = :id"),
            {"id": queue.study_id},
        ).scalar_one()
    assert rows == 0


def test_an_unknown_optuna_schema_falls_back_to_the_study_lock(postgres_url: str) -> None:
    """The queue reads Optuna's tables directly; under a layout it does not know (a newer
    Optuna), planned studies claim under the study lock as sampled ones do."""
    from autolr.store import recording
    from autolr.study.claims import LockedClaims, QueuedClaims, make_claims
    from autolr.study.observer import NullObserver

    name = f"schema-{uuid.uuid4().hex[:8]}"
    storage = open_storage(postgres_url, heartbeat_seconds=10)
    study, settings = open_study(storage, name, None, SMALL_GRID_FLAGS)
    schedule = make_schedule(settings, None)
    study_id = storage.get_study_id_from_name(name)
    claims = make_claims(study, storage, study_id, schedule, NullObserver())
    assert isinstance(claims, QueuedClaims)
    key = storage.engine.url.render_as_string(hide_password=False)
    known = recording._schema_known[key]
    recording._schema_known[key] = False
    try:
        claims = make_claims(study, storage, study_id, schedule, NullObserver())
        assert isinstance(claims, LockedClaims)
    finally:
        recording._schema_known[key] = known
