"""Bad data and bad models are found before a study is created or touched: one line on
stderr, exit 1, nothing stored, no framework chatter."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import optuna
import pytest

from autolr.data import load_dataset
from tests.helpers import assert_clean_error, invoke, small_grid_args

MODELS = """
import keras  # imported at the top, as users do: its start-up output must stay hidden

def raises():
    raise RuntimeError("boom")

def not_a_model():
    return {"layers": 3}

def three_classes():
    return keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(3)])

def colour_images():
    inputs = keras.Input((32, 32, 3))
    return keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs)))
"""

DATA = """
import numpy as np

def _images(n, side=8):
    return np.random.default_rng(0).random((n, side, side, 1), dtype=np.float32)

def wide_labels():
    y = np.arange(-5, 195) % 900 - 5
    return _images(200), y, _images(50), np.zeros(50, dtype=int)

def mismatched_shapes():
    return _images(200, 12), np.zeros(200, int), _images(50, 10), np.zeros(50, int)
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOLR_STORAGE", raising=False)
    (tmp_path / "preflight_models.py").write_text(MODELS)
    (tmp_path / "preflight_data.py").write_text(DATA)
    load_dataset.cache_clear()
    yield tmp_path
    load_dataset.cache_clear()


def _mnist_like(path: Path, **changes: np.ndarray) -> str:
    """A small npz in Keras's MNIST layout, with some arrays replaced."""
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (300, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 300),
        "x_test": rng.integers(0, 256, (100, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 100),
    }
    arrays.update(changes)
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return str(path)


def _assert_nothing_stored(workdir: Path) -> None:
    database = workdir / "studies" / "autolr.db"
    assert not database.exists() or optuna.get_all_study_names(f"sqlite:///{database}") == []


def _tune(data: str, *extra: str):
    args = small_grid_args("checked", data, "--train-size", "100", *extra)
    args.remove("--train-size")
    args.remove("2000")
    if "--model" in extra:  # a user's model has one size: no --scale for it
        at = args.index("--scale")
        del args[at : at + 2]
    return invoke(*args)


def _nan_images() -> np.ndarray:
    x = np.random.default_rng(0).random((300, 28, 28)).astype(np.float32) * 255
    x[7, 3, 3] = np.nan
    x[9, 0, 0] = np.inf
    return x


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        (
            {"x_train": np.zeros((300, 5, 5), np.uint8), "x_test": np.zeros((100, 5, 5), np.uint8)},
            "images of 5x5 pixels are too small for the reference CNN (at least 10x10)",
        ),
        (
            {"x_train": _nan_images()},
            "x_train has 2 NaN or infinite values (the first in example 7",
        ),
        ({"y_test": np.zeros(90, int)}, "x_test has 100 examples but y_test has 90 labels"),
        (
            {"y_train": np.full(300, 2.5)},
            "y_train: labels must be integers in 0..C-1 (C classes); found 2.5 (float targets "
            "are --task regression)",
        ),
        ({"y_train": np.arange(300) * 3 - 5}, "y_train: labels must be integers in 0..C-1"),
        (
            {"y_test": np.arange(100) - 5},
            "y_test: labels must be integers in 0..C-1 (C classes); found -5",
        ),
    ],
)
def test_bad_mnist_files_are_refused_up_front(
    workdir: Path, changes: dict[str, np.ndarray], fragment: str
) -> None:
    result = _tune(_mnist_like(workdir / "mnist.npz", **changes))
    assert_clean_error(result, fragment)
    _assert_nothing_stored(workdir)


def test_a_text_file_as_data_never_suggests_unpickling(workdir: Path) -> None:
    text = workdir / "mnist.csv"
    text.write_text("label,pixel0\n5,0\n")
    result = _tune(str(text))
    assert_clean_error(result, f"cannot read data file {text}: not an .npz archive")
    assert "pickle" not in result.output
    _assert_nothing_stored(workdir)


@pytest.mark.parametrize(
    ("function", "fragment"),
    [
        ("wide_labels", "y_train: labels must be integers in 0..C-1 (C classes); found -5"),
        ("mismatched_shapes", "training examples are (12, 12, 1) but validation examples are"),
    ],
)
def test_bad_data_from_a_function_is_refused_up_front(
    workdir: Path, mnist: str, function: str, fragment: str
) -> None:
    assert_clean_error(_tune(mnist, "--data-fn", f"preflight_data:{function}"), fragment)
    _assert_nothing_stored(workdir)


@pytest.mark.parametrize(
    ("factory", "fragment"),
    [
        ("raises", "--model 'preflight_models:raises' raised RuntimeError: boom"),
        ("not_a_model", "must return a keras.Model, got dict"),
        ("three_classes", "it must output 10 values per example"),
        (
            "colour_images",
            "--model 'preflight_models:colour_images' cannot take this data's examples, "
            "shaped (28, 28, 1)",
        ),
    ],
)
def test_a_model_that_does_not_fit_is_found_before_the_study_exists(
    workdir: Path, mnist: str, factory: str, fragment: str
) -> None:
    assert_clean_error(_tune(mnist, "--model", f"preflight_models:{factory}"), fragment)
    _assert_nothing_stored(workdir)


def _run(args: list[str], cwd: Path, debug: bool) -> subprocess.Popen[str]:
    env = {**os.environ, "AUTOLR_STORAGE": ""}
    env.pop("AUTOLR_DEBUG", None)
    if debug:
        env["AUTOLR_DEBUG"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "autolr", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_framework_output_is_hidden_unless_debugging(workdir: Path) -> None:
    """A model module that imports Keras, and fails: the user sees one line. With
    AUTOLR_DEBUG=1 the framework's own start-up lines come back (so there was some)."""
    data = _mnist_like(workdir / "mnist.npz")
    args = small_grid_args("noisy", data, "--model", "preflight_models:colour_images")
    args[args.index("--train-size") + 1] = "100"
    at = args.index("--scale")  # a user's model has one size
    del args[at : at + 2]
    quiet, debug = _run(args, workdir, False), _run(args, workdir, True)
    quiet_err, debug_err = quiet.communicate(timeout=300)[1], debug.communicate(timeout=300)[1]
    expected = "cannot take this data's examples, shaped (28, 28, 1)"
    assert quiet.returncode == 1 and debug.returncode == 1
    lines = [line for line in quiet_err.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], quiet_err
    debug_lines = [line for line in debug_err.splitlines() if line.strip()]
    assert len(debug_lines) > 1 and expected in debug_lines[-1], debug_err
    _assert_nothing_stored(workdir)


def test_a_good_user_model_passes_the_check_and_trains(workdir: Path, mnist: str) -> None:
    (workdir / "preflight_good_models.py").write_text(
        textwrap.dedent(
            """
            import keras

            def small():
                return keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
            """
        )
    )
    result = _tune(mnist, "--model", "preflight_good_models:small", "--n-trials", "1")
    assert result.exit_code == 0, result.output


def test_train_checks_the_model_too(workdir: Path, mnist: str) -> None:
    result = invoke(
        "train", "--optimizer", "adam", "--lr", "0.01", "--data", mnist, "--train-size", "100",
        "--model", "preflight_models:colour_images",
    )  # fmt: skip
    assert_clean_error(result, "cannot take this data's examples, shaped (28, 28, 1)")
