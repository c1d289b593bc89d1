"""A PostgreSQL server that never answers costs seconds, not minutes: a real socket that
accepts connections and says nothing, and a real server whose table a session keeps
locked."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy

from autolr.store.timeouts import postgres_connect_args
from tests.helpers import assert_clean_error, invoke


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port where connections are accepted (by the kernel and by this thread) and
    never answered; its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


@pytest.mark.parametrize(
    "command",
    [["studies"], ["best", "--study", "x"], ["tune", "--study", "x", "--sampler", "grid"]],
    ids=["reader", "best", "writer"],
)
def test_a_server_that_never_answers_is_named_within_the_connect_timeout(
    silent_server: int, command: list[str]
) -> None:
    url = f"postgresql://autolr:top-secret-9@127.0.0.1:{silent_server}/studies"
    started = time.monotonic()
    result = invoke(*command, "--storage", url, env={"AUTOLR_CONNECT_TIMEOUT": "2"})
    waited = time.monotonic() - started
    assert_clean_error(
        result,
        f"no answer from postgresql://***@127.0.0.1:{silent_server}/studies within 2 s of "
        "connecting (AUTOLR_CONNECT_TIMEOUT sets the wait)",
    )
    assert "top-secret-9" not in result.output
    assert 1.5 < waited < 10, waited  # it waited for the server, once, then gave up


def test_a_statement_stuck_behind_a_lock_is_cut_by_the_statement_timeout(
    postgres_url: str,
) -> None:
    assert invoke("studies", "--storage", postgres_url).exit_code in (0, 1)  # tables exist
    engine = sqlalchemy.create_engine(postgres_url, poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as holder:
        holder.execute(sqlalchemy.text("LOCK TABLE studies IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        result = invoke("studies", "--storage", postgres_url, env={"AUTOLR_STATEMENT_TIMEOUT": "1"})
        waited = time.monotonic() - started
        holder.rollback()
    assert_clean_error(result, "within 1 s of a statement (AUTOLR_STATEMENT_TIMEOUT sets the wait)")
    assert sqlalchemy.make_url(postgres_url).password not in result.output
    assert waited < 10, waited


def test_a_urls_own_connection_settings_are_kept() -> None:
    args = postgres_connect_args({"connect_timeout": "30", "options": "-c search_path=lab"})
    assert "connect_timeout" not in args  # the URL's 30 s stands
    assert args["options"] == "-c statement_timeout=60000 -c search_path=lab"
    assert postgres_connect_args({})["connect_timeout"] == 10
