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

from autolr.config import PARENT_ENV, THREADS_ENV, WORKER_INDEX_ENV
from autolr.errors import Terminated, note_failed_on_interrupt


def run_workers(
    arguments: Sequence[str],
    jobs: int,
    poll: Callable[[], None],
    env: dict[str, str] | None = None,
    poll_seconds: float = 1.0,
) -> list[tuple[int, str]]:
    """Start `jobs` copies of `autolr <arguments>` (with `env` added to the environment);
    return each one's exit code and its last error line (or last line)."""
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
                PARENT_ENV: str(os.getpid()),  # workers stop if this process is killed
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
    except KeyboardInterrupt as exc:
        # Pass on what arrived: the workers report SIGTERM as such, too.
        sig = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
        running = sum(p.poll() is None for p in processes)
        _stop(processes, sig, grace_seconds=60)
        if running:
            note_failed_on_interrupt(exc, f"the running trials of its {running} workers are")
        raise
    finally:
        _stop(processes, signal.SIGTERM, grace_seconds=10)  # never leave workers behind
    _poll_quietly(poll)
    results = []
    for process, log in zip(processes, logs, strict=True):
        log.seek(0)
        lines = [line.strip() for line in log.read().splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        results.append((process.returncode, (errors or lines or [""])[-1]))
    return results


def describe_exit(code: int, line: str) -> str:
    """What happened to a worker, in words: `killed by SIGKILL`, `exit 1: error: ...`."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit {code}" + (f": {line}" if line else "")


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
