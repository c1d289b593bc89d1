"""Models written for the benchmarks, used through `--model bench_models:NAME`.

Two classification models that are not the reference CNN, so the search benchmarks say
something about models autolr has never seen. Both take MNIST as (28, 28, 1) images.
"""

from __future__ import annotations

import keras
from keras import layers


def mlp() -> keras.Model:
    """Two hidden layers of 256 ReLU units: no convolution at all."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dense(10),
        ],
        name="mlp",
    )


def convnet() -> keras.Model:
    """3x3 convolutions (16, 32) with pooling and a 64-unit dense layer, no dropout:
    shaped unlike the reference CNN's 5x5 convolutions and wide dropout layer (and small
    enough for a full 288-point grid on two CPU cores)."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
        ],
        name="convnet",
    )
