"""Signals: SIGTERM handled like Ctrl-C, signals held back while a result is recorded,
and --jobs workers that stop when their parent dies, however it dies."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from autolr.errors import Terminated

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL_SECONDS = 1.0


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def terminate_as_interrupt() -> None:
    """SIGTERM raises `Terminated` (a KeyboardInterrupt) in the main thread, so every
    place that cleans up after Ctrl-C cleans up after SIGTERM too."""
    signal.signal(signal.SIGTERM, _raise_terminated)


@contextlib.contextmanager
def held(*signals: signal.Signals) -> Iterator[None]:
    """Hold `signals` back for the moment it takes to record a trial's end (or create
    one and note it), then deliver them. (Ignoring them instead would lose a SIGTERM,
    and with it the worker's only word that its parent is gone.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, _: arrived.append(signum)) for sig in signals
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if arrived:
            signal.raise_signal(arrived[0])


def die_with_parent(parent_pid: int) -> None:
    """Get SIGTERM when the process that started this one exits, even by SIGKILL.

    Linux's PR_SET_PDEATHSIG does it in the kernel; elsewhere, or if it cannot be set, a
    thread watches the parent's pid. Either way a parent already gone by now counts.
    """
    if sys.platform.startswith("linux") and _set_parent_death_signal(signal.SIGTERM):
        if os.getppid() != parent_pid:  # it died before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)
        return
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _set_parent_death_signal(sig: int) -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    stop = threading.Event()
    while os.getppid() == parent_pid:
        stop.wait(PARENT_POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
