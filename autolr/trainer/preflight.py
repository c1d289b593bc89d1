"""Before a study is created or touched: build the model and run one batch through it.

A `--model` factory that raises, returns something other than a keras.Model, outputs the
wrong number of classes or expects other examples, and images too small for the
reference CNN, are found here in a second, as one line, instead of as the failed first
trial of a half-made study after a screen of framework logging.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from autolr.config import ModelSpec
from autolr.data import Dataset
from autolr.errors import AutolrError, ConfigError
from autolr.trainer.backend import native_stderr_captured
from autolr.trainer.models import build_model

# The reference CNN runs a 5x5 convolution on the image, pools by 2, and runs another
# 5x5 convolution: from 10x10 pixels up, both kernels fit inside what they look at.
REFERENCE_MIN_SIDE = 10
# Whether the data fits does not depend on the reference CNN's width: check a small one.
PREFLIGHT_SCALE = 0.125
BATCH = 2


def check_model(model: ModelSpec, data: Dataset, seed: int) -> None:
    """Build the model for `data` and run `BATCH` examples forward; a one-line
    ConfigError says what does not fit. Framework output is hidden unless AUTOLR_DEBUG."""
    what = f"--model {model.factory!r}" if model.factory else "the reference CNN"
    if model.factory is None:
        _check_reference_input(data.input_shape)
        model = dataclasses.replace(model, scale=min(model.scale, PREFLIGHT_SCALE))
    with native_stderr_captured(replay_on=lambda exc: not isinstance(exc, AutolrError)):
        outputs = _build_and_run(model, data, seed, what)
    expected = (min(BATCH, len(data.x_train)), data.num_classes)
    if tuple(outputs.shape) != expected:
        raise ConfigError(
            f"{what} outputs shape {tuple(outputs.shape)} for {expected[0]} examples; it "
            f"must output {data.num_classes} logits per example"
        )
    if not np.all(np.isfinite(outputs)):
        raise ConfigError(f"{what} outputs NaN or infinity before any training")


def _check_reference_input(shape: tuple[int, ...]) -> None:
    if len(shape) != 3:
        raise ConfigError(
            f"the reference CNN takes images shaped (height, width, channels); these "
            f"examples are shaped {shape}: reshape them, or pass your own --model"
        )
    if min(shape[:2]) < REFERENCE_MIN_SIDE:
        raise ConfigError(
            f"images of {shape[0]}x{shape[1]} pixels are too small for the reference CNN "
            f"(at least {REFERENCE_MIN_SIDE}x{REFERENCE_MIN_SIDE}): pass your own --model"
        )


def _build_and_run(model: ModelSpec, data: Dataset, seed: int, what: str) -> np.ndarray:
    """The model's logits for the first examples; anything that does not fit the data
    (input shape, layers, dtypes) is one ConfigError naming the examples' shape."""
    try:
        built = build_model(model, data.input_shape, data.num_classes, seed)
        return np.asarray(built(data.x_train[:BATCH], training=False))
    except AutolrError:
        raise  # build_model's own errors already say what is wrong
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [""])[0]
        raise ConfigError(
            f"{what} cannot take this data's examples, shaped {data.input_shape}: "
            f"{type(exc).__name__}: {reason}"
        ) from exc
