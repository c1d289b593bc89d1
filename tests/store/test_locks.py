"""The study lock: held only to claim, never stalled for long by a frozen holder."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path
from typing import Any

import optuna
import pytest
import sqlalchemy

from autolr.errors import ConfigError
from autolr.settings import StudySettings
from autolr.store.locks import LOCK_LEASE_ENV, advisory_key
from autolr.store.storage import STORAGE_ENV, open_storage
from autolr.store.stored import SETTINGS_ATTR
from autolr.study.opening import open_study
from tests.helpers import SMALL_GRID_POINTS, assert_grid_complete_once
from tests.stub_worker import SMALL_GRID_FLAGS

REPO = Path(__file__).resolve().parents[2]
HOLDER_LEASE_S = 3.0

# The runner's own claim, frozen at its worst moment: its trial is created and labelled,
# its heartbeat not yet recorded, the lock still held.
HOLDER = textwrap.dedent(
    """
    import os, sys, time
    from tests.stub_worker import SMALL_GRID_FLAGS, make_worker

    worker = make_worker(os.environ["AUTOLR_STORAGE"], sys.argv[1], SMALL_GRID_FLAGS)
    create = worker.storage.create_new_trial

    def create_then_stall(*args, **kwargs):
        trial_id = create(*args, **kwargs)
        print(f"claimed {time.time()}", flush=True)
        sys.stdin.readline()  # the test stops this process here
        return trial_id

    worker.storage.create_new_trial = create_then_stall
    outcome = worker.claim()
    print(f"outcome {outcome if isinstance(outcome, str) else 'trial'}", flush=True)
    """
)


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _say(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdin is not None
    process.stdin.write(line + "\n")
    process.stdin.flush()


@pytest.mark.slow
def test_a_frozen_lock_holder_stalls_the_others_for_at_most_its_lease(postgres_url: str) -> None:
    name = f"frozen-{uuid.uuid4().hex[:8]}"
    env = {STORAGE_ENV: postgres_url}
    holder = _start(["-c", HOLDER, name], {**env, LOCK_LEASE_ENV: str(HOLDER_LEASE_S)})
    workers = []
    try:
        assert holder.stdout is not None
        claimed = holder.stdout.readline().split()
        assert claimed[0] == "claimed", claimed
        holder.send_signal(signal.SIGSTOP)  # frozen, holding the lock
        workers = [
            _start(["-m", "tests.stub_worker", "--study", name, "--small"], env) for _ in range(2)
        ]
        reports = [json.loads(w.communicate(timeout=300)[0].splitlines()[-1]) for w in workers]
        assert [w.returncode for w in workers] == [0, 0]
        first_claim = min(t for r in reports for t in r["claimed_at"])
        # Bounded: the lease, plus a loaded machine's few seconds to start a claim.
        assert first_claim - float(claimed[1]) < HOLDER_LEASE_S + 10
        assert_grid_complete_once(name, postgres_url, SMALL_GRID_POINTS)
        states = [
            t.state.name for t in optuna.load_study(study_name=name, storage=postgres_url).trials
        ]
        assert states.count("FAIL") == 1  # the frozen claim, undone and redone by the others
        # Thawed, the holder learns that its claim never stood, and does not run it.
        holder.send_signal(signal.SIGCONT)
        _say(holder, "go")
        output, _ = holder.communicate(timeout=60)
        assert "outcome retry" in output
    finally:
        holder.kill()
        for worker in workers:
            worker.kill()
    assert_grid_complete_once(name, postgres_url, SMALL_GRID_POINTS)


def _lock_is_free(url: str, name: str) -> bool:
    """Whether another connection could take the study lock right now."""
    if url.startswith("sqlite"):
        path = sqlalchemy.engine.make_url(url).database
        with open(f"{path}.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            fcntl.flock(handle, fcntl.LOCK_UN)
            return True
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    with engine.begin() as connection:
        statement = sqlalchemy.text("SELECT pg_try_advisory_xact_lock(:key)")
        return bool(connection.execute(statement, {"key": advisory_key(f"study:{name}")}).scalar())


@pytest.fixture(params=["sqlite", "postgresql"])
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/lock.db"
    return request.getfixturevalue("postgres_url")


def test_checking_the_inputs_happens_outside_the_lock(storage_url: str) -> None:
    name = f"check-{uuid.uuid4().hex[:8]}"
    storage = open_storage(storage_url)
    seen: list[bool] = []
    for _ in range(2):  # creating the study, then opening it again
        open_study(
            storage,
            name,
            None,
            SMALL_GRID_FLAGS,
            check=lambda _: seen.append(_lock_is_free(storage_url, name)),
        )
    assert seen == [True, True]


def _open_together(url: str, name: str, flags: list[dict[str, Any]]) -> list[Any]:
    """Open one new study from two threads that both finish their checks before either
    creates it: the race two workers started together run."""
    barrier = threading.Barrier(len(flags))
    results: list[Any] = [None] * len(flags)

    def worker(index: int) -> None:
        try:
            _, settings = open_study(
                open_storage(url), name, None, flags[index], check=lambda _: barrier.wait(60)
            )
            results[index] = settings
        except ConfigError as exc:
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(flags))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_workers_creating_one_study_together_agree(postgres_url: str) -> None:
    name = f"together-{uuid.uuid4().hex[:8]}"
    same = {**SMALL_GRID_FLAGS, "max_steps": 100}
    first, second = _open_together(postgres_url, name, [same, same])
    assert isinstance(first, StudySettings) and first == second
    stored = optuna.load_study(study_name=name, storage=postgres_url).user_attrs
    assert StudySettings.from_flat(stored[SETTINGS_ATTR]).identity() == first.identity()


def test_two_workers_creating_one_study_with_different_settings_one_is_refused(
    postgres_url: str,
) -> None:
    name = f"apart-{uuid.uuid4().hex[:8]}"
    results = _open_together(
        postgres_url,
        name,
        [{**SMALL_GRID_FLAGS, "max_steps": 100}, {**SMALL_GRID_FLAGS, "max_steps": 200}],
    )
    refused = [r for r in results if isinstance(r, ConfigError)]
    assert len(refused) == 1 and "--max-steps" in str(refused[0])
    created = next(r for r in results if isinstance(r, StudySettings))
    stored = optuna.load_study(study_name=name, storage=postgres_url).user_attrs
    assert stored[SETTINGS_ATTR]["max_steps"] == created.train.max_steps


WAITER = textwrap.dedent(
    """
    import logging, os, sys
    from autolr.store.locks import study_lock
    from autolr.store.storage import open_storage

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    storage = open_storage(os.environ["AUTOLR_STORAGE"])
    with study_lock(storage, "s"):
        print("holding", flush=True)
        if sys.argv[1] == "hold":
            sys.stdin.readline()
    """
)


def test_on_sqlite_a_waiter_names_a_stopped_holder(tmp_path: Path) -> None:
    """SQLite's lock is the kernel's: a stopped holder keeps it (docs/distributed.md says
    so); what autolr can do is say who holds it and how to let it go."""
    env = {STORAGE_ENV: f"sqlite:///{tmp_path}/one-machine.db", LOCK_LEASE_ENV: "1"}
    holder = _start(["-c", WAITER, "hold"], env)
    waiter = None
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        holder.send_signal(signal.SIGSTOP)
        waiter = subprocess.Popen(
            [sys.executable, "-c", WAITER, "wait"],
            env={**os.environ, "PYTHONPATH": str(REPO), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert waiter.stderr is not None
        warning = waiter.stderr.readline()
        assert f"process {holder.pid} holds it and is stopped" in warning
        assert f"kill -CONT {holder.pid}" in warning
        holder.send_signal(signal.SIGCONT)
        _say(holder, "release")
        assert waiter.communicate(timeout=60)[0].strip() == "holding"
    finally:
        holder.kill()
        if waiter is not None:
            waiter.kill()
