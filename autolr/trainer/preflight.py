"""Before a study is created or touched: build the model and run one batch through it.

A `--model` factory that raises, returns something other than a keras.Model, outputs the
wrong number of values or expects other examples, images too small for the reference
CNN, a model too large for this machine's memory, a batch larger than the data and an
`--optimizer-fn` that returns no usable optimizer are found here in a second, as one
line, instead of as the failed first trial of a half-made study after a screen of
framework logging. The model is built at the size that will be trained.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from autolr.config import ModelSpec, reference_weight_count
from autolr.data import Dataset
from autolr.errors import AutolrError, ConfigError
from autolr.trainer.backend import native_stderr_captured
from autolr.trainer.models import build_model
from autolr.trainer.optimizers import user_optimizer

# The reference CNN runs a 5x5 convolution on the image, pools by 2, and runs another
# 5x5 convolution: from 10x10 pixels up, both kernels fit inside what they look at.
REFERENCE_MIN_SIDE = 10
BATCH = 2
# Bytes a weight needs while training: the float32 value, its gradient and two optimizer
# slots (Adam's moments); a model whose weights need more than the machine's memory is
# refused before it is built.
BYTES_PER_TRAINED_WEIGHT = 16


def check_model(
    model: ModelSpec,
    data: Dataset,
    seed: int,
    batch_size: int = 1,
    optimizer_fns: Mapping[str, str] | None = None,
) -> None:
    """Build the model for `data` at its size and run `BATCH` examples forward; a one-line
    ConfigError says what does not fit. Framework output is hidden unless AUTOLR_DEBUG."""
    what = f"--model {model.factory!r}" if model.factory else "the reference CNN"
    if batch_size > len(data.x_train):
        raise ConfigError(
            f"--batch-size {batch_size} is larger than the {len(data.x_train)} training examples"
        )
    if model.factory is None:
        _check_reference_input(data)
        _check_memory(reference_weight_count(model.scale, data.input_shape, data.num_outputs), what)
    with native_stderr_captured(replay_on=lambda exc: not isinstance(exc, AutolrError)):
        outputs = _build_and_run(model, data, seed, what)
        for reference in (optimizer_fns or {}).values():
            user_optimizer(reference, 1e-3)
    expected = (min(BATCH, len(data.x_train)), data.num_outputs)
    if tuple(outputs.shape) != expected:
        raise ConfigError(
            f"{what} outputs shape {tuple(outputs.shape)} for {expected[0]} examples; it "
            f"must output {data.num_outputs} values per example"
        )
    if not np.all(np.isfinite(outputs)):
        raise ConfigError(f"{what} outputs NaN or infinity before any training")


def _check_memory(weights: int, what: str) -> None:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if weights * BYTES_PER_TRAINED_WEIGHT > memory:
        raise ConfigError(
            f"{what} at this --scale has {weights:,} weights, which need about "
            f"{weights * BYTES_PER_TRAINED_WEIGHT / 2**30:,.0f} GiB to train; this machine "
            f"has {memory / 2**30:,.0f} GiB: choose a smaller --scale"
        )


def _check_reference_input(data: Dataset) -> None:
    shape = data.input_shape
    if data.tokens:
        raise ConfigError(
            "the reference CNN takes images; these examples are integer token ids: pass "
            "your own --model (e.g. one that starts with an Embedding layer)"
        )
    if len(shape) not in (2, 3):
        raise ConfigError(
            f"the reference CNN takes images shaped (height, width[, channels]); these "
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
        built = build_model(model, data.input_shape, data.num_outputs, seed)
        return np.asarray(built(data.x_train[:BATCH], training=False))
    except AutolrError:
        raise  # build_model's own errors already say what is wrong
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [""])[0]
        raise ConfigError(
            f"{what} cannot take this data's examples, shaped {data.input_shape}: "
            f"{type(exc).__name__}: {reason}"
        ) from exc
