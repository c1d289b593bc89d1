"""Storage faults on real SQLite files: each named in one line, and read-only commands
that never write (not a schema into an empty file, not a .lock file into a folder).

Faults are made for real: bytes overwritten on disk, permission bits enforced by the
kernel (as root, in a process without CAP_DAC_OVERRIDE), the immutable flag, and a full
disk (a small tmpfs in a private mount namespace, so nothing is left mounted).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from tests.helpers import assert_clean_error, invoke, small_grid_args

PAGE = 4096


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOLR_STORAGE", raising=False)
    return tmp_path


def _study_file(path: Path, trials: int = 3) -> str:
    url = f"sqlite:///{path}"
    study = optuna.create_study(study_name="s", storage=url)
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=trials)
    return url


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _without_override(args: list[str]) -> list[str]:
    """Run `args` so that file permissions bind: root loses CAP_DAC_OVERRIDE."""
    if os.geteuid() != 0:
        return args
    return ["setpriv", "--bounding-set=-dac_override,-fowner", "--inh-caps=-all", *args]


def _autolr(args: list[str], cwd: Path, wrap: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "autolr", *args]
    return subprocess.run(
        _without_override(command) if wrap else command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "AUTOLR_STORAGE": ""},
    )


def _one_error_line(done: subprocess.CompletedProcess[str], fragment: str) -> None:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    assert fragment in lines[0], lines[0]


def test_a_damaged_page_is_named(workdir: Path) -> None:
    path = workdir / "damaged.db"
    url = _study_file(path, trials=30)
    with path.open("r+b") as handle:  # every page but the first (the table list)
        for page in range(1, path.stat().st_size // PAGE):
            handle.seek(page * PAGE)
            handle.write(b"\xff" * 64)
    for args in (["studies"], ["best", "--study", "s"]):
        result = invoke(*args, "--storage", url)
        assert_clean_error(result, f"{path} is damaged (database disk image is malformed)")
        assert "StorageInternalError" not in result.output


@pytest.mark.parametrize("content", [b"", b"name,score\nada,1\n", "other program"])
def test_an_empty_or_foreign_file_is_refused_and_left_as_it_was(
    workdir: Path, mnist: str, content: bytes | str
) -> None:
    path = workdir / "file.db"
    if isinstance(content, bytes):
        path.write_bytes(content)
        fragment = "is an empty file (0 bytes)" if not content else "is not a SQLite database"
    else:
        with sqlite3.connect(path) as database:
            database.execute("CREATE TABLE customers (name TEXT)")
        database.close()
        fragment = "is another program's SQLite database (tables: customers)"
    before = _digest(path)
    url = f"sqlite:///{path}"
    for args in (["studies"], ["best", "--study", "s"]):
        assert_clean_error(invoke(*args, "--storage", url), fragment)
    assert sorted(p.name for p in workdir.iterdir()) == ["file.db"]  # readers: no .lock
    assert_clean_error(invoke(*small_grid_args("s", mnist, "--storage", url)), fragment)
    assert _digest(path) == before
    assert not (workdir / "file.db-journal").exists()


def test_read_only_commands_read_a_read_only_folder_without_writing(workdir: Path) -> None:
    folder = workdir / "shelf"
    folder.mkdir()
    url = _study_file(folder / "studies.db")
    before = {p.name: _digest(p) for p in folder.iterdir()}
    folder.chmod(0o555)
    try:
        done = _autolr(["studies", "--json", "--storage", url], workdir, wrap=True)
        assert done.returncode == 0, done.stderr
        assert '"study": "s"' in done.stdout
        tune = _autolr(["tune", "--study", "new", "--storage", url], workdir, wrap=True)
        _one_error_line(tune, f"cannot write in {folder} (a read-only folder or file system)")
    finally:
        folder.chmod(0o755)
    assert {p.name: _digest(p) for p in folder.iterdir()} == before  # no .lock file


def test_a_read_only_database_is_named_before_any_training(workdir: Path) -> None:
    path = workdir / "studies.db"
    url = _study_file(path)
    path.chmod(0o444)
    done = _autolr(["tune", "--study", "s2", "--storage", url], workdir, wrap=True)
    _one_error_line(done, f"{path} is read-only (no write permission)")


def test_an_immutable_database_is_named(workdir: Path, mnist: str) -> None:
    path = workdir / "studies.db"
    url = _study_file(path)
    flag = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if flag.returncode != 0:
        pytest.skip(f"this file system cannot mark files immutable: {flag.stderr.strip()}")
    try:
        result = invoke(*small_grid_args("s2", mnist, "--storage", url))
        assert_clean_error(result, f"{path} is read-only (immutable, or writing is not permitted)")
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def _on_a_full_disk(prepared: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run `autolr args` with `prepared` copied onto a small tmpfs that is then filled up.

    The tmpfs lives in a private mount namespace (as root, or as a user namespace's
    root), so it disappears with the process, whatever happens to the test."""
    mount_point = prepared.parent / "disk"
    mount_point.mkdir()
    database = mount_point / prepared.name
    autolr = " ".join([sys.executable, "-m", "autolr", *args]).replace("DB", str(database))
    script = (
        f"set -e; mount -t tmpfs -o size=256k tmpfs {mount_point}; "
        f"cp {prepared} {database}; "
        f"head -c 1M /dev/zero > {mount_point}/filler 2>/dev/null || true; "
        f"exec {autolr}"
    )
    namespace = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "-rm"]
    return subprocess.run(
        [*namespace, "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "AUTOLR_STORAGE": ""},
    )


def test_a_full_disk_is_named(workdir: Path, mnist: str) -> None:
    if shutil.which("unshare") is None:
        pytest.fail("this test needs unshare(1) (util-linux) to make a small full disk")
    prepared = workdir / "studies.db"
    _study_file(prepared)
    args = small_grid_args("new", mnist, "--storage", "sqlite:///DB")
    done = _on_a_full_disk(prepared, args)
    _one_error_line(done, "the disk holding ")  # the database, by its path or URL
    assert "is full: free some space, then run the same command again" in done.stderr


def test_default_storage_says_where_it_looked(workdir: Path) -> None:
    for args in (["best"], ["studies"], ["report", "--study", "x"]):
        result = invoke(*args)
        assert_clean_error(result, "no studies here: without --storage or AUTOLR_STORAGE")
        assert f"looks for studies/autolr.db in the current folder ({workdir})" in result.stderr
    assert list(workdir.iterdir()) == []
