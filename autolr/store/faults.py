"""Storage faults, named in one line: a read-only or immutable file, a full disk, a
damaged database, a file that is not a study database at all.

Optuna wraps every database error in "StorageInternalError ... invalid data in the
commit, e.g. exceeding max length", which names none of these. The real cause is further
down the exception chain (SQLite's error code, PostgreSQL's SQLSTATE, an OSError's
errno); `describe` finds it. `check_contents` and `check_writable` catch what can be
seen before opening a file, so that nothing is written into a file that is not autolr's.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from autolr.errors import StorageError
from autolr.store.timeouts import (
    CONNECT_TIMEOUT_ENV,
    STATEMENT_TIMEOUT_ENV,
    connect_seconds,
    statement_seconds,
)

SQLITE_HEADER = b"SQLite format 3\x00"
OPTUNA_TABLES = frozenset({"studies", "trials", "version_info"})

_FULL = "the disk holding {where} is full: free some space, then run the same command again"
_READ_ONLY = "{where} is read-only ({why}): this command needs to write to it"
_DAMAGED = "{where} is damaged (database disk image is malformed): restore it from a backup"
_NOT_A_DATABASE = "{where} is not a SQLite database: pass your study database with --storage"
_NO_ANSWER = "no answer from {where} within {seconds:g} s of {what} ({env} sets the wait): {hint}"


def check_contents(path: Path) -> None:
    """Refuse, before SQLite opens it, a file autolr must not read or write as a study
    database: empty, not SQLite, damaged, or another program's.

    Looks without writing: the tables are listed through a read-only connection. A
    writer calls it under the schema lock, where a database that another worker is
    creating at this moment cannot be mistaken for an empty file.
    """
    if not path.exists():
        return
    if path.stat().st_size == 0:
        raise StorageError(
            f"{path} is an empty file (0 bytes), not a study database: if it held studies, "
            "restore it from a backup; if not, delete it"
        )
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise StorageError(_NOT_A_DATABASE.format(where=path))
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {name for (name,) in rows}
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            raise StorageError(describe(exc, str(path)) or str(exc)) from exc
        return  # busy, or a journal to roll back: opening it for real will tell
    if tables and not tables >= OPTUNA_TABLES:
        listed = ", ".join(sorted(tables)[:5])
        raise StorageError(
            f"{path} is another program's SQLite database (tables: {listed}); autolr will "
            "not write into it: pass your study database with --storage"
        )


def check_writable(path: Path) -> None:
    """SQLite writes the file and creates a journal beside it: both must be allowed."""
    if path.exists():
        try:
            os.close(os.open(path, os.O_RDWR))  # opening for writing changes nothing
        except OSError as exc:
            raise StorageError(_READ_ONLY.format(where=path, why=_why(exc))) from None
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(
            f"cannot write in {folder} (a read-only folder or file system): SQLite keeps its "
            "journal beside the database, so this command needs to write there"
        )


def _why(exc: OSError) -> str:
    return {
        errno.EACCES: "no write permission",
        errno.EPERM: "immutable, or writing is not permitted",
        errno.EROFS: "on a read-only file system",
    }.get(exc.errno or 0, exc.strerror or str(exc))


def describe(exc: BaseException, where: str) -> str | None:
    """One line naming the storage fault behind `exc`, or None if it is not one.

    `where` names the storage (a redacted URL or a path) in the message.
    """
    for link in _chain(exc):
        code = str(getattr(link, "sqlite_errorname", ""))
        text = str(link).lower()
        state = str(getattr(link, "sqlstate", "") or "")
        if code.startswith("SQLITE_FULL") or state == "53100" or _errno(link, errno.ENOSPC):
            return _FULL.format(where=where)
        if code.startswith("SQLITE_READONLY") or "readonly database" in text:
            return _READ_ONLY.format(where=where, why="its file, folder or mount")
        if isinstance(link, OSError) and link.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            target = link.filename or where
            return _READ_ONLY.format(where=target, why=_why(link))
        if state == "25006":
            return _READ_ONLY.format(where=where, why="a read-only database server")
        if code.startswith("SQLITE_CORRUPT") or "malformed" in text or state == "XX001":
            return _DAMAGED.format(where=where)
        if code.startswith("SQLITE_NOTADB") or "file is not a database" in text:
            return _NOT_A_DATABASE.format(where=where)
        if code.startswith("SQLITE_IOERR") or "disk i/o error" in text:
            return f"cannot read or write {where}: disk I/O error (a full or failing disk?)"
        if type(link).__name__ == "ConnectionTimeout" or "connection timeout expired" in text:
            return _no_answer(where, "connecting", connect_seconds(), CONNECT_TIMEOUT_ENV)
        if state == "57014" and "statement timeout" in text:
            return _no_answer(where, "a statement", statement_seconds(), STATEMENT_TIMEOUT_ENV)
    return None


def _no_answer(where: str, what: str, seconds: float, env: str) -> str:
    hint = (
        "is the server up and reachable, and is it PostgreSQL on that port?"
        if what == "connecting"
        else "the server is hung or overloaded, or a stuck session holds a lock"
    )
    return _NO_ANSWER.format(where=where, seconds=seconds, what=what, env=env, hint=hint)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what caused it, and what it interrupted, each once."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        link = todo.pop(0)
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        todo += [getattr(link, "orig", None), link.__cause__, link.__context__]


def _errno(link: BaseException, number: int) -> bool:
    return isinstance(link, OSError) and link.errno == number
