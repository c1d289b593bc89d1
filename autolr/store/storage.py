"""Where studies live: storage URLs, opening them safely, locking, and crash recovery.

Every message that mentions a storage URL goes through `redact`, so database passwords
never reach the terminal or a log.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState

from autolr.errors import StorageError
from autolr.store.faults import check_contents, check_writable, describe
from autolr.store.liveness import WORKER_ATTR, process_alive, same_machine, worker_identity
from autolr.store.locks import lease_seconds
from autolr.store.locks import named_lock as _named_lock
from autolr.store.timeouts import postgres_connect_args
from autolr.store.urls import encode_userinfo, redact, scrub

STORAGE_ENV = "AUTOLR_STORAGE"
DEFAULT_SQLITE = Path("studies") / "autolr.db"
SUPPORTED_DIALECTS = ("sqlite", "postgresql")
SQLITE_BUSY_TIMEOUT_S = 60


def resolve_url(cli_value: str | None, create: bool = True) -> str:
    """--storage, else AUTOLR_STORAGE, else a SQLite file under ./studies/ (whose folder
    `open_storage` makes for a writer, after the inputs were checked; a reader where there
    is none says where it looked and how to point it elsewhere)."""
    url = cli_value or os.environ.get(STORAGE_ENV)
    if url:
        return url
    if not create and not DEFAULT_SQLITE.is_file():
        raise StorageError(
            f"no studies here: without --storage or {STORAGE_ENV}, autolr looks for "
            f"{DEFAULT_SQLITE} in the current folder ({Path.cwd()}); run from the folder "
            f"you ran `autolr tune` in, or pass --storage sqlite:///PATH or set {STORAGE_ENV}"
        )
    return f"sqlite:///{DEFAULT_SQLITE}"


def normalise_url(url: str) -> sqlalchemy.engine.URL:
    """Parse and check a storage URL; plain postgresql:// uses the bundled psycopg driver."""
    try:
        parsed = sqlalchemy.engine.make_url(encode_userinfo(url))
    except Exception as exc:
        raise StorageError(f"malformed storage URL {redact(url)!r}") from exc
    if parsed.get_backend_name() not in SUPPORTED_DIALECTS:
        raise StorageError(
            f"unsupported storage {redact(url)!r}: use sqlite:///PATH or postgresql://..."
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        # SQLite's in-memory database dies with the command (and is not shared with
        # --jobs workers): nothing stored there could be resumed, read or reported.
        raise StorageError(
            f"{redact(url)!r} is an in-memory database, gone when the command ends: a study "
            "needs a file, e.g. --storage sqlite:///studies/autolr.db"
        )
    if parsed.get_backend_name() == "sqlite":
        database = Path(str(parsed.database))
        parent = database.expanduser().parent
        if not parent.is_dir() and database != DEFAULT_SQLITE:
            raise StorageError(f"storage directory does not exist: {parent}")
    return parsed


def creates_sqlite_file(url: str) -> bool:
    """Whether a writer opening `url` would create a new SQLite file (not PostgreSQL, not
    a file that exists): the moment before which bad input must be refused."""
    try:
        parsed = sqlalchemy.engine.make_url(encode_userinfo(url))
    except Exception:
        return False  # a malformed URL gets its own error from open_storage
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    return not Path(str(parsed.database)).expanduser().exists()


def open_storage(
    url: str, heartbeat_seconds: int | None = None, *, writer: bool = True
) -> RDBStorage:
    """An Optuna RDB storage, with heartbeats so that dead workers' trials are detected.

    `writer=False` is for commands that only read (best, studies, report, dashboard):
    they never queue for SQLite's write lock, so they answer at once while workers run.
    """
    parsed = normalise_url(url)
    full_url = parsed.render_as_string(hide_password=False)
    sqlite = parsed.get_backend_name() == "sqlite"
    database = parsed.database if sqlite else None
    on_disk = database not in (None, "", ":memory:")
    if on_disk and not writer and not Path(str(database)).expanduser().exists():
        # A reader must not create an empty database because of a typo in the path.
        raise StorageError(f"no studies yet: {database} does not exist (autolr tune creates it)")
    # Empty, foreign or damaged files are refused before SQLite opens them; a writer
    # looks under the schema lock, where a database that another worker is creating at
    # this moment cannot be mistaken for an empty file.
    path = Path(str(database)).expanduser() if on_disk else None
    if path is not None and writer:
        lease_seconds()  # a bad AUTOLR_LOCK_LEASE is refused before anything is made
        if path == DEFAULT_SQLITE:  # made here, after the flags were checked
            path.parent.mkdir(parents=True, exist_ok=True)
        check_writable(path)
    elif path is not None:
        check_contents(path)
    engine_kwargs: dict[str, Any] = {}
    if sqlite:
        engine_kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    else:
        engine_kwargs["pool_pre_ping"] = True
        engine_kwargs["connect_args"] = postgres_connect_args(dict(parsed.query))
    try:
        # Workers started together on a new database would race to create its tables.
        # Readers create nothing, so they take no lock (and write no .lock file).
        scratch = sqlalchemy.create_engine(
            full_url,
            poolclass=sqlalchemy.pool.NullPool,
            connect_args=engine_kwargs["connect_args"],
        )
        schema = _named_lock(scratch, "schema") if writer else _has_tables(scratch, url)
        with schema, warnings.catch_warnings():
            if path is not None and writer:
                check_contents(path)
            # Optuna calls heartbeats "experimental"; autolr's crash recovery needs them.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            storage = RDBStorage(
                full_url,
                engine_kwargs=engine_kwargs,
                heartbeat_interval=heartbeat_seconds,
                grace_period=3 * heartbeat_seconds if heartbeat_seconds else None,
                skip_table_creation=not writer,
            )
        scratch.dispose()
    except StorageError:
        raise
    except Exception as exc:
        reason = scrub(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, url)
        fault = describe(exc, str(database) if on_disk else redact(url))
        raise StorageError(fault or f"cannot open storage {redact(url)}: {reason}") from exc
    if writer and parsed.get_backend_name() == "sqlite":
        _serialise_sqlite_transactions(storage.engine)
    return storage


@contextlib.contextmanager
def _has_tables(engine: sqlalchemy.engine.Engine, url: str) -> Iterator[None]:
    """For readers: a database without Optuna's tables holds no studies (and a reader
    must not create them)."""
    if not sqlalchemy.inspect(engine).has_table("version_info"):
        raise StorageError(f"no studies yet in {redact(url)} (autolr tune creates them)")
    yield


def _serialise_sqlite_transactions(engine: sqlalchemy.engine.Engine) -> None:
    """Start every SQLite transaction with BEGIN IMMEDIATE.

    SQLite's default deferred transactions fail at once with "database is locked" when
    two processes read and then both try to write (a lock upgrade deadlock the busy
    timeout cannot resolve). Taking the write lock up front turns that into an ordered
    wait, which is what lets several `autolr tune` workers share one SQLite file.
    """

    @sqlalchemy.event.listens_for(engine, "connect")
    def _no_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @sqlalchemy.event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    engine.dispose()  # pooled connections predate the hooks


def quiet_optuna() -> None:
    """Only Optuna's warnings: autolr reports each trial itself, in its own words."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)


def study_names(storage: RDBStorage) -> list[str]:
    return sorted(s.study_name for s in storage.get_all_studies())


def load_study(storage: RDBStorage, name: str, url: str) -> optuna.Study:
    """Load a study, or fail with the list of studies that do exist."""
    names = study_names(storage)
    if name not in names:
        listing = ", ".join(names) if names else "none"
        raise StorageError(f"no study named {name!r} in {redact(url)} (studies there: {listing})")
    return optuna.load_study(study_name=name, storage=storage)


# -- crash recovery -------------------------------------------------------------------
def recover_dead_trials(
    study: optuna.Study,
    storage: RDBStorage,
    running: Sequence[FrozenTrial],
    stale: bool = True,
    abandoned: Collection[int] = (),
) -> list[int]:
    """Mark RUNNING trials whose worker is gone as FAIL; return their numbers.

    `running` is the study's RUNNING trials, read just before. Three signals:
    - `abandoned`: numbers of trials whose claim never stood (the claimer died or froze
      mid-claim); the claim mechanism knows which (claims.py);
    - a worker on this machine whose process no longer exists (found at once);
    - a heartbeat older than the grace period (any machine, after a delay; `stale=False`
      skips this query, which workers need not repeat more often than once a beat).
    """
    if not running:
        return []
    here = worker_identity()
    study_id = storage.get_study_id_from_name(study.study_name)
    failed = []
    for trial in running:
        worker = trial.system_attrs.get(WORKER_ATTR)
        if trial.number in abandoned or (
            isinstance(worker, dict)
            and same_machine(worker, here)
            and not process_alive(worker["pid"])
        ):
            trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                if storage.set_trial_state_values(trial_id, TrialState.FAIL):
                    failed.append(trial.number)
    if not stale:
        return failed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    failed_now = storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.FAIL,))
    states = {t.number: t.state for t in failed_now}
    stale_ones = [
        t.number
        for t in running
        if states.get(t.number) == TrialState.FAIL and "error" not in t.user_attrs
    ]
    return sorted(set(failed) | set(stale_ones))


class Heartbeat:
    """Records the running trial's heartbeat in the storage from a background thread."""

    def __init__(self, storage: RDBStorage, trial_id: int, interval: int) -> None:
        self.storage, self.trial_id, self.interval = storage, trial_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.storage.record_heartbeat(self.trial_id)
            except Exception:  # a missed beat is retried next interval
                continue

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
