"""Training data: MNIST from a file the user names, the Keras cache, or Keras's download;
or a user's own `module:function`.

Arrays are loaded once per process (cached by `DataSpec`) and handed to the trainer as
numpy; the trainer moves them to the device once.
"""

from __future__ import annotations

import functools
import os
import socket
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autolr.config import DataSpec
from autolr.errors import DataError
from autolr.importing import load_callable

MNIST_ENV = "AUTOLR_MNIST"
MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
HOW_TO_SUPPLY = f"download mnist.npz (Keras layout) and pass --data PATH or set {MNIST_ENV}=PATH"


@dataclass(frozen=True, eq=False)
class Dataset:
    """Training and validation arrays, ready to train on (float32 images, int32 labels)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    name: str

    @property
    def num_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_val.max())) + 1

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.x_train.shape[1:])


def keras_cache_path() -> Path:
    """Where `keras.datasets.mnist.load_data()` keeps its download."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "mnist.npz"


@functools.lru_cache(maxsize=4)
def load_dataset(spec: DataSpec) -> Dataset:
    """Load the data a `DataSpec` names, subset to `train_size` (first N examples)."""
    dataset = _from_user_function(spec.data_fn) if spec.data_fn is not None else _mnist(spec.path)
    if spec.train_size is not None:
        if spec.train_size > len(dataset.x_train):
            raise DataError(
                f"--train-size {spec.train_size} exceeds the {len(dataset.x_train)} "
                "training examples available"
            )
        dataset = Dataset(
            dataset.x_train[: spec.train_size],
            dataset.y_train[: spec.train_size],
            dataset.x_val,
            dataset.y_val,
            f"{dataset.name}[:{spec.train_size}]",
        )
    return dataset


def _mnist(explicit_path: str | None) -> Dataset:
    path = explicit_path or os.environ.get(MNIST_ENV)
    if path:
        if not Path(path).is_file():
            raise DataError(f"MNIST file not found: {path} ({HOW_TO_SUPPLY})")
        return _read_mnist_npz(Path(path))
    cached = keras_cache_path()
    if cached.is_file():
        return _read_mnist_npz(cached)
    return _download_mnist()


def _read_mnist_npz(path: Path) -> Dataset:
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in MNIST_KEYS if k not in archive.files]
            if missing:
                raise DataError(
                    f"{path} is not a Keras-layout mnist.npz: missing {', '.join(missing)}"
                )
            arrays = {k: archive[k] for k in MNIST_KEYS}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"cannot read MNIST file {path}: {exc}") from exc
    return _prepare_mnist(arrays, name="mnist")


def _download_mnist() -> Dataset:
    import keras  # imported here: only this fallback needs it

    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(
            f"no MNIST file given and the download failed ({reason}); {HOW_TO_SUPPLY}"
        ) from exc
    finally:
        socket.setdefaulttimeout(previous_timeout)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    return _prepare_mnist(arrays, name="mnist")


def _prepare_mnist(arrays: dict[str, np.ndarray], name: str) -> Dataset:
    """Scale images to [0, 1] and add the channel axis the CNN expects."""
    for key in ("x_train", "x_test"):
        if arrays[key].ndim != 3:
            raise DataError(f"MNIST {key} should be (N, 28, 28), got {arrays[key].shape}")
    return Dataset(
        x_train=(arrays["x_train"].astype(np.float32) / 255.0)[..., None],
        y_train=arrays["y_train"].astype(np.int32),
        x_val=(arrays["x_test"].astype(np.float32) / 255.0)[..., None],
        y_val=arrays["y_test"].astype(np.int32),
        name=name,
    )


def _from_user_function(reference: str) -> Dataset:
    function = load_callable(reference, "--data-fn")
    try:
        result = function()
    except Exception as exc:
        raise DataError(f"--data-fn {reference!r} raised {type(exc).__name__}: {exc}") from exc
    if not (isinstance(result, tuple | list) and len(result) == 4):
        raise DataError(f"--data-fn {reference!r} must return (x_train, y_train, x_val, y_val)")
    x_train, y_train, x_val, y_val = (np.asarray(a) for a in result)
    for x, y, split in ((x_train, y_train, "train"), (x_val, y_val, "val")):
        if len(x) != len(y) or len(x) == 0:
            raise DataError(
                f"--data-fn {reference!r}: x_{split} and y_{split} must be non-empty "
                f"and of equal length, got {len(x)} and {len(y)}"
            )
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"--data-fn {reference!r}: y_{split} must be 1-D integer labels")
    return Dataset(
        x_train.astype(np.float32),
        y_train.astype(np.int32),
        x_val.astype(np.float32),
        y_val.astype(np.int32),
        name=reference,
    )
