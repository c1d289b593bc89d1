"""The trainer suite again under the JAX backend (Keras 3 API only: the same code runs)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_trainer_suite_passes_under_jax() -> None:
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    run = subprocess.run(
        # Bit-for-bit repeatability is promised for TensorFlow on CPU only.
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/trainer",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not tensorflow_determinism",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout
    assert "2 deselected" in run.stdout
