"""Storage URLs: defaults, redaction, and clear errors that never show a password."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import socket
from pathlib import Path

import pytest

from autolr.errors import StorageError
from autolr.store.storage import open_storage, redact, resolve_url, scrub

SECRET = "hunter2-Zz"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_default_storage_is_a_sqlite_file_under_studies(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOLR_STORAGE", raising=False)
    assert resolve_url(None) == "sqlite:///studies/autolr.db"
    assert not (tmp_path / "studies").exists()  # made only when a writer opens it
    open_storage(resolve_url(None))
    assert (tmp_path / "studies" / "autolr.db").is_file()
    monkeypatch.setenv("AUTOLR_STORAGE", "sqlite:///elsewhere.db")
    assert resolve_url(None) == "sqlite:///elsewhere.db"
    assert resolve_url("sqlite:///flag.db") == "sqlite:///flag.db"


def test_redact_and_scrub_hide_the_password() -> None:
    url = f"postgresql://alice:{SECRET}@db.example:5432/studies"
    assert SECRET not in redact(url) and redact(url) == "postgresql://***@db.example:5432/studies"
    assert SECRET not in scrub(f"could not connect with {SECRET} to {url}", url)


def test_malformed_url_is_a_clear_error() -> None:
    with pytest.raises(StorageError, match="malformed storage URL"):
        open_storage("not a url at all")


def test_unsupported_dialect_is_a_clear_error() -> None:
    with pytest.raises(StorageError, match="unsupported storage"):
        open_storage(f"mysql://bob:{SECRET}@localhost/db")


def test_unreachable_postgres_is_a_clear_error_without_the_password() -> None:
    url = f"postgresql://bob:{SECRET}@127.0.0.1:{_closed_port()}/nowhere"
    with pytest.raises(StorageError) as error:
        open_storage(url)
    message = str(error.value)
    assert message.startswith("cannot open storage postgresql://***@127.0.0.1")
    assert "Connection refused" in message
    assert SECRET not in message and "\n" not in message


def test_sqlite_in_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="storage directory does not exist"):
        open_storage(f"sqlite:///{tmp_path}/no/such/dir/x.db")


def test_readers_do_not_create_a_database_by_a_typo(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    with pytest.raises(StorageError, match=r"no studies yet: .*typo\.db does not exist"):
        open_storage(f"sqlite:///{missing}", writer=False)
    assert not missing.exists()


def _open_when_all_are_ready(url: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait()
    open_storage(url)


@pytest.mark.slow
def test_workers_opening_a_new_database_together_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    for attempt in range(3):
        url = f"sqlite:///{tmp_path}/fresh-{attempt}.db"
        barrier = context.Barrier(4)
        workers = [
            context.Process(target=_open_when_all_are_ready, args=(url, barrier)) for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert [w.exitcode for w in workers] == [0, 0, 0, 0]
