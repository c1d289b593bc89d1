"""The study lock: one worker at a time decides what to run next, for milliseconds.

PostgreSQL: a transaction-scoped advisory lock on a connection of its own, taken with
`idle_in_transaction_session_timeout` set to the lease. The holder does its work on other
connections, so its lock connection sits idle in that transaction; if the holder freezes
(SIGSTOP, a paused VM) past the lease, the server ends that session, the lock passes on,
and the holder learns on leaving the block (`LockLost`) that what it did under the lock
must count as not done. A waiter therefore waits at most the lease for a frozen holder.

SQLite (one machine): an exclusive flock on a file beside the database. The kernel frees
it when the holder dies, but not while it is stopped; a waiter then says which process
holds it, and that it is stopped, after one lease (see docs/distributed.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import sqlalchemy
from optuna.storages import RDBStorage

from autolr.errors import StorageError

LOCK_LEASE_ENV = "AUTOLR_LOCK_LEASE"
# Long enough that a busy machine never breaks a healthy claim (milliseconds of work,
# seconds at worst when 32 processes share 2 cores), short enough that a frozen holder
# costs the others little.
DEFAULT_LEASE_S = 10.0

# Hold times go to this logger at DEBUG (scripts/bench_claims.py collects them).
log = logging.getLogger("autolr.study.lock")


class LockLost(StorageError):
    """The server ended this worker's lock session: it held the lock past its lease."""


def lease_seconds() -> float:
    """The lease from AUTOLR_LOCK_LEASE (seconds), else the default."""
    raw = os.environ.get(LOCK_LEASE_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_LEASE_S
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise StorageError(f"{LOCK_LEASE_ENV} must be a positive number of seconds, got {raw!r}")
    return value


@contextlib.contextmanager
def study_lock(storage: RDBStorage, study_name: str) -> Iterator[None]:
    """Serialise decisions that read then write a study (enqueue grid points, claim work).

    Raises LockLost on leaving the block if the lease ran out while it was held.
    """
    with named_lock(storage.engine, f"study:{study_name}", fenced=True):
        yield


@contextlib.contextmanager
def named_lock(
    engine: sqlalchemy.engine.Engine, name: str, *, fenced: bool = False
) -> Iterator[None]:
    """A lock all workers on this storage agree on, held for at most one lease.

    `fenced`: raise LockLost if the lease ran out (the caller must undo or re-check what it
    did). Unfenced callers do idempotent work (creating tables) and only need the order.
    """
    lease = lease_seconds()
    started = time.monotonic()
    acquired = None
    if engine.url.get_backend_name() == "postgresql":
        lock = _postgres_lock(engine, name, lease, fenced)
    else:
        lock = _file_lock(engine.url.database, lease)
    try:
        with lock:
            acquired = time.monotonic()
            yield
    finally:
        if acquired is not None and log.isEnabledFor(logging.DEBUG):
            held = time.monotonic() - acquired
            log.debug(
                "lock %s: waited %.1f ms, held %.1f ms",
                name,
                1000 * (acquired - started),
                1000 * held,
                extra={"lock": name, "wait_s": acquired - started, "hold_s": held},
            )


def advisory_key(name: str) -> int:
    """A PostgreSQL advisory-lock key for `name` (64 bits of its hash)."""
    return int.from_bytes(
        hashlib.sha256(f"autolr:{name}".encode()).digest()[:8], "big", signed=True
    )


@contextlib.contextmanager
def _postgres_lock(
    engine: sqlalchemy.engine.Engine, name: str, lease: float, fenced: bool
) -> Iterator[None]:
    connection = engine.connect()
    try:
        # One statement: the lease applies from the moment the lock is held. (Waiting for
        # the lock is an active statement, so the idle timeout never cuts a waiter.)
        connection.execute(
            sqlalchemy.text(
                "SELECT set_config('idle_in_transaction_session_timeout', :ms, true), "
                "pg_advisory_xact_lock(:key)"
            ),
            {"ms": str(max(1, round(lease * 1000))), "key": advisory_key(name)},
        )
        try:
            yield
        except Exception as failure:
            # A failure under a lost lock (e.g. another worker undid this claim) is the
            # lost lock's consequence: say so, rather than the symptom.
            if not _rollback(connection) and fenced:
                raise _lost(name, lease) from failure
            raise
        except BaseException:
            _rollback(connection)
            raise
        try:
            # The commit succeeds only if the session was never ended: then the lock was
            # held without a break from acquisition to here.
            connection.commit()
        except sqlalchemy.exc.DBAPIError as gone:
            if fenced:
                raise _lost(name, lease) from gone
    finally:
        with contextlib.suppress(sqlalchemy.exc.SQLAlchemyError):
            connection.close()


def _rollback(connection: sqlalchemy.engine.Connection) -> bool:
    """End the transaction, and so the lock; False if the session was already gone."""
    try:
        connection.rollback()
    except sqlalchemy.exc.DBAPIError:
        return False
    return True


def _lost(name: str, lease: float) -> LockLost:
    return LockLost(
        f"held the {name} lock longer than its {lease:g} s lease ({LOCK_LEASE_ENV}); "
        "the server ended the session and the lock passed on"
    )


@contextlib.contextmanager
def _file_lock(database: str | None, lease: float) -> Iterator[None]:
    if not database or database == ":memory:":
        yield
        return
    path = Path(f"{database}.lock")
    with open(path, "a+") as handle:
        _flock_or_wait(handle, path, lease)
        try:
            # Who holds it, for a waiter's message (see _say_who_holds).
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _flock_or_wait(handle: IO[str], path: Path, lease: float) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    # flock releases the GIL while it blocks, so a timer can speak up meanwhile.
    timer = threading.Timer(lease, _say_who_holds, args=(path, lease))
    timer.daemon = True
    timer.start()
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
    finally:
        timer.cancel()


def _say_who_holds(path: Path, lease: float) -> None:
    try:
        pid = int(path.read_text().strip())
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1]
    except (OSError, ValueError):
        return
    if state == "T":
        log.warning(
            f"waiting for the study lock for over {lease:g} s: process {pid} holds it and is "
            f"stopped; continue it (kill -CONT {pid}) or end it (kill {pid})"
        )
    else:
        log.warning(f"waiting for the study lock for over {lease:g} s: process {pid} holds it")
