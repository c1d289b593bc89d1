"""The throwaway PostgreSQL server never outlives the test run that started it, even a
run killed with SIGKILL (its watchdog stops the server and removes its folder)."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from tests import pg_server
from tests.helpers import wait_gone

HOLDER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from tests import pg_server

    print(pg_server.start(Path(sys.argv[1]), watch_pid=os.getpid()), flush=True)
    sys.stdin.read()  # hold the server until killed
    """
)


def test_a_killed_run_leaves_no_server_behind() -> None:
    directory = Path(tempfile.mkdtemp(prefix="autolr-pg-test-"))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(directory)],
        cwd=pg_server.REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().startswith("postgresql+psycopg://")
        postmaster = int((directory / "data" / "postmaster.pid").read_text().split()[0])
        watchdog = int((directory / pg_server.WATCHDOG_PID).read_text())
        holder.send_signal(signal.SIGKILL)  # no atexit, no finally: only the watchdog
        assert holder.wait(timeout=30) == -signal.SIGKILL
        assert wait_gone(postmaster, timeout=60), "the server outlived the killed run"
        assert wait_gone(watchdog, timeout=60)
        assert not directory.exists()
    finally:
        if holder.poll() is None:
            holder.kill()
        if directory.exists():
            pg_server.stop(directory)
