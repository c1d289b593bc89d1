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
    for index, log in enumerate(logs):
        env = {**os.environ, **extra_env, THREADS_ENV: str(threads), WORKER_INDEX_ENV: str(index)}
        command = [sys.executable, "-m", "autolr", *arguments]
        processes.append(
            (subprocess.Popen(command, env=env, stderr=log, stdout=subprocess.DEVNULL), log)
        )
    try:
        while any(p.poll() is None for p, _ in processes):
            poll()
            time.sleep(poll_seconds)
    except KeyboardInterrupt:
        # The terminal sent SIGINT to the whole process group; give workers time to
        # mark their running trials failed, then make sure they are gone.
        for process, _ in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process, _ in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        raise
    poll()
    results = []
    for process, log in processes:
        log.seek(0)
        lines = [line.strip() for line in log.read().splitlines() if line.strip()]
        results.append((process.returncode, lines[-1] if lines else ""))
    return results
