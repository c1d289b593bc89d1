"""Bad data, models and optimizers a user might hand autolr (imported by name by the
bad-input suite, tests/test_bad_input.py): each must be refused in one line, before
anything is stored."""

from __future__ import annotations

import sys

import keras
import numpy as np

RNG = np.random.default_rng(0)


def _images(n: int, side: int = 12) -> np.ndarray:
    return RNG.integers(0, 256, size=(n, side, side)).astype(np.uint8)


def _labels(n: int) -> np.ndarray:
    return np.arange(n) % 3


def nan_data():
    x = _images(60).astype("float32")
    x[7, 3, 3] = np.nan
    return x, _labels(60), _images(10), _labels(10)


def ragged():
    return [[1, 2], [3]], [0, 1], [[1, 2]], [0]


def complex_pixels():
    x = _images(60).astype(np.complex64)
    return x, _labels(60), x[:10], _labels(10)


def small_images():
    return _images(60, 5), _labels(60), _images(10, 5), _labels(10)


def float_labels():
    return _images(60), RNG.normal(size=60), _images(10), RNG.normal(size=10)


def negative_labels():
    return _images(60), _labels(60) - 1, _images(10), _labels(10)


def raises():
    raise RuntimeError("the data server is down")


def exits():
    sys.exit(3)


def _dense(outputs: int, side: int = 12) -> keras.Model:
    return keras.Sequential(
        [keras.Input((side, side, 1)), keras.layers.Flatten(), keras.layers.Dense(outputs)]
    )


def wrong_outputs() -> keras.Model:
    return _dense(3, 28)  # MNIST has 10 classes


def two_outputs() -> keras.Model:
    inputs = keras.Input((28, 28, 1))
    flat = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, [keras.layers.Dense(10)(flat), keras.layers.Dense(10)(flat)])


def no_weights() -> keras.Model:
    model = _dense(10, 28)
    model.trainable = False
    return model


def model_raises() -> keras.Model:
    raise ValueError("no such architecture")


def model_exits() -> keras.Model:
    sys.exit(3)


def not_a_model() -> str:
    return "a model"


def scheduled(learning_rate: float) -> keras.optimizers.Optimizer:
    schedule = keras.optimizers.schedules.ExponentialDecay(learning_rate, 100, 0.9)
    return keras.optimizers.SGD(schedule)
