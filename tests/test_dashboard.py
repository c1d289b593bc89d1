"""`autolr dashboard` serves optuna-dashboard on the study storage, on loopback."""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.request
from pathlib import Path

import optuna

from tests.helpers import AutolrProcess, assert_clean_error, invoke


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, deadline: float) -> bytes:
    """GET, retrying while the server is still starting (bounded by `deadline`)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_dashboard_serves_the_studies_of_the_storage(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path}/dash.db"
    optuna.create_study(study_name="shown", storage=storage).optimize(
        lambda trial: trial.suggest_float("x", 0, 1), n_trials=2
    )
    port = _free_port()
    server = AutolrProcess(["dashboard", "--storage", storage, "--port", str(port)], tmp_path)
    try:
        server.wait_for(rf"at http://127\.0\.0\.1:{port}/")
        body = _get(f"http://127.0.0.1:{port}/api/studies", time.monotonic() + 60)
        names = [s["study_name"] for s in json.loads(body)["study_summaries"]]
        assert names == ["shown"]
    finally:
        server.process.terminate()
        server.finish(timeout=30)


def test_a_port_in_use_is_one_line_and_nothing_is_announced(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path}/dash.db"
    optuna.create_study(study_name="shown", storage=storage)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("dashboard", "--storage", storage, "--port", str(port))
    assert_clean_error(result, f"cannot serve on 127.0.0.1:{port}: Address already in use")
    assert "http://" not in result.output and "Listening" not in result.output


def test_the_first_ctrl_c_stops_it_even_during_a_response(tmp_path: Path) -> None:
    """A client is mid-way through a large download (it stopped reading, so the server is
    blocked writing) when Ctrl-C arrives: the server stops at once, without a traceback."""
    storage = f"sqlite:///{tmp_path}/dash.db"
    optuna.create_study(study_name="shown", storage=storage)
    port = _free_port()
    server = AutolrProcess(["dashboard", "--storage", storage, "--port", str(port)], tmp_path)
    try:
        server.wait_for(rf"at http://127\.0\.0\.1:{port}/")
        _get(f"http://127.0.0.1:{port}/api/studies", time.monotonic() + 60)
        with socket.socket() as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.connect(("127.0.0.1", port))
            client.sendall(b"GET /static/bundle.js HTTP/1.0\r\nAccept-Encoding: identity\r\n\r\n")
            assert client.recv(1024).startswith(b"HTTP/1.0 200")  # the response has begun
            server.process.send_signal(signal.SIGINT)
            assert server.finish(timeout=30) == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.finish(timeout=30)
    assert server.lines[-1] == "dashboard stopped", server.output
    assert "Traceback" not in server.output
