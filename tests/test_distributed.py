"""Two "machines" that share nothing but the PostgreSQL database, running the commands
docs/distributed.md gives: the SLURM job script, then `autolr studies`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import optuna

from autolr.study import pbt
from autolr.study.artifacts_db import DatabaseArtifactStore
from autolr.study.checkpoints import checkpoint_prefix
from autolr.study.storage import open_storage
from tests.helpers import (
    SMALL_GRID_POINTS,
    assert_grid_complete_once,
    assert_population_complete_once,
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


def test_two_machines_sharing_only_the_database_run_pbt_and_a_grid(
    postgres_url: str, mnist: str, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    population, grid = f"dist-pbt-{tag}", f"dist-grid-{tag}"
    machines = [machine(tmp_path / f"machine-{i}", i, postgres_url) for i in range(2)]
    jobs = []
    for work, env in machines:
        for args in (small_pbt_args(population, mnist), small_grid_args(grid, mnist)):
            command = ["bash", str(JOB_SCRIPT), *[a for a in args[1:] if a != "--quiet"]]
            jobs.append(
                subprocess.Popen(command, cwd=work, env=env, text=True, stderr=subprocess.PIPE)
            )
    logs = [job.communicate(timeout=600)[1] for job in jobs]
    assert [job.returncode for job in jobs] == [0] * 4, "\n".join(logs)

    study = assert_population_complete_once(population, postgres_url)
    assert len(study.trials) == 12  # no member-interval claimed twice
    worker = {t.number: t.system_attrs["autolr:worker"]["pid"] for t in study.trials}
    assert len(set(worker.values())) == 2
    # Weights crossed machines: some interval started from a checkpoint the other wrote.
    assert any(
        worker[t.user_attrs[pbt.PARENT]] != worker[t.number]
        for t in study.trials
        if t.user_attrs.get(pbt.PARENT) is not None
    )
    assert all("PBT checkpoints go to the study database" in log for log in logs[::2])
    # Clean-up: only the last generation's checkpoints are left (at most 2x population).
    stored = DatabaseArtifactStore(open_storage(postgres_url).engine).artifact_ids(
        checkpoint_prefix(population)
    )
    last = {t.user_attrs[pbt.CHECKPOINT] for t in study.trials if t.user_attrs["generation"] == 2}
    assert set(stored) == last and len(stored) <= 2 * 4

    assert_grid_complete_once(grid, postgres_url, SMALL_GRID_POINTS)
    assert len(optuna.load_study(study_name=grid, storage=postgres_url).trials) == 10

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
