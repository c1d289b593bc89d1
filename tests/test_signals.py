"""Real processes and real signals: SIGTERM is handled as Ctrl-C is; with --jobs, workers
stop when their parent is killed, and a killed worker is reported with what finished."""

from __future__ import annotations

import fcntl
import os
import signal
from pathlib import Path

import optuna
import pytest

from autolr.errors import Terminated
from autolr.signals import held, terminate_as_interrupt
from tests.helpers import (
    AutolrProcess,
    assert_grid_complete_once,
    small_grid_args,
    wait_gone,
)

STARTED = r"trial (\d+) \S+ lr=\S+: started"
POINTS = 3  # sgd at 0.0215, 0.0316 and 0.0464


@pytest.fixture
def storage(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/studies.db"


def _three_point_grid(study: str, mnist: str, *extra: str) -> list[str]:
    args = small_grid_args(study, mnist, *extra)
    args[args.index("--optimizers") + 1] = "sgd"
    args[args.index("--lr-max") + 1] = "0.05"
    return args


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _worker_index(pid: int) -> str | None:
    """AUTOLR_WORKER_INDEX of a running worker, read from its environment."""
    for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
        name, _, value = item.partition(b"=")
        if name == b"AUTOLR_WORKER_INDEX":
            return value.decode()
    return None


def test_sigterm_fails_the_running_trial_and_says_so(
    tmp_path: Path, storage: str, mnist: str
) -> None:
    worker = AutolrProcess(_three_point_grid("termed", mnist, "--storage", storage), tmp_path)
    number = int(worker.wait_for(STARTED).group(1))
    worker.process.send_signal(signal.SIGTERM)  # what systemd, Kubernetes, Slurm send
    assert worker.finish() == 143
    assert worker.lines[-1] == (
        f"error: terminated (SIGTERM); finished trials are saved, and the running trial "
        f"{number} is recorded as failed: run the same command to resume"
    )
    assert "Traceback" not in worker.output
    trial = optuna.load_study(study_name="termed", storage=storage).trials[number]
    assert trial.state.name == "FAIL" and trial.user_attrs["error"].startswith("Terminated")


@pytest.mark.slow  # a second real worker process; the quick suite keeps the first
def test_sigterm_before_any_trial_started_says_no_trial_was_running(
    tmp_path: Path, storage: str, mnist: str
) -> None:
    """Held in start-up: this test holds the SQLite file lock the worker needs to create
    its study, and signals once the worker says it is waiting for it."""
    with open(tmp_path / "studies.db.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write(str(os.getpid()))
        lock.flush()
        worker = AutolrProcess(
            _three_point_grid("early", mnist, "--storage", storage),
            tmp_path,
            env={"AUTOLR_LOCK_LEASE": "1"},
        )
        worker.wait_for(r"waiting for the study lock for over 1 s")
        worker.process.send_signal(signal.SIGTERM)
        assert worker.finish() == 143
    assert worker.lines[-1] == (
        "error: terminated (SIGTERM); finished trials are saved (no trial was running): "
        "run the same command to resume"
    )
    assert "Traceback" not in worker.output


@pytest.mark.slow
def test_workers_stop_when_their_parent_is_killed(tmp_path: Path, storage: str, mnist: str) -> None:
    parent = AutolrProcess(
        _three_point_grid("orphans", mnist, "--storage", storage, "--jobs", "2"), tmp_path
    )
    parent.wait_for(r"\d+ trials done, 2 running")  # both workers are mid-trial
    workers = _children(parent.process.pid)
    assert len(workers) == 2
    parent.process.send_signal(signal.SIGKILL)
    assert parent.finish() == -signal.SIGKILL
    for pid in workers:
        assert wait_gone(pid, timeout=120), f"worker {pid} outlived its killed parent"
    study = optuna.load_study(study_name="orphans", storage=storage)
    states = [t.state.name for t in study.trials]
    assert "RUNNING" not in states and states.count("FAIL") >= 1, states


@pytest.mark.slow
def test_a_killed_worker_is_reported_with_what_finished(
    tmp_path: Path, storage: str, mnist: str
) -> None:
    parent = AutolrProcess(
        _three_point_grid("one-lost", mnist, "--storage", storage, "--jobs", "2"), tmp_path
    )
    parent.wait_for(r"\d+ trials done, 2 running")
    first = [pid for pid in _children(parent.process.pid) if _worker_index(pid) == "0"]
    os.kill(first[0], signal.SIGKILL)
    assert parent.finish() == 0, parent.output
    assert "worker 1 killed by SIGKILL; the other workers finished its work" in parent.output
    assert parent.lines[-1].startswith(f"study one-lost done: {POINTS}/{POINTS} trials")
    states = assert_grid_complete_once("one-lost", storage, POINTS)
    assert states["FAIL"] == 1


def test_a_signal_during_a_recording_is_held_then_delivered() -> None:
    """Not ignored (a lost SIGTERM would leave an orphaned worker running): delivered
    as soon as the result is recorded."""
    terminate_as_interrupt()
    try:
        recorded = False
        with pytest.raises(Terminated), held(signal.SIGINT, signal.SIGTERM):
            os.kill(os.getpid(), signal.SIGTERM)
            recorded = True  # the block runs to its end
        assert recorded
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
