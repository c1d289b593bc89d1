"""Model functions for the tests of `--model` at several sizes (imported by name)."""

from __future__ import annotations

import keras

BUILT: list[float] = []  # every scale `mlp` was built at, in this process


def mlp(scale: float = 1.0) -> keras.Model:
    """A one-hidden-layer MLP whose width grows with `scale` (32 units at 1)."""
    BUILT.append(scale)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(max(1, round(32 * scale)), activation="relu"),
            keras.layers.Dense(10),
        ]
    )


def fixed() -> keras.Model:
    """A model of one size only: no `scale` keyword."""
    return keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
