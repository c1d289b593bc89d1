"""An image classifier that is not MNIST: scikit-learn's 8x8 digits (1,797 images, grey
levels 0..16), a small CNN, tuned to a validation accuracy.

The command that tunes it is in README.md (run from this folder).

The images are too small for the reference CNN (two 5x5 convolutions want at least
10x10 pixels), so the model is the user's own. The data ships with scikit-learn.
"""

from __future__ import annotations

import keras
import numpy as np
from sklearn.datasets import load_digits


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_val, y_val): 8x8x1 images in 0..16, a fixed shuffle, 80/20."""
    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.images))
    x = (digits.images[order] / 16.0).astype("float32")[..., None]
    y = digits.target[order].astype("int64")
    cut = int(0.8 * len(x))
    return x[:cut], y[:cut], x[cut:], y[cut:]


def cnn(scale: float = 1.0) -> keras.Model:
    """One 3x3 convolution of 16 filters (times `scale`), pooled, then ten logits."""
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(max(1, round(16 * scale)), 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )
