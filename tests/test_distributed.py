"""Two "machines" that share nothing but the PostgreSQL database, running the commands
docs/distributed.md gives: the SLURM job script, then `autolr studies`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import optuna
import pytest

from autolr.search import pbt
from autolr.store.artifacts_db import DatabaseArtifactStore
from autolr.store.checkpoints import checkpoint_prefix
from autolr.store.storage import open_storage
from tests.helpers import (
    SMALL_GRID_POINTS,
    assert_grid_complete_once,
    small_grid_args,
    small_pbt_args,
)

REPO = Path(__file__).resolve().parents[1]
JOB_SCRIPT = REPO / "docs" / "examples" / "autolr-tune.sbatch"
DOC = REPO / "docs" / "distributed.md"
# Variables that could point two processes at one writable place.
SHARED = ("KERAS_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR", "TMP", "TEMP")


def machine(root: Path, task: int, url: str) -> tuple[Path, dict[str, str]]:
    """A working directory and environment of their own: own HOME, own temp folder, and
    no bytecode written into the (read-only, as far as workers go) code tree."""
    home, work, tmp = root / "home", root / "work", root / "tmp"
    for folder in (home, work, tmp):
        folder.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in SHARED}
    env.update(
        HOME=str(home),
        TMPDIR=str(tmp),
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        PYTHONPATH=str(REPO),
        PYTHONDONTWRITEBYTECODE="1",
        AUTOLR_STORAGE=url,
        SLURM_ARRAY_TASK_ID=str(task),
        SLURM_CPUS_PER_TASK="1",
    )
    return work, env


def test_the_doc_shows_the_job_script_that_runs_here() -> None:
    script = JOB_SCRIPT.read_text()
    assert f"```bash\n{script}```" in DOC.read_text()


@pytest.mark.slow
def test_two_machines_sharing_only_the_database_run_pbt_and_a_grid(
    postgres_url: str, mnist: str, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    population, grid = f"dist-pbt-{tag}", f"dist-grid-{tag}"
    machines = [machine(tmp_path / f"machine-{i}", i, postgres_url) for i in range(2)]
    jobs = []
    # PBT: 4 members x 2 intervals of 50 steps (the helpers' study, one interval shorter).
    pbt_args = [*small_pbt_args(population, mnist), "--max-steps", "100"]
    for work, env in machines:
        for args in (pbt_args, small_grid_args(grid, mnist)):
            command = ["bash", str(JOB_SCRIPT), *[a for a in args[1:] if a != "--quiet"]]
            jobs.append(
                subprocess.Popen(command, cwd=work, env=env, text=True, stderr=subprocess.PIPE)
            )
    logs = [job.communicate(timeout=600)[1] for job in jobs]
    assert [job.returncode for job in jobs] == [0] * 4, "\n".join(logs)

    study = optuna.load_study(study_name=population, storage=postgres_url)
    done = Counter(
        (t.user_attrs["generation"], t.user_attrs["member"])
        for t in study.trials
        if t.state.name == "COMPLETE"
    )
    assert done == Counter({(g, m): 1 for g in range(2) for m in range(4)}), done
    assert len(study.trials) == 8  # no member-interval claimed twice
    by_number = {t.number: t for t in study.trials}
    # Every interval started from its parent's weights, which only the database held.
    for trial in study.trials:
        parent = trial.user_attrs.get(pbt.PARENT)
        if parent is not None:
            expected = by_number[parent].user_attrs["end_fingerprint"]
            assert trial.user_attrs["start_fingerprint"] == expected
    assert all("PBT checkpoints go to the study database" in log for log in logs[::2])
    # Clean-up: only the last generation's checkpoints are left (at most 2x population).
    stored = DatabaseArtifactStore(open_storage(postgres_url).engine).artifact_ids(
        checkpoint_prefix(population)
    )
    last = {t.user_attrs[pbt.CHECKPOINT] for t in study.trials if t.user_attrs["generation"] == 1}
    assert set(stored) == last and len(stored) <= 2 * 4

    assert_grid_complete_once(grid, postgres_url, SMALL_GRID_POINTS)
    grid_trials = optuna.load_study(study_name=grid, storage=postgres_url).trials
    assert len(grid_trials) == 10
    # Both machines did work (exec: each job's pid is its worker's).
    ran = {t.system_attrs["autolr:worker"]["pid"] for t in [*study.trials, *grid_trials]}
    assert all({job.pid for job in jobs[i : i + 2]} & ran for i in (0, 2))

    # Nothing was written where a machine could leave files for the other to find.
    for work, _ in machines:
        assert not (work / "studies").exists()
    assert not list(tmp_path.rglob("*.npz"))

    work, env = machines[1]
    listing = subprocess.run(  # wide enough that the table does not fold names
        ["autolr", "studies"],
        cwd=work,
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
    )
    assert listing.returncode == 0, listing.stderr
    assert population in listing.stdout and grid in listing.stdout
    password = re.search(r"//[^:]+:([^@]+)@", postgres_url)
    assert password and password.group(1) not in listing.stdout + listing.stderr
