"""Arrays made ready to train on, whatever their source: checked, typed and scaled.

Examples may be images of any size and channel count (N, H, W) or (N, H, W, C), flat
feature vectors (N, F), or integer token sequences (N, T) for an Embedding model. Only
what is clearly pixels is scaled, and each decision is said in one line (`Dataset.notes`):
- uint8 values, and integer or integral float images (3 or more axes) whose values reach
  past 127 and stay within 0..255 (8-bit pixels), are divided by 255;
- other floats are used as they are (images already in [0, 1], standardised features);
- other integers with 2 axes are token ids, kept as integers for an Embedding.
Labels are integer classes 0..C-1 for classification, float targets (N,) or (N, k) for
regression (trained with mean squared error; the model outputs k values).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autolr.errors import DataError

PIXEL_MAX = 255.0
# Images whose largest value passes this are read as 8-bit pixels: a 0..16 scale (as in
# scikit-learn's digits) is the data's own and is kept.
PIXEL_EVIDENCE = 127.0
# A class count this far above the distinct labels seen says the labels are codes, not
# 0..C-1 (a label 999 among ten classes would silently make a 1000-way classifier).
SPARSE_LABELS_FACTOR = 2


@dataclass(frozen=True, eq=False)
class Dataset:
    """Training and validation arrays, ready to train on."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    name: str
    task: str = "classification"
    classes: int | None = None  # known class count (MNIST: 10); else the largest label + 1
    notes: tuple[str, ...] = ()  # what was done to the data, a line each

    @property
    def num_classes(self) -> int:
        if self.classes is not None:
            return self.classes
        return int(max(self.y_train.max(), self.y_val.max())) + 1

    @property
    def num_outputs(self) -> int:
        """What the model must output per example: a logit per class, or a value per target."""
        if self.task == "regression":
            return int(self.y_train.shape[1])
        return self.num_classes

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.x_train.shape[1:])

    @property
    def tokens(self) -> bool:
        """Integer examples: token ids for an Embedding."""
        return bool(np.issubdtype(self.x_train.dtype, np.integer))


def prepare(
    arrays: tuple[object, object, object, object],
    name: str,
    source: str,
    task: str = "classification",
    val: str = "val",
    classes: int | None = None,
) -> Dataset:
    """Check (x_train, y_train, x_val, y_val) and make them ready to train on.

    `source` names the data in messages, `val` the validation split (`test` in a Keras
    .npz). Raises DataError, one line, for anything that would train on nonsense."""
    x_train, y_train, x_val, y_val = numeric(arrays, source, val)
    raw = Dataset(x_train, y_train, x_val, y_val, name, task, classes)
    check_dataset(raw, source, val)
    x_train, x_val, x_note = _examples(x_train, x_val)
    y_train, y_val = _labels(y_train, task), _labels(y_val, task)
    notes = (f"{source}: {x_note}", *_class_warnings(raw, source, val))
    return Dataset(x_train, y_train, x_val, y_val, name, task, classes, notes)


def numeric(
    arrays: tuple[object, object, object, object], source: str, val: str = "val"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four arrays as numpy arrays of numbers, or one line saying which is not."""
    names = ("x_train", "y_train", f"x_{val}", f"y_{val}")
    x_train, y_train, x_val, y_val = (
        _array(a, source, n) for a, n in zip(arrays, names, strict=True)
    )
    return x_train, y_train, x_val, y_val


def _array(value: object, source: str, kind: str) -> np.ndarray:
    """A numpy array of numbers, or one line saying why not (ragged lists, objects)."""
    try:
        array = np.asarray(value)
    except ValueError as exc:  # numpy 2 refuses ragged nested lists outright
        raise DataError(f"{source}: {kind} arrays must be rectangular: {exc}") from None
    if array.dtype == object:
        raise DataError(
            f"{source}: {kind} holds ragged or non-numeric entries (numpy object array); "
            "pad sequences to one length and give numbers"
        )
    if array.dtype.kind == "c":
        raise DataError(f"{source}: {kind} holds complex numbers; give real values")
    if array.dtype.kind not in "biuf":
        raise DataError(f"{source}: {kind} must hold numbers, got {array.dtype} values")
    return array


def check_dataset(data: Dataset, source: str, val: str = "val") -> None:
    """Refuse data that would train silently on nonsense or fail deep inside the framework:
    splits of unequal length, differently shaped examples, non-finite values, labels that
    do not fit the task."""
    splits = (("train", data.x_train, data.y_train), (val, data.x_val, data.y_val))
    for split, x, y in splits:
        if x.ndim < 2 or len(x) == 0:
            raise DataError(f"{source}: x_{split} must hold examples, got shape {x.shape}")
        if len(x) != len(y):
            raise DataError(
                f"{source}: x_{split} has {len(x)} examples but y_{split} has {len(y)} labels"
            )
    if data.x_train.shape[1:] != data.x_val.shape[1:]:
        raise DataError(
            f"{source}: training examples are {data.x_train.shape[1:]} but validation "
            f"examples are {data.x_val.shape[1:]}"
        )
    for split, x, y in splits:
        _check_finite(source, f"x_{split}", x)
        if data.task == "regression":
            _check_targets(y, f"{source}: y_{split}", data.y_train)
        else:
            _check_labels(y, data.classes, f"{source}: y_{split}")


def _check_finite(name: str, what: str, x: np.ndarray) -> None:
    if not np.issubdtype(x.dtype, np.floating):
        return  # integers are always finite
    finite = np.isfinite(x)
    if not finite.all():
        bad = x.size - int(np.count_nonzero(finite))
        first = int(np.argmin(finite.reshape(len(x), -1).all(axis=1)))
        raise DataError(
            f"{name}: {what} has {bad} NaN or infinite values (the first in example "
            f"{first}); training on them cannot mean anything"
        )


def _check_labels(y: np.ndarray, classes: int | None, where: str) -> None:
    """Integers (or floats holding integers) in 0..classes-1; `classes` None: any C."""
    span = "0..C-1 (C classes)" if classes is None else f"0..{classes - 1}"
    if y.ndim != 1:
        raise DataError(
            f"{where}: classification labels must be 1-D class ids, got shape {y.shape} "
            "(float targets of shape (N, k) are --task regression)"
        )
    if y.dtype.kind == "f":
        fractional = ~np.isfinite(y) | (y != np.round(y))
        if fractional.any():
            found = y[np.argmax(fractional)]
            raise DataError(
                f"{where}: labels must be integers in {span}; found {found:g} "
                "(float targets are --task regression)"
            )
    low, high = y.min(), y.max()
    if low < 0 or (classes is not None and high >= classes):
        found = low if low < 0 else high
        raise DataError(f"{where}: labels must be integers in {span}; found {found:g}")


def _check_targets(y: np.ndarray, where: str, y_train: np.ndarray) -> None:
    """Regression: finite numbers shaped (N,) or (N, k), k the same in both splits."""
    if y.ndim not in (1, 2):
        raise DataError(f"{where}: regression targets must be (N,) or (N, k), got {y.shape}")
    if y.ndim == 2 and y_train.ndim == 2 and y.shape[1] != y_train.shape[1]:
        raise DataError(
            f"{where}: {y.shape[1]} targets per example, training has {y_train.shape[1]}"
        )
    _check_finite(where.rsplit(":", 1)[0], where.rsplit(": ", 1)[-1], y)


def _examples(x_train: np.ndarray, x_val: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """Both splits prepared the same way, decided from both, and what was done."""
    both_min = float(min(x_train.min(), x_val.min()))
    both_max = float(max(x_train.max(), x_val.max()))
    span = f"{both_min:g}..{both_max:g}"
    if x_train.dtype == np.uint8:
        return _scaled(x_train), _scaled(x_val), "uint8 values scaled to [0, 1] (divided by 255)"
    images = x_train.ndim >= 3
    integral = x_train.dtype.kind in "iub" or bool(
        np.all(x_train == np.round(x_train)) and np.all(x_val == np.round(x_val))
    )
    if images and integral and both_min >= 0 and PIXEL_EVIDENCE < both_max <= PIXEL_MAX:
        kind = "integer" if x_train.dtype.kind in "iub" else "float"
        return (
            _scaled(x_train),
            _scaled(x_val),
            f"{kind} pixels in {span} scaled to [0, 1] (divided by 255)",
        )
    if x_train.dtype.kind in "iub" and x_train.ndim == 2:
        return (
            x_train.astype(np.int32),
            x_val.astype(np.int32),
            f"integer examples read as token ids {span} (for an Embedding), not scaled",
        )
    return (
        x_train.astype(np.float32),
        x_val.astype(np.float32),
        f"values in {span} used as they are (not scaled)",
    )


def _scaled(x: np.ndarray) -> np.ndarray:
    scaled = x.astype(np.float32) / PIXEL_MAX
    return scaled[..., None] if scaled.ndim == 3 else scaled  # grey images get a channel


def _labels(y: np.ndarray, task: str) -> np.ndarray:
    if task == "regression":
        targets = y.astype(np.float32)
        return targets[:, None] if targets.ndim == 1 else targets
    return y.astype(np.int32)


def _class_warnings(data: Dataset, source: str, val: str) -> list[str]:
    """Labels that will train, but probably not as meant: a warning line each."""
    if data.task != "classification" or data.classes is not None:
        return []
    seen_train = set(np.unique(data.y_train).astype(int).tolist())
    seen_val = set(np.unique(data.y_val).astype(int).tolist())
    count = max(max(seen_train), max(seen_val)) + 1
    distinct = len(seen_train | seen_val)
    warnings = []
    if count > SPARSE_LABELS_FACTOR * distinct:
        warnings.append(
            f"warning: {source}: labels run 0..{count - 1}, so the model gets {count} classes, "
            f"but only {distinct} distinct labels occur; relabel them 0..{distinct - 1}"
        )
    only_val = sorted(seen_val - seen_train)
    if only_val:
        shown = ", ".join(map(str, only_val[:5])) + (", ..." if len(only_val) > 5 else "")
        warnings.append(
            f"warning: {source}: {len(only_val)} class(es) occur only in y_{val} ({shown}): "
            "the model never trains on them"
        )
    return warnings
