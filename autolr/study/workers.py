"""`--jobs N`: run N worker processes on one study and watch them.

Processes, not threads: each training framework keeps its own thread pools, and a
process per worker is also exactly what a user starts by hand on other machines.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import IO

from autolr.config import THREADS_ENV, WORKER_INDEX_ENV


def run_workers(
    arguments: Sequence[str],
    jobs: int,
    poll: Callable[[], None],
    env: dict[str, str] | None = None,
    poll_seconds: float = 1.0,
) -> list[tuple[int, str]]:
    """Start `jobs` copies of `autolr <arguments>` (with `env` added to the environment);
    return each one's exit code and last stderr line."""
    with contextlib.ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile(mode="w+")) for _ in range(jobs)]
        return _supervise(arguments, logs, poll, env or {}, poll_seconds)


def _supervise(
    arguments: Sequence[str],
    logs: Sequence[IO[str]],
    poll: Callable[[], None],
    extra_env: dict[str, str],
    poll_seconds: float,
) -> list[tuple[int, str]]:
    threads = max(1, (os.cpu_count() or 1) // len(logs))
    processes = []
    try:
        for index, log in enumerate(logs):
            env = {
                **os.environ,
                **extra_env,
                THREADS_ENV: str(threads),
                WORKER_INDEX_ENV: str(index),
            }
            # A session of their own: Ctrl-C reaches only this process, which passes it
            # on exactly once, so a worker is never interrupted while recording a result.
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "autolr", *arguments],
                    env=env,
                    stderr=log,
                    stdout=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        while any(p.poll() is None for p in processes):
            _poll_quietly(poll)
            time.sleep(poll_seconds)
    except KeyboardInterrupt:
        _stop(processes, signal.SIGINT, grace_seconds=60)
        raise
    finally:
        _stop(processes, signal.SIGTERM, grace_seconds=10)  # never leave workers behind
    _poll_quietly(poll)
    results = []
    for process, log in zip(processes, logs, strict=True):
        log.seek(0)
        lines = [line.strip() for line in log.read().splitlines() if line.strip()]
        results.append((process.returncode, lines[-1] if lines else ""))
    return results


def _poll_quietly(poll: Callable[[], None]) -> None:
    """Progress is a nicety: a failed look at the study must not stop the supervision."""
    with contextlib.suppress(Exception):
        poll()


def _stop(processes: Sequence[subprocess.Popen[bytes]], sig: int, grace_seconds: float) -> None:
    """Send `sig` to workers still running, wait for them, kill stragglers."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        process.send_signal(sig)
    for process in running:
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
