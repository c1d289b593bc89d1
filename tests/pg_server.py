"""Start a throwaway PostgreSQL server from the Debian packages' binaries.

Used by the test fixture (one server per test session) and by .ci/run. When run as root
the server runs as the `postgres` user, since PostgreSQL refuses to run as root.

    python -m tests.pg_server start DIR   # prints the URL, leaves the server running
    python -m tests.pg_server stop DIR
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

USER = "autolr"
PASSWORD = "pg-Secret-9z"  # tests assert this string never appears in any output
DATABASE = "autolr"
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


def start(directory: Path, fsync: bool = False) -> str:
    """Start a server in `directory`; returns its URL. `fsync=False` (tests) trades
    durability for speed; benchmarks of writes keep it on, as a real server has it."""
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
    _run(
        [str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE],
        env={**os.environ, "PGPASSWORD": PASSWORD},
    )
    return f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{port}/{DATABASE}"


def stop(directory: Path) -> None:
    _run([str(bin_dir() / "pg_ctl"), "-D", str(directory / "data"), "-m", "immediate", "stop"])


if __name__ == "__main__":
    command, where = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        print(start(where))
    else:
        stop(where)
