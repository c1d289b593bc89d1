"""Where the data comes from, in order:

1. `--data-fn module:function`, returning (x_train, y_train, x_val, y_val);
2. `--data PATH`: any Keras-layout .npz (x_train, y_train, x_test, y_test);
3. MNIST: `$AUTOLR_MNIST`, else Keras's cache (~/.keras/datasets/mnist.npz), else the copy
   of its first 10,000 training images shipped with autolr (when the study needs no
   more), else Keras's download. Offline with none of these, one line says how to
   supply the file.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import socket
import sys
import zipfile
from pathlib import Path

import numpy as np

from autolr.config import DataSpec
from autolr.data.arrays import Dataset, numeric, prepare
from autolr.errors import DataError
from autolr.importing import call_user_code, load_callable

MNIST_ENV = "AUTOLR_MNIST"
KERAS_KEYS = ("x_train", "y_train", "x_test", "y_test")
ZIP_MAGIC = b"PK\x03\x04"  # an .npz is a zip archive
HOW_TO_SUPPLY = f"download mnist.npz (Keras layout) and pass --data PATH or set {MNIST_ENV}=PATH"
SHIPPED = "mnist-10k.npz"  # autolr/datasets/: MNIST's first 10,000 training images
SHIPPED_TRAIN = 10_000


def keras_cache_path() -> Path:
    """Where `keras.datasets.mnist.load_data()` keeps its download."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "mnist.npz"


@functools.lru_cache(maxsize=4)
def load_dataset(spec: DataSpec) -> Dataset:
    """Load the data a `DataSpec` names, subset to `train_size` (first N examples)."""
    if spec.data_fn is not None:
        arrays, name, source, val = _from_user_function(spec.data_fn), spec.data_fn, None, "val"
    else:
        arrays, name, source = _file_arrays(spec)
        val = "test"
    what = source or f"--data-fn {spec.data_fn!r}"
    arrays = numeric(arrays, what, val)  # ragged or non-numeric data: said before sizes
    if spec.train_size is not None:
        available = len(arrays[0])
        if spec.train_size > available:
            raise DataError(
                f"--train-size {spec.train_size} exceeds the {available} training examples "
                f"available ({what})"
            )
        arrays = (arrays[0][: spec.train_size], arrays[1][: spec.train_size], *arrays[2:])
        name = f"{name}[:{spec.train_size}]"
    return prepare(arrays, name, what, spec.task, val)


Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _file_arrays(spec: DataSpec) -> tuple[Arrays, str, str]:
    """(arrays, name, how to name the source in messages) of a Keras-layout file."""
    if spec.path is not None:
        if not spec.path.strip():
            raise DataError("--data is empty: give the path of a Keras-layout .npz file")
        path = Path(spec.path).expanduser()
        return _read_npz(path, "--data"), path.stem, f"data file {path}"
    env = os.environ.get(MNIST_ENV)
    if env:
        return _read_npz(Path(env), MNIST_ENV), "mnist", f"MNIST file {env}"
    cached = keras_cache_path()
    if cached.is_file():
        return _read_npz(cached, "the Keras cache"), "mnist", f"MNIST file {cached}"
    if spec.train_size is not None and spec.train_size <= SHIPPED_TRAIN:
        shipped = importlib.resources.files("autolr") / "datasets" / SHIPPED
        with importlib.resources.as_file(shipped) as path:
            arrays = _read_npz(path, "autolr's shipped copy")
        return arrays, "mnist", "MNIST (the 10,000 images shipped with autolr)"
    return _download_mnist(spec), "mnist", "downloaded MNIST"


def _read_npz(path: Path, given_by: str) -> Arrays:
    if path.is_dir():
        raise DataError(f"{given_by} names a folder, {path}: give a Keras-layout .npz file")
    if not path.is_file():
        raise DataError(f"data file not found: {path} ({given_by}; {HOW_TO_SUPPLY})")
    with path.open("rb") as handle:
        if handle.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
            # np.load would suggest allow_pickle=True for a text file: never do that.
            raise DataError(
                f"cannot read data file {path}: not an .npz archive (--data takes a "
                "Keras-layout .npz holding x_train, y_train, x_test, y_test)"
            )
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in KERAS_KEYS if k not in archive.files]
            if missing:
                raise DataError(f"{path} is not a Keras-layout .npz: missing {', '.join(missing)}")
            x_train, y_train, x_test, y_test = (archive[k] for k in KERAS_KEYS)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        reason = str(exc).split(" To load")[0]  # numpy's hint is about pickles: not for us
        raise DataError(f"cannot read data file {path}: {reason}") from exc
    return x_train, y_train, x_test, y_test


def _download_mnist(spec: DataSpec) -> Arrays:
    """Keras's download (11 MB, once): what a study of more than the shipped images needs.
    Keras reports it on stdout; it goes to stderr, so `--json` output stays JSON."""
    import contextlib

    import keras  # imported here: only this fallback needs it

    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        need = (
            f"{spec.train_size} training images"
            if spec.train_size is not None
            else "all 60,000 training images"
        )
        raise DataError(
            f"no MNIST file given and the download failed ({reason}); this study needs "
            f"{need}, more than the {SHIPPED_TRAIN:,} shipped with autolr: {HOW_TO_SUPPLY}"
        ) from exc
    finally:
        socket.setdefaulttimeout(previous_timeout)
    return x_train, y_train, x_test, y_test


def _from_user_function(reference: str) -> Arrays:
    function = load_callable(reference, "--data-fn")
    result = call_user_code(function, f"--data-fn {reference!r}", error=DataError)
    if not (isinstance(result, tuple | list) and len(result) == 4):
        raise DataError(f"--data-fn {reference!r} must return (x_train, y_train, x_val, y_val)")
    return tuple(result)
