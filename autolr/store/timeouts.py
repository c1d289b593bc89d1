"""How long autolr waits for a PostgreSQL server, so that a hung one costs a worker
seconds, not forever.

- Connecting: `connect_timeout` (AUTOLR_CONNECT_TIMEOUT, 10 s). Without it psycopg waits
  130 s for a host that accepts the connection and never answers (a frozen server, a
  proxy with nothing behind it, the wrong service on the port).
- Each statement: the server cancels one that runs longer than `statement_timeout`
  (AUTOLR_STATEMENT_TIMEOUT, 60 s), such as a wait for a lock a stuck session holds.
  autolr's own statements take milliseconds, its lock waits at most a lease (10 s).
- A host that vanishes (a dead machine, a cut network) while a statement is out: TCP
  keepalives and `tcp_user_timeout` end the connection within the statement timeout.

A server process that is stopped while its machine's kernel still answers for it
(SIGSTOP) cannot be told apart from a slow one at the TCP level; a worker waits for it.
"""

from __future__ import annotations

import math
import os
from typing import Any

from autolr.errors import StorageError

CONNECT_TIMEOUT_ENV = "AUTOLR_CONNECT_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT_S = 10.0
STATEMENT_TIMEOUT_ENV = "AUTOLR_STATEMENT_TIMEOUT"
DEFAULT_STATEMENT_TIMEOUT_S = 60.0
KEEPALIVE_S = 10  # idle seconds before the first probe, and between probes
KEEPALIVE_PROBES = 3


def env_seconds(name: str, default: float) -> float:
    """A positive number of seconds from the environment variable `name`, else `default`."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise StorageError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def connect_seconds() -> float:
    """libpq counts whole seconds, and at least 2."""
    return max(2, math.ceil(env_seconds(CONNECT_TIMEOUT_ENV, DEFAULT_CONNECT_TIMEOUT_S)))


def statement_seconds() -> float:
    return env_seconds(STATEMENT_TIMEOUT_ENV, DEFAULT_STATEMENT_TIMEOUT_S)


def postgres_connect_args(query: dict[str, Any]) -> dict[str, Any]:
    """psycopg connection parameters for these timeouts. What the URL's own query sets
    (`?connect_timeout=30`) is kept; a URL's `options` come after the statement timeout,
    so theirs wins."""
    statement_ms = max(1, round(statement_seconds() * 1000))
    timeout = f"-c statement_timeout={statement_ms}"
    given = query.get("options")
    wanted: dict[str, Any] = {
        "connect_timeout": connect_seconds(),
        "options": f"{timeout} {given}" if isinstance(given, str) else timeout,
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_S,
        "keepalives_interval": KEEPALIVE_S,
        "keepalives_count": KEEPALIVE_PROBES,
        "tcp_user_timeout": statement_ms,
    }
    return {key: value for key, value in wanted.items() if key == "options" or key not in query}
