"""The same studies on a real PostgreSQL server, with several workers at once."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import optuna
import pytest
import sqlalchemy

from autolr.store.artifacts_db import DatabaseArtifactStore
from autolr.store.checkpoints import checkpoint_prefix
from autolr.store.storage import open_storage
from tests.helpers import (
    SMALL_GRID_POINTS,
    AutolrProcess,
    assert_grid_complete_once,
    invoke,
    small_grid_args,
    small_pbt_args,
)


def _password(url: str) -> str:
    password = sqlalchemy.engine.make_url(url).password
    assert password
    return str(password)


@pytest.mark.slow
def test_small_grid_end_to_end_on_postgres(
    postgres_url: str, mnist: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    name = f"pg-{uuid.uuid4().hex[:8]}"
    results = []
    for args in (
        small_grid_args(name, mnist, "--storage", postgres_url),
        ["best", "--study", name, "--storage", postgres_url, "--json"],
        ["studies", "--storage", postgres_url],
    ):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        results.append(result)
    assert_grid_complete_once(name, postgres_url, SMALL_GRID_POINTS)
    assert json.loads(results[1].stdout)["study"] == name
    assert "***@127.0.0.1" in results[2].stdout
    assert not any(_password(postgres_url) in result.output for result in results)
    assert not (tmp_path / "studies").exists()  # nothing went to the default SQLite file


@pytest.mark.slow
def test_three_workers_on_postgres_finish_the_grid_with_no_point_twice(
    postgres_url: str, mnist: str, tmp_path: Path
) -> None:
    name = f"pg-workers-{uuid.uuid4().hex[:8]}"
    # The storage URL travels in the environment, as a user would keep a password.
    args = small_grid_args(name, mnist)
    workers = [
        AutolrProcess(args, tmp_path, env={"AUTOLR_STORAGE": postgres_url}) for _ in range(3)
    ]
    codes = [w.finish() for w in workers]
    assert codes == [0, 0, 0], "\n".join(w.output for w in workers)
    assert_grid_complete_once(name, postgres_url, SMALL_GRID_POINTS)
    study = optuna.load_study(study_name=name, storage=postgres_url)
    assert len(study.trials) == SMALL_GRID_POINTS  # nothing claimed twice, nothing failed
    pids = {t.system_attrs["autolr:worker"]["pid"] for t in study.trials}
    assert len(pids) >= 2
    assert not any(_password(postgres_url) in w.output for w in workers)


def test_artifacts_folder_still_holds_pbt_checkpoints_on_postgres(
    postgres_url: str, mnist: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    name = f"pg-pbt-{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "checkpoints"
    result = invoke(
        *small_pbt_args(name, mnist, "--storage", postgres_url),
        "--n-trials",
        "4",  # generation 0 only
        "--artifacts",
        str(folder),
    )
    assert result.exit_code == 0, result.output
    assert f"PBT checkpoints go to the folder {folder}" in result.output
    study = optuna.load_study(study_name=name, storage=postgres_url)
    saved = {t.user_attrs["checkpoint"] for t in study.trials}
    assert len(saved) == 4 and saved == {p.name for p in folder.iterdir()}
    in_database = DatabaseArtifactStore(open_storage(postgres_url).engine).artifact_ids(
        checkpoint_prefix(name)
    )
    assert in_database == []
    assert not (tmp_path / "studies").exists()
