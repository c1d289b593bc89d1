"""`autolr dashboard` serves optuna-dashboard on the study storage, on loopback."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import optuna
import pytest

from autolr.answers.results import best_reached
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


# -- a real browser ---------------------------------------------------------------------
BROWSER = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
# Headless, and nothing that reaches outside this machine.
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def rendered(url: str, profile: Path) -> str:
    """The page's DOM once optuna-dashboard's React app has fetched and drawn the study
    (virtual time runs until the page is idle or the budget is spent)."""
    done = subprocess.run(
        [
            BROWSER,
            *BROWSER_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return done.stdout


# A link in the dashboard's side menu: (href, its text).
MENU_LINK = re.compile(r'<a[^>]*href="(/dashboard/studies/[^"]*)"[^>]*>(?:<[^>]*>)*([A-Za-z]+)<')


@pytest.mark.skipif(
    BROWSER is None, reason="no Chromium here: install the Debian package chromium (.ci/run does)"
)
def test_a_browser_sees_the_metric_autolr_best_and_autolrs_figures(
    mixed_study: tuple[str, str], tmp_path: Path
) -> None:
    source = Path(mixed_study[0].removeprefix("sqlite:///"))
    shutil.copy(source, tmp_path / "mixed.db")
    storage = f"sqlite:///{tmp_path}/mixed.db"
    assert (
        invoke(
            "report", "--study", "mixed", "--storage", storage, "--out", str(tmp_path / "report")
        ).exit_code
        == 0
    )
    answer = json.loads(invoke("best", "--study", "mixed", "--storage", storage, "--json").stdout)
    study = optuna.load_study(study_name="mixed", storage=storage)
    best = best_reached(study.get_trials())
    assert best is not None and best.params["learning_rate"] == answer["learning_rate"]
    port = _free_port()
    server = AutolrProcess(["dashboard", "--storage", storage, "--port", str(port)], tmp_path)
    try:
        server.wait_for(rf"at http://127\.0\.0\.1:{port}/")
        listing = json.loads(_get(f"http://127.0.0.1:{port}/api/studies", time.monotonic() + 60))
        (study_id,) = [s["study_id"] for s in listing["study_summaries"]]
        page = rendered(f"http://127.0.0.1:{port}/dashboard/studies/{study_id}", tmp_path / "a")
        note = rendered(
            f"http://127.0.0.1:{port}/dashboard/studies/{study_id}/note", tmp_path / "b"
        )
        # The page the note sends a reader to, found by its name in the dashboard's menu.
        named = re.search(r"autolr's figures \(on the study's (\w+) page", note)
        assert named is not None, note
        menu = dict((text, href) for href, text in MENU_LINK.findall(page))
        pointed = menu[named.group(1)]
        other = rendered(f"http://127.0.0.1:{port}{menu['Analytics']}", tmp_path / "c")
    finally:
        server.process.terminate()
        server.finish(timeout=30)
    # The figures are on the page the note names (the History page) and not on Analytics.
    assert pointed == f"/dashboard/studies/{study_id}"
    assert 'id="user-defined-plot:autolr-bands"' not in other
    # The Best Trial's value carries the tie-break: the note says how to read it.
    assert f"read {best.value!r} (trial {best.number}) as {int(best.value)} steps" in note
    # The objective's name on the history plot, not "Objective 0".
    assert "steps to 90% train accuracy (over 150: not reached)" in page
    assert "Objective 0" not in page
    # The Best Trial card is `autolr best`'s configuration.
    assert f"Best Trial (number={best.number})" in page
    assert f"learning_rate: {answer['learning_rate']}" in page
    assert f"optimizer: {answer['optimizer']}" in page
    # The study says what it is, and autolr's figures and answer are inside it.
    assert "random search (prior: none)" in page
    for name in ("time_to_target", "bands"):
        assert f'id="user-defined-plot:autolr-{name}"' in page
    assert "autolr-envelope" not in page  # nothing to compare: no card at all
    assert f"autolr best: {answer['optimizer']} at learning rate" in note
