"""Real worker processes: killed, interrupted, frozen, and run side by side (SQLite)."""

from __future__ import annotations

import signal
from pathlib import Path

import optuna
import pytest

from tests.helpers import (
    SMALL_GRID_POINTS,
    AutolrProcess,
    assert_grid_complete_once,
    assert_population_complete_once,
    small_grid_args,
    small_pbt_args,
)

STARTED = r"trial (\d+) \S+ lr=\S+: started"


@pytest.fixture
def storage(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/studies.db"


@pytest.mark.slow
def test_sigkill_mid_trial_then_resume_runs_the_killed_point_again(
    tmp_path: Path, storage: str, mnist: str
) -> None:
    args = small_grid_args("killed", mnist, "--storage", storage)
    worker = AutolrProcess(args, tmp_path)
    worker.wait_for(STARTED)
    second = int(worker.wait_for(STARTED).group(1))  # the first trial finished; kill mid-second
    worker.process.send_signal(signal.SIGKILL)
    assert worker.finish() == -signal.SIGKILL

    study = optuna.load_study(study_name="killed", storage=storage)
    assert study.trials[second].state.name == "RUNNING"  # left behind by the dead worker

    resumed = AutolrProcess(args, tmp_path)
    assert resumed.finish() == 0, resumed.output
    assert f"marked trial(s) {second} failed: their worker died" in resumed.output
    states = assert_grid_complete_once("killed", storage, SMALL_GRID_POINTS)
    assert states["FAIL"] == 1
    killed_point = study.trials[second].user_attrs["grid_point"]
    redo = [
        t
        for t in optuna.load_study(study_name="killed", storage=storage).trials
        if t.user_attrs.get("grid_point") == killed_point
    ]
    assert len(redo) == 2 and redo[0].state.name == "FAIL"
    assert redo[1].state.name in ("COMPLETE", "PRUNED")


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_leaves_nothing_running(
    tmp_path: Path, storage: str, mnist: str
) -> None:
    args = small_grid_args("interrupted", mnist, "--storage", storage)
    worker = AutolrProcess(args, tmp_path)
    worker.wait_for(STARTED)
    worker.process.send_signal(signal.SIGINT)
    assert worker.finish() == 130
    assert "interrupted; finished trials are saved" in worker.output
    assert "Traceback" not in worker.output
    study = optuna.load_study(study_name="interrupted", storage=storage)
    assert "RUNNING" not in {t.state.name for t in study.trials}

    assert AutolrProcess(args, tmp_path).finish() == 0
    assert_grid_complete_once("interrupted", storage, SMALL_GRID_POINTS)


@pytest.mark.slow
def test_a_frozen_worker_is_detected_by_its_heartbeat_and_its_point_redone(
    tmp_path: Path, storage: str, mnist: str
) -> None:
    """A worker that stops beating (hung, partitioned) is alive to `kill -0` but gone for
    the study: after three missed beats another worker fails its trial and redoes the point.
    When the frozen worker wakes up, it drops its stale result instead of recording twice."""
    args = small_grid_args("frozen", mnist, "--storage", storage, "--heartbeat", "1")
    frozen = AutolrProcess(args, tmp_path)
    frozen.wait_for(STARTED)
    frozen.process.send_signal(signal.SIGSTOP)
    try:
        rescuer = AutolrProcess(args, tmp_path)
        assert rescuer.finish() == 0, rescuer.output
        assert "failed: their worker died" in rescuer.output
    finally:
        frozen.process.send_signal(signal.SIGCONT)
    assert frozen.finish() == 0, frozen.output
    states = assert_grid_complete_once("frozen", storage, SMALL_GRID_POINTS)
    assert states["FAIL"] == 1


@pytest.mark.slow
def test_ctrl_c_with_jobs_stops_every_worker_and_leaves_nothing_running(
    tmp_path: Path, storage: str, mnist: str
) -> None:
    args = small_grid_args("jobs-interrupted", mnist, "--storage", storage, "--jobs", "2")
    parent = AutolrProcess(args, tmp_path)
    parent.wait_for(r"\d+ trials done, [12] running")  # workers are mid-trial
    parent.process.send_signal(signal.SIGINT)  # what Ctrl-C sends the foreground process
    assert parent.finish() == 130
    assert parent.lines[-1].startswith("error: interrupted; finished trials are saved")
    assert "Traceback" not in parent.output
    study = optuna.load_study(study_name="jobs-interrupted", storage=storage)
    assert "RUNNING" not in {t.state.name for t in study.trials}


@pytest.mark.slow
def test_jobs_share_one_sqlite_study_without_duplicates(
    tmp_path: Path, storage: str, mnist: str
) -> None:
    worker = AutolrProcess(
        small_grid_args("jobs", mnist, "--storage", storage, "--jobs", "2"), tmp_path
    )
    assert worker.finish() == 0, worker.output
    assert_grid_complete_once("jobs", storage, SMALL_GRID_POINTS)
    study = optuna.load_study(study_name="jobs", storage=storage)
    pids = {t.system_attrs["autolr:worker"]["pid"] for t in study.trials}
    assert len(pids) == 2


@pytest.mark.slow
def test_pbt_killed_mid_interval_resumes_from_checkpoints(
    tmp_path: Path, storage: str, mnist: str
) -> None:
    args = small_pbt_args("pbt-killed", mnist, "--storage", storage)
    worker = AutolrProcess(args, tmp_path)
    for _ in range(6):  # all of generation 0, then into generation 1
        killed = int(worker.wait_for(STARTED).group(1))
    worker.process.send_signal(signal.SIGKILL)
    assert worker.finish() == -signal.SIGKILL

    resumed = AutolrProcess(args, tmp_path)
    assert resumed.finish() == 0, resumed.output
    assert f"marked trial(s) {killed} failed" in resumed.output
    study = assert_population_complete_once("pbt-killed", storage)
    failed = [t for t in study.trials if t.state.name == "FAIL"]
    assert [t.number for t in failed] == [killed]
    redo = [
        t
        for t in study.trials
        if t.state.name == "COMPLETE"
        and (t.user_attrs["generation"], t.user_attrs["member"])
        == (failed[0].user_attrs["generation"], failed[0].user_attrs["member"])
    ]
    assert redo[0].user_attrs["parent_trial"] == failed[0].user_attrs["parent_trial"]
