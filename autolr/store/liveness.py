"""Who runs a trial, and whether it still does: the label a worker puts on the trials it
claims, and the two signs of life read back from it (a process alive on this machine, a
heartbeat younger than three of its worker's beats).

Crash recovery (storage.py) fails trials with neither sign; `autolr delete` refuses a
study while one of its trials has either.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial

WORKER_ATTR = "autolr:worker"
CLAIM_KEY = "claim"  # in WORKER_ATTR: the token of the lease the trial was claimed under
BEAT_KEY = "beat"  # in WORKER_ATTR: the worker's heartbeat interval, in seconds
DEFAULT_HEARTBEAT_S = 10  # `tune --heartbeat`'s default; assumed for a label without one
MISSED_BEATS = 3  # a trial silent for this many beats is dead (Optuna's grace period)

_heartbeats = sqlalchemy.table(
    "trial_heartbeats",
    sqlalchemy.column("trial_id"),
    sqlalchemy.column("heartbeat", sqlalchemy.DateTime),
)


def worker_identity(heartbeat_seconds: int | None = None) -> dict[str, Any]:
    """Who runs a trial: enough to tell, on the same machine, whether it is still alive,
    and from anywhere, how old its heartbeat may grow before it is dead.

    The boot id and PID-namespace inode keep containers that share a host name, or a
    rebooted machine, from mistaking another process for the trial's worker.
    """
    label: dict[str, Any] = {
        "host": socket.gethostname(),
        "space": _process_space(),
        "pid": os.getpid(),
    }
    if heartbeat_seconds:
        label[BEAT_KEY] = heartbeat_seconds
    return label


def _process_space() -> str:
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
        return f"{boot}:{namespace}"
    except OSError:
        return "unknown"


def process_alive(pid: int) -> bool:
    pid = int(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child nobody has reaped yet is a zombie: dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def same_machine(worker: dict[str, Any], here: dict[str, Any]) -> bool:
    """Whether `worker` is another process on the machine (and PID namespace) `here`."""
    return bool(
        (worker.get("host"), worker.get("space")) == (here["host"], here["space"])
        and worker.get("pid") != here["pid"]
    )


def unlabelled(running: Sequence[FrozenTrial]) -> set[int]:
    """Running trials that no worker ever labelled as its own (see claims.py)."""
    return {t.number for t in running if not isinstance(t.system_attrs.get(WORKER_ATTR), dict)}


@dataclass(frozen=True)
class LiveTrial:
    """A running trial whose worker shows a sign of life."""

    number: int
    host: str
    sign: str  # "process 123 is running" or "heartbeat 4 s ago"

    def __str__(self) -> str:
        return f"trial {self.number} on host {self.host} ({self.sign})"


def live_trials(
    storage: RDBStorage, study_id: int, running: Sequence[FrozenTrial]
) -> list[LiveTrial]:
    """Those of the study's `running` trials whose worker is alive: its process exists
    on this machine, or (any machine) its heartbeat is fresh. A worker on this machine
    whose process is gone is dead, whatever its last heartbeat says."""
    here = worker_identity()
    ages = _heartbeat_ages(storage, study_id, running)
    live = []
    for trial in running:
        worker = trial.system_attrs.get(WORKER_ATTR)
        worker = worker if isinstance(worker, dict) else {}
        host = str(worker.get("host", "unknown"))
        if same_machine(worker, here):
            if process_alive(worker["pid"]):
                live.append(LiveTrial(trial.number, host, f"process {worker['pid']} is running"))
            continue
        age = ages.get(trial.number)
        beat = worker.get(BEAT_KEY) or DEFAULT_HEARTBEAT_S
        if age is not None and age < MISSED_BEATS * beat:
            live.append(LiveTrial(trial.number, host, f"heartbeat {max(age, 0):.0f} s ago"))
    return live


def _heartbeat_ages(
    storage: RDBStorage, study_id: int, running: Sequence[FrozenTrial]
) -> dict[int, float]:
    """Seconds since each running trial's last heartbeat, by the database's clock (the
    one heartbeats are written with); trials that never beat are left out."""
    ids = {
        storage.get_trial_id_from_study_id_trial_number(study_id, t.number): t.number
        for t in running
    }
    if not ids:
        return {}
    query = sqlalchemy.select(_heartbeats.c.trial_id, _heartbeats.c.heartbeat).where(
        _heartbeats.c.trial_id.in_(list(ids))
    )
    with storage.engine.connect() as connection:
        now = connection.execute(sqlalchemy.select(sqlalchemy.func.now())).scalar_one()
        rows = connection.execute(query).all()
    now = now.replace(tzinfo=None)  # PostgreSQL's now() has a time zone; heartbeats not
    return {ids[row.trial_id]: (now - row.heartbeat).total_seconds() for row in rows}
