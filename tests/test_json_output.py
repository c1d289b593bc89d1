"""`--json` prints JSON and nothing else on stdout, in a real process, even when something
else writes to stdout meanwhile: Keras (a model's summary), a native library (file
descriptor 1), a framework's progress line. Those go to stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# A user's model that talks: Keras's summary and a print on sys.stdout, and a write to
# file descriptor 1 as a native library's would be (below Python's sys.stdout).
NOISY_MODEL = """
import os

import keras


def build(scale: float = 1.0):
    model = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    model.summary()
    print("Downloading data from https://example.org/mnist.npz", flush=True)
    os.write(1, b"native: a line on file descriptor 1\\n")
    return model
"""
# A storage layer that talks while it reads, as a framework's progress line would.
NOISY_STORAGE = """
import os

import optuna.storages

_read = optuna.storages.RDBStorage.get_all_studies


def _noisy(self, *args, **kwargs):
    print("progress: reading studies", flush=True)
    os.write(1, b"native: a line on file descriptor 1\\n")
    return _read(self, *args, **kwargs)


optuna.storages.RDBStorage.get_all_studies = _noisy
"""
STRAY = ("Downloading data", "native: a line", "progress: reading")


def _run(args: list[str], tmp_path: Path, extra_path: Path) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(p for p in (str(extra_path), os.environ.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "autolr", *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _json_only(done: subprocess.CompletedProcess[str]) -> object:
    """stdout parses as one JSON document; what else was written is on stderr."""
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert any(line in done.stderr for line in STRAY), done.stderr
    return answer


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_train_and_find_print_only_json_while_keras_and_native_code_talk(
    tmp_path: Path, mnist: str
) -> None:
    (tmp_path / "noisy_model.py").write_text(NOISY_MODEL)
    data = ["--model", "noisy_model:build", "--data", mnist, "--train-size", "500"]
    train = ["train", "--optimizer", "adam", "--lr", "0.01", "--max-steps", "50"]
    trained = _run([*train, "--target", "0.5", *data, "--json"], tmp_path, tmp_path)
    assert _json_only(trained)["optimizer"] == "adam"  # type: ignore[index]
    storage = f"sqlite:///{tmp_path}/noisy.db"
    find = ["find", "--study", "noisy", "--storage", storage, "--optimizers", "adam"]
    found = _run([*find, "--find-steps", "20", *data, "--json", "--quiet"], tmp_path, tmp_path)
    assert _json_only(found)["find_study"] == "noisy-find"  # type: ignore[index]


def test_best_and_studies_print_only_json_while_the_storage_talks(
    tmp_path: Path, mixed_study: tuple[str, str]
) -> None:
    shim = tmp_path / "site"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(NOISY_STORAGE)
    url, name = mixed_study
    best = _run(["best", "--study", name, "--storage", url, "--json"], tmp_path, shim)
    assert _json_only(best)["optimizer"] == "adam"  # type: ignore[index]
    listed = _run(["studies", "--storage", url, "--json"], tmp_path, shim)
    assert [row["study"] for row in _json_only(listed)] == [name]  # type: ignore[union-attr]
    # A failure is still JSON, and the error line stays on stderr.
    missing = _run(["best", "--study", "nope", "--storage", url, "--json"], tmp_path, shim)
    assert missing.returncode == 1
    assert "no study named 'nope'" in json.loads(missing.stdout)["error"]
