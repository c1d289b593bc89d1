"""A study whose creation was killed half-way is finished by the next `tune`; and
`autolr delete` removes a study with its checkpoints, after asking."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import optuna
import pytest
import sqlalchemy
from typer.testing import CliRunner

from autolr.cli import app
from autolr.store import checkpoints, deletion
from autolr.store.liveness import WORKER_ATTR
from autolr.store.storage import open_storage
from autolr.store.stored import SETTINGS_ATTR
from tests.helpers import (
    AutolrProcess,
    assert_clean_error,
    invoke,
    small_grid_args,
    with_flags,
)

# `autolr tune`, SIGKILLed right after Optuna created the study: before autolr stored
# its settings, the one moment that two transactions cannot close.
KILLED_AFTER_CREATE = textwrap.dedent(
    """
    import os, signal, sys
    import optuna

    create = optuna.create_study

    def create_then_die(*args, **kwargs):
        create(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    optuna.create_study = create_then_die
    sys.argv = ["autolr", *sys.argv[1:]]
    from autolr.cli import main

    main()
    """
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOLR_STORAGE", raising=False)
    return tmp_path


@pytest.mark.slow
def test_a_kill_between_create_and_settings_is_finished_by_the_next_tune(
    workdir: Path, mnist: str
) -> None:
    storage = f"sqlite:///{workdir}/studies.db"
    args = small_grid_args("half", mnist, "--storage", storage, "--n-trials", "1")
    args[args.index("--optimizers") + 1] = "sgd"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_CREATE, *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert killed.returncode == -9, killed.stderr
    half = optuna.load_study(study_name="half", storage=storage)
    assert SETTINGS_ATTR not in half.user_attrs and half.trials == []

    result = invoke(*args)
    assert result.exit_code == 0, result.output
    study = optuna.load_study(study_name="half", storage=storage)
    assert study.user_attrs[SETTINGS_ATTR]["sampler"] == "grid"
    assert [t.state.name for t in study.trials] in (["COMPLETE"], ["PRUNED"])


def test_a_study_with_trials_but_no_settings_is_still_refused(workdir: Path, mnist: str) -> None:
    storage = f"sqlite:///{workdir}/studies.db"
    optuna.create_study(study_name="foreign", storage=storage).optimize(
        lambda trial: trial.suggest_float("x", 0, 1), n_trials=1
    )
    result = invoke(*small_grid_args("foreign", mnist, "--storage", storage))
    assert_clean_error(result, "study 'foreign' was not created by autolr (`autolr delete")


def _answering(answer: str, *args: str):
    """The CLI with `answer` typed at its prompt."""
    return CliRunner().invoke(app, list(args), input=answer)


def _stored(storage: str) -> list[str]:
    return sorted(optuna.get_all_study_names(storage))


def test_delete_asks_then_removes_the_study_and_its_checkpoints(workdir: Path) -> None:
    storage = f"sqlite:///{workdir}/studies.db"
    for name in ("doomed", "kept"):
        optuna.create_study(study_name=name, storage=storage).optimize(
            lambda trial: trial.suggest_float("x", 0, 1), n_trials=2
        )
    folder = checkpoints.default_artifact_dir(open_storage(storage, writer=False))
    assert folder == deletion.default_artifact_dir(open_storage(storage, writer=False))
    folder.mkdir()
    doomed = [folder / checkpoints.checkpoint_id("doomed", n) for n in (0, 1, 12)]
    kept = folder / checkpoints.checkpoint_id("kept", 0)
    for path in (*doomed, kept):
        path.write_bytes(b"weights")

    declined = _answering("n\n", "delete", "--study", "doomed", "--storage", storage)
    assert declined.exit_code == 1 and declined.stderr.endswith("error: nothing deleted\n")
    assert "delete study 'doomed' (2 trials) and 3 checkpoints from" in declined.stderr
    assert _stored(storage) == ["doomed", "kept"] and all(p.exists() for p in doomed)

    confirmed = _answering("y\n", "delete", "--study", "doomed", "--storage", storage)
    assert confirmed.exit_code == 0, confirmed.output
    assert "deleted study 'doomed': 2 trials, 3 checkpoints" in confirmed.stderr
    assert _stored(storage) == ["kept"]
    assert not any(p.exists() for p in doomed) and kept.exists()

    no_prompt = _answering("", "delete", "--study", "kept", "--storage", storage, "--yes")
    assert no_prompt.exit_code == 0 and "?" not in no_prompt.stderr
    assert _stored(storage) == [] and not kept.exists()


def test_delete_of_a_missing_study_says_what_exists(workdir: Path) -> None:
    storage = f"sqlite:///{workdir}/studies.db"
    optuna.create_study(study_name="there", storage=storage)
    result = invoke("delete", "--study", "gone", "--storage", storage, "--yes")
    assert_clean_error(result, "no study named 'gone'")
    assert "studies there: there" in result.stderr
    assert_clean_error(invoke("delete", "--study", "", "--storage", storage), "must not be empty")


# -- a study with a live trial --------------------------------------------------------
STARTED = r"trial (\d+) \S+ lr=\S+: started"


def _long_grid(study: str, mnist: str, storage: str) -> list[str]:
    """One optimizer whose first trial trains for a while (the target is out of reach)."""
    return with_flags(
        small_grid_args(study, mnist, "--storage", storage),
        {"--optimizers": "sgd", "--target": "0.999", "--max-steps": "3000"},
    )


def _delete_under_a_worker(workdir: Path, mnist: str, storage: str, study: str) -> None:
    worker = AutolrProcess(_long_grid(study, mnist, storage), workdir)
    try:
        number = worker.wait_for(STARTED).group(1)
        refused = invoke("delete", "--study", study, "--storage", storage, "--yes")
        assert_clean_error(
            refused,
            f"study {study!r} has 1 live trial: trial {number} on host {socket.gethostname()} "
            f"(process {worker.process.pid} is running)",
        )
        assert "--force" in refused.stderr
        assert study in optuna.get_all_study_names(storage)

        forced = invoke("delete", "--study", study, "--storage", storage, "--yes", "--force")
        assert forced.exit_code == 0, forced.output
        assert worker.finish() == 1
        assert worker.lines[-1] == (
            f"error: study {study!r} was deleted while this worker was running it "
            "(autolr delete --force); this worker stops"
        ), worker.output
        assert "Traceback" not in worker.output and "unexpected" not in worker.output
    finally:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.finish()


@pytest.mark.slow  # a real worker process; the quick suite keeps the live-heartbeat refusal
def test_delete_refuses_a_study_a_worker_is_training_in_and_force_stops_it(
    workdir: Path, mnist: str
) -> None:
    _delete_under_a_worker(workdir, mnist, f"sqlite:///{workdir}/studies.db", "busy")


@pytest.mark.slow
def test_delete_refuses_a_live_study_on_postgresql_too(
    workdir: Path, mnist: str, postgres_url: str
) -> None:
    _delete_under_a_worker(workdir, mnist, postgres_url, f"busy-{uuid.uuid4().hex[:8]}")


def _running_trial_elsewhere(storage: str) -> int:
    """A study whose one trial runs on another machine, beating every 5 s: its trial id."""
    study = optuna.create_study(study_name="shared", storage=storage)
    trial = study.ask()
    rdb = open_storage(storage)
    trial_id = rdb.get_trial_id_from_study_id_trial_number(
        rdb.get_study_id_from_name("shared"), trial.number
    )
    label = {"host": "gpu-7", "space": "another-boot:1", "pid": 4242, "beat": 5}
    rdb.set_trial_system_attr(trial_id, WORKER_ATTR, label)
    rdb.record_heartbeat(trial_id)
    return trial_id


def test_a_fresh_heartbeat_from_another_machine_keeps_the_study(workdir: Path) -> None:
    storage = f"sqlite:///{workdir}/studies.db"
    _running_trial_elsewhere(storage)
    refused = invoke("delete", "--study", "shared", "--storage", storage, "--yes")
    assert_clean_error(refused, "trial 0 on host gpu-7 (heartbeat ")
    age = re.search(r"\(heartbeat (\d+) s ago\)", refused.stderr)
    assert age is not None and int(age.group(1)) <= 5, refused.stderr  # within one beat


def test_a_heartbeat_older_than_three_beats_is_a_dead_worker(workdir: Path) -> None:
    storage = f"sqlite:///{workdir}/studies.db"
    trial_id = _running_trial_elsewhere(storage)
    with sqlalchemy.create_engine(storage).begin() as connection:  # 16 s ago: 3 beats missed
        connection.execute(
            sqlalchemy.text(
                "UPDATE trial_heartbeats SET heartbeat = datetime('now', '-16 seconds') "
                "WHERE trial_id = :id"
            ),
            {"id": trial_id},
        )
    result = invoke("delete", "--study", "shared", "--storage", storage, "--yes")
    assert result.exit_code == 0, result.output
    assert _stored(storage) == []


@pytest.mark.slow
def test_delete_force_under_jobs_workers_ends_in_one_line(workdir: Path, mnist: str) -> None:
    storage, name = f"sqlite:///{workdir}/studies.db", "shared-busy"
    parent = AutolrProcess([*_long_grid(name, mnist, storage), "--jobs", "2"], workdir)
    try:
        parent.wait_for(r"\d+ trials done, 2 running")  # both workers are mid-trial
        forced = invoke(
            "delete", "--study", "shared-busy", "--storage", storage, "--yes", "--force"
        )
        assert forced.exit_code == 0, forced.output
        assert parent.finish() == 1
        assert parent.lines[-1].startswith("error: 2 of 2 workers stopped early: workers 1, 2 exit")
        assert (
            "study 'shared-busy' was deleted while this worker was running it" in parent.lines[-1]
        )
        assert "unexpected" not in parent.output and "Traceback" not in parent.output
    finally:
        if parent.process.poll() is None:
            parent.process.kill()
            parent.finish()
