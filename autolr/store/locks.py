"""The study lock: one worker at a time decides what to run next, for milliseconds.

PostgreSQL: a transaction-scoped advisory lock on a connection of its own, taken with
`idle_in_transaction_session_timeout` set to the lease. The holder does its work on other
connections, so its lock connection sits idle in that transaction; if the holder freezes
(SIGSTOP, a paused VM) past the lease, the server ends that session, the lock passes on,
and the holder learns on leaving the block (`LockLost`) that what it did under the lock
must count as not done. A waiter therefore waits at most the lease for a frozen holder.

The same transaction inserts the holder's claim token into `autolr_claims`, so the token
exists if and only if the lease held to the end. A trial labelled with a token that does
not exist was claimed under a lease that ran out (or by a holder that died mid-claim):
the next holder treats that claim as never made (`Lease.standing`).

SQLite (one machine): an exclusive flock on a file beside the database. The kernel frees
it when the holder dies, but not while it is stopped; a waiter then says which process
holds it, and that it is stopped, after one lease (see docs/distributed.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import sqlalchemy
from optuna.storages import RDBStorage

from autolr.errors import StorageError
from autolr.store.timeouts import env_seconds

LOCK_LEASE_ENV = "AUTOLR_LOCK_LEASE"
# Long enough that a busy machine never breaks a healthy claim (milliseconds of work,
# seconds at worst when 32 processes share 2 cores), short enough that a frozen holder
# costs the others little.
DEFAULT_LEASE_S = 10.0

# Hold times go to this logger at DEBUG (scripts/bench_claims.py collects them).
log = logging.getLogger("autolr.store.lock")


CLAIMS_TABLE = "autolr_claims"
_metadata = sqlalchemy.MetaData()
_claims = sqlalchemy.Table(
    CLAIMS_TABLE,
    _metadata,
    sqlalchemy.Column("token", sqlalchemy.String(32), primary_key=True),
    sqlalchemy.Column(
        "claimed_at", sqlalchemy.DateTime, nullable=False, server_default=sqlalchemy.func.now()
    ),
)
_tables_made: set[tuple[str, int]] = set()  # (database URL, metadata), in this process


class LockLost(StorageError):
    """The server ended this worker's lock session: it held the lock past its lease."""


class Lease:
    """A held study lock. On PostgreSQL it carries a claim token that is stored only if
    the lease holds to the end (SQLite's lock cannot be lost, so it needs none)."""

    def __init__(self, connection: sqlalchemy.engine.Connection | None = None) -> None:
        self._connection = connection
        self.token = uuid.uuid4().hex if connection is not None else None

    def standing(self, tokens: Iterable[str]) -> set[str]:
        """Those of `tokens` whose lock holders kept their leases to the end.

        Under the lock every earlier holder has finished, one way or the other, so a
        token missing now will never appear."""
        wanted = sorted(set(tokens))
        if self._connection is None or not wanted:
            return set(wanted)
        query = sqlalchemy.select(_claims.c.token).where(_claims.c.token.in_(wanted))
        return {row[0] for row in self._connection.execute(query)}


def lease_seconds() -> float:
    """The lease from AUTOLR_LOCK_LEASE (seconds), else the default."""
    return env_seconds(LOCK_LEASE_ENV, DEFAULT_LEASE_S)


@contextlib.contextmanager
def study_lock(storage: RDBStorage, study_name: str) -> Iterator[Lease]:
    """Serialise decisions that read then write a study (create it, claim work).

    Raises LockLost on leaving the block if the lease ran out while it was held.
    """
    engine = storage.engine
    if engine.url.get_backend_name() == "postgresql":
        make_tables(engine, _metadata)
    with named_lock(engine, f"study:{study_name}", fenced=True) as lease:
        yield lease


def make_tables(engine: sqlalchemy.engine.Engine, metadata: sqlalchemy.MetaData) -> None:
    """Create autolr's own tables in `metadata` if missing, once per process and database."""
    key = (engine.url.render_as_string(hide_password=False), id(metadata))
    if key not in _tables_made:
        with named_lock(engine, "schema"):  # workers starting together take turns
            metadata.create_all(engine, checkfirst=True)
        _tables_made.add(key)


@contextlib.contextmanager
def named_lock(
    engine: sqlalchemy.engine.Engine, name: str, *, fenced: bool = False
) -> Iterator[Lease]:
    """A lock all workers on this storage agree on, held for at most one lease.

    `fenced`: raise LockLost if the lease ran out, and store the lease's claim token (the
    caller must undo what it did). Unfenced callers do idempotent work (creating tables)
    and only need the turns.
    """
    lease = lease_seconds()
    started = time.monotonic()
    acquired = None
    lock: contextlib.AbstractContextManager[Lease]
    if engine.url.get_backend_name() == "postgresql":
        lock = _postgres_lock(engine, name, lease, fenced)
    else:
        lock = _file_lock(engine.url.database, lease)
    try:
        with lock as held:
            acquired = time.monotonic()
            yield held
    finally:
        if acquired is not None:
            note_hold(name, acquired - started, time.monotonic() - acquired)


def note_hold(name: str, wait_s: float, hold_s: float) -> None:
    """Log how long a lock was waited for and held (DEBUG; the benchmarks collect it)."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "lock %s: waited %.1f ms, held %.1f ms",
            name,
            1000 * wait_s,
            1000 * hold_s,
            extra={"lock": name, "wait_s": wait_s, "hold_s": hold_s},
        )


def advisory_key(name: str) -> int:
    """A PostgreSQL advisory-lock key for `name` (64 bits of its hash)."""
    return int.from_bytes(
        hashlib.sha256(f"autolr:{name}".encode()).digest()[:8], "big", signed=True
    )


LEASE_SQL = "set_config('idle_in_transaction_session_timeout', :lease_ms, true)"


def lease_params(lease: float) -> dict[str, object]:
    """The parameter of LEASE_SQL, which a leased transaction's first statement must run."""
    return {"lease_ms": str(max(1, round(lease * 1000)))}


@contextlib.contextmanager
def leased_transaction(
    engine: sqlalchemy.engine.Engine, name: str, lease: float, fenced: bool = True
) -> Iterator[sqlalchemy.engine.Connection]:
    """A transaction on a connection of its own, whose first statement runs LEASE_SQL: the
    server ends the session if the transaction sits idle past the lease (its holder is
    frozen), and whatever it locked passes on. Commits on leaving; `fenced`: raises
    LockLost then if the session was ended, so the caller undoes what it did meanwhile."""
    connection = engine.connect()
    try:
        try:
            yield connection
        except Exception as failure:
            # A failure under a lost lease (this very connection ended by the server, or
            # another worker undid this claim) is the lost lease's consequence: say so,
            # rather than the symptom.
            ended = connection.invalidated
            if (not _rollback(connection) or ended) and fenced:
                raise _lost(name, lease) from failure
            raise
        except BaseException:
            _rollback(connection)
            raise
        try:
            # The commit succeeds only if the session was never ended: then what it locked
            # was held without a break from the first statement to here.
            connection.commit()
        except sqlalchemy.exc.DBAPIError as gone:
            if fenced:
                raise _lost(name, lease) from gone
    finally:
        with contextlib.suppress(sqlalchemy.exc.SQLAlchemyError):
            connection.close()


@contextlib.contextmanager
def _postgres_lock(
    engine: sqlalchemy.engine.Engine, name: str, lease: float, fenced: bool
) -> Iterator[Lease]:
    with leased_transaction(engine, name, lease, fenced) as connection:
        held = Lease(connection if fenced else None)
        # One statement: the lease applies from the moment the lock is held. (Waiting for
        # the lock is an active statement, so the idle timeout never cuts a waiter.) The
        # claim token rides in the same transaction: it is stored if the lease holds.
        statement = f"SELECT {LEASE_SQL}, pg_advisory_xact_lock(:key)"
        params: dict[str, object] = {**lease_params(lease), "key": advisory_key(name)}
        if held.token is not None:
            statement = (
                f"WITH claim AS (INSERT INTO {CLAIMS_TABLE} (token) VALUES (:token)) {statement}"
            )
            params["token"] = held.token
        connection.execute(sqlalchemy.text(statement), params)
        yield held


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
def _file_lock(database: str | None, lease: float) -> Iterator[Lease]:
    if not database or database == ":memory:":
        yield Lease()
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
            yield Lease()
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
