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
