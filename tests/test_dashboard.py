"""`autolr dashboard` serves optuna-dashboard on the study storage, on loopback."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from pathlib import Path

import optuna

from tests.helpers import AutolrProcess


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
