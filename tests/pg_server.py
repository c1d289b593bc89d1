"""Start a throwaway PostgreSQL server from the Debian packages' binaries.

Used by the test fixture (one server per test session) and by .ci/run. When run as root
the server runs as the `postgres` user, since PostgreSQL refuses to run as root.

A server started for a process is never left behind by it: a small watchdog process, in
a session of its own (Ctrl-C on the terminal does not reach it), waits for that process
to end, however it ends (SIGKILL included), then stops the server and removes DIR.

    python -m tests.pg_server start DIR [--watch PID]  # prints the URL; stops with PID
    python -m tests.pg_server stop DIR
"""

from __future__ import annotations

import contextlib
import glob
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

USER = "autolr"
PASSWORD = "pg-Secret-9z"  # tests assert this string never appears in any output
DATABASE = "autolr"
REPO = Path(__file__).resolve().parents[1]
WATCHDOG_PID = "watchdog.pid"
MAX_CONNECTIONS = 200


def bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if candidates:
        return Path(candidates[-1])
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise RuntimeError("PostgreSQL binaries not found: install the Debian package 'postgresql'")


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(directory: Path, watch_pid: int | None = None, fsync: bool = False) -> str:
    """Start a server in `directory`; with `watch_pid`, it is stopped (and `directory`
    removed) as soon as that process ends. `fsync=False` (tests) trades durability for
    speed; benchmarks of writes keep it on, as a real server has it."""
    directory.mkdir(parents=True, exist_ok=True)
    data, sockets = directory / "data", directory / "sockets"
    sockets.mkdir(exist_ok=True)
    password_file = directory / "pw"
    password_file.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        os.chmod(directory, 0o755)
        shutil.chown(directory, "postgres")
        shutil.chown(sockets, "postgres")
        shutil.chown(password_file, "postgres")
        os.chmod(directory, 0o755)
    binaries = bin_dir()
    _run(
        [
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            "--auth=scram-sha-256",
            f"--pwfile={password_file}",
            "-E",
            "UTF8",
            "--no-sync",
        ]
    )
    port = _free_port()
    # Room for 32 benchmark workers of 3 connections each (the default is 100).
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync={'on' if fsync else 'off'} "
        f"-c max_connections={MAX_CONNECTIONS}"
    )
    _run(
        [
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(directory / "server.log"),
            "-w",
            "start",
        ]
    )
    (directory / "port").write_text(str(port))
    if watch_pid is not None:
        _start_watchdog(directory, watch_pid)
    _run(
        [str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE],
        env={**os.environ, "PGPASSWORD": PASSWORD},
    )
    return f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{port}/{DATABASE}"


def stop(directory: Path) -> None:
    """Stop the server (and its watchdog: nothing is left to watch)."""
    watchdog = directory / WATCHDOG_PID
    if watchdog.is_file():
        pid = int(watchdog.read_text())
        if pid != os.getpid():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        watchdog.unlink(missing_ok=True)
    _run([str(bin_dir() / "pg_ctl"), "-D", str(directory / "data"), "-m", "immediate", "stop"])


def _start_watchdog(directory: Path, watch_pid: int) -> None:
    watchdog = subprocess.Popen(
        [sys.executable, "-m", "tests.pg_server", "watch", str(directory), str(watch_pid)],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal does not reach it
    )
    (directory / WATCHDOG_PID).write_text(str(watchdog.pid))


def watch(directory: Path, pid: int) -> None:
    """Wait for process `pid` to end, then stop the server and remove `directory`."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        handle = None  # gone already
    except OSError:  # no pidfd (Linux before 5.3): look once a second
        handle = None
        while _alive(pid):
            time.sleep(1)
    if handle is not None:
        select.select([handle], [], [])  # readable when the process has exited
        os.close(handle)
    with contextlib.suppress(Exception):
        stop(directory)
    shutil.rmtree(directory, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    command, where = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        watched = int(sys.argv[4]) if sys.argv[3:4] == ["--watch"] else None
        print(start(where, watch_pid=watched))
    elif command == "watch":
        watch(where, int(sys.argv[3]))
    else:
        stop(where)
