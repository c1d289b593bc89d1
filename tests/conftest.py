"""Shared test fixtures: the real MNIST file and small, fast settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"


def mnist_path() -> str:
    """The real MNIST file: AUTOLR_MNIST, else ../shared/data/mnist.npz beside the repo."""
    path = Path(os.environ.get("AUTOLR_MNIST") or DEFAULT_MNIST)
    if not path.is_file():
        raise pytest.UsageError(
            f"MNIST not found at {path}: set AUTOLR_MNIST to a Keras-layout mnist.npz"
        )
    return str(path)


@pytest.fixture(scope="session")
def mnist() -> str:
    return mnist_path()


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server: AUTOLR_TEST_POSTGRES_URL (.ci/run starts one), else one
    started here from the Debian package's binaries for this session."""
    import shutil
    import tempfile

    from tests import pg_server

    given = os.environ.get("AUTOLR_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    # Not under pytest's private tmp dir: as root, the server runs as `postgres`.
    directory = Path(tempfile.mkdtemp(prefix="autolr-pg-"))
    # Watched: if this run is killed (even by SIGKILL), the server stops with it.
    url = pg_server.start(directory, watch_pid=os.getpid())
    try:
        yield url
    finally:
        pg_server.stop(directory)
        shutil.rmtree(directory, ignore_errors=True)
