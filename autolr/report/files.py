"""Every report file is written whole or not at all.

A file is written to a temporary name in its own folder, flushed to disk, then renamed
into place (a rename within one file system is atomic): a full disk or a kill midway
leaves the previous file, or none, under the final name, never a truncated one. The one
copy of plotly.js a folder's pages share is checked against the one plotly ships (size,
then SHA-256) before it is reused, so a copy truncated by an earlier failure is replaced.
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from plotly.offline import get_plotlyjs

PLOTLY_JS = "plotly.min.js"  # one copy per report folder, shared by every page


def write_with(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Let `write` fill a temporary file beside `path`, then rename it to `path`."""
    temporary = _temporary_name(path)
    # Created as open() would create it (0666 less the umask; mkstemp's would be 0600).
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())  # a full disk can surface only here (delayed allocation)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _temporary_name(path: Path) -> Path:
    """A fresh dot name beside `path`: no page links to it, no two writers share it."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")


def write_bytes(path: Path, data: bytes) -> Path:
    return write_with(path, lambda handle: handle.write(data))


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


@functools.cache
def _shipped_plotly_js() -> tuple[bytes, str]:
    """The plotly.js bundle of the installed plotly, and its SHA-256."""
    data = get_plotlyjs().encode("utf-8")
    return data, hashlib.sha256(data).hexdigest()


def _is_shipped_plotly_js(path: Path) -> bool:
    data, digest = _shipped_plotly_js()
    try:
        if path.stat().st_size != len(data):
            return False
        return hashlib.sha256(path.read_bytes()).hexdigest() == digest
    except FileNotFoundError:
        return False


def ensure_plotly_js(folder: Path) -> Path:
    """`folder`/plotly.min.js, written unless the one there is plotly's own, byte for byte."""
    path = folder / PLOTLY_JS
    if not _is_shipped_plotly_js(path):
        write_bytes(path, _shipped_plotly_js()[0])
    return path
