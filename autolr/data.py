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
MNIST_CLASSES = 10
ZIP_MAGIC = b"PK\x03\x04"  # an .npz is a zip archive
HOW_TO_SUPPLY = f"download mnist.npz (Keras layout) and pass --data PATH or set {MNIST_ENV}=PATH"


@dataclass(frozen=True, eq=False)
class Dataset:
    """Training and validation arrays, ready to train on (float32 images, int32 labels)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    name: str
    classes: int | None = None  # known class count (MNIST: 10); else the largest label + 1

    @property
    def num_classes(self) -> int:
        if self.classes is not None:
            return self.classes
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
            dataset.classes,
        )
    return dataset


def check_dataset(data: Dataset, source: str, val: str = "val") -> None:
    """Refuse data that would train silently on nonsense or fail deep inside the framework:
    splits of unequal length, differently shaped images, non-finite pixels, labels that
    are not integers in 0..C-1. `source` names the data in the message, `val` the
    validation split (`test` in Keras's mnist.npz)."""
    splits = (("train", data.x_train, data.y_train), (val, data.x_val, data.y_val))
    for split, x, y in splits:
        if x.ndim < 2 or len(x) == 0:
            raise DataError(f"{source}: x_{split} must hold examples, got shape {x.shape}")
        if len(x) != len(y):
            raise DataError(
                f"{source}: x_{split} has {len(x)} examples but y_{split} has {len(y)} labels"
            )
        if y.ndim != 1:
            raise DataError(f"{source}: y_{split} must be 1-D labels, got shape {y.shape}")
    if data.x_train.shape[1:] != data.x_val.shape[1:]:
        raise DataError(
            f"{source}: training examples are {data.x_train.shape[1:]} but validation "
            f"examples are {data.x_val.shape[1:]}"
        )
    for split, x, _ in splits:
        _check_finite(source, split, x)
    for split, _, y in splits:
        _check_labels(y, data.classes, f"{source}: y_{split}")


def _check_finite(name: str, split: str, x: np.ndarray) -> None:
    if not np.issubdtype(x.dtype, np.floating):
        return  # integers (MNIST's uint8 pixels) are always finite
    finite = np.isfinite(x)
    if not finite.all():
        bad = x.size - int(np.count_nonzero(finite))
        first = int(np.argmin(finite.reshape(len(x), -1).all(axis=1)))
        raise DataError(
            f"{name}: x_{split} has {bad} NaN or infinite values (the first in example "
            f"{first}); training on them cannot mean anything"
        )


def _check_labels(y: np.ndarray, classes: int | None, where: str) -> None:
    """Integers (or floats holding integers) in 0..classes-1; `classes` None: any C."""
    span = "0..C-1 (C classes)" if classes is None else f"0..{classes - 1}"
    if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise DataError(f"{where}: labels must be integers in {span}; found {y.dtype} values")
    if y.dtype.kind == "f":
        fractional = ~np.isfinite(y) | (y != np.round(y))
        if fractional.any():
            found = y[np.argmax(fractional)]
            raise DataError(f"{where}: labels must be integers in {span}; found {found:g}")
    low, high = y.min(), y.max()
    if low < 0 or (classes is not None and high >= classes):
        found = low if low < 0 else high
        raise DataError(f"{where}: labels must be integers in {span}; found {found:g}")


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
    with path.open("rb") as handle:
        if handle.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
            # np.load would suggest allow_pickle=True for a text file: never do that.
            raise DataError(
                f"cannot read MNIST file {path}: not an .npz archive (--data takes Keras's "
                "mnist.npz, holding x_train, y_train, x_test, y_test)"
            )
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in MNIST_KEYS if k not in archive.files]
            if missing:
                raise DataError(
                    f"{path} is not a Keras-layout mnist.npz: missing {', '.join(missing)}"
                )
            arrays = {k: archive[k] for k in MNIST_KEYS}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        reason = str(exc).split(" To load")[0]  # numpy's hint is about pickles: not for us
        raise DataError(f"cannot read MNIST file {path}: {reason}") from exc
    return _prepare_mnist(arrays, name="mnist", source=f"MNIST file {path}")


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
    return _prepare_mnist(arrays, name="mnist", source="downloaded MNIST")


def _prepare_mnist(arrays: dict[str, np.ndarray], name: str, source: str) -> Dataset:
    """Scale images to [0, 1] and add the channel axis the CNN expects."""
    for key in ("x_train", "x_test"):
        if arrays[key].ndim != 3:
            raise DataError(f"MNIST {key} should be (N, 28, 28), got {arrays[key].shape}")
    x_train, y_train, x_test, y_test = (arrays[k] for k in MNIST_KEYS)
    # Checked before the casts below, which would turn a label 2.5 into 2.
    check_dataset(Dataset(x_train, y_train, x_test, y_test, name, MNIST_CLASSES), source, "test")
    return Dataset(
        x_train=(arrays["x_train"].astype(np.float32) / 255.0)[..., None],
        y_train=arrays["y_train"].astype(np.int32),
        x_val=(arrays["x_test"].astype(np.float32) / 255.0)[..., None],
        y_val=arrays["y_test"].astype(np.int32),
        name=name,
        classes=MNIST_CLASSES,
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
    check_dataset(Dataset(x_train, y_train, x_val, y_val, reference), f"--data-fn {reference!r}")
    return Dataset(
        x_train.astype(np.float32),
        y_train.astype(np.int32),
        x_val.astype(np.float32),
        y_val.astype(np.int32),
        name=reference,
    )
