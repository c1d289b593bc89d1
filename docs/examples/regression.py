"""A regression model: scikit-learn's diabetes data (442 patients, 10 features, a
measure of disease progression a year later), a small MLP trained with mean squared
error, tuned to a validation loss.

The command that tunes it is in README.md (run from this folder).

Targets are standardised, so a validation loss of 0.55 means the model explains about 45%
of the variance of the progression it was not trained on. The data ships with
scikit-learn (`pip install scikit-learn`): nothing is downloaded.
"""

from __future__ import annotations

import keras
import numpy as np
from sklearn.datasets import load_diabetes


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_val, y_val): a fixed shuffle, 80/20, the target standardised
    with the training split's mean and spread (the features come standardised)."""
    x, y = load_diabetes(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order].astype("float32"), y[order].astype("float32")
    cut = int(0.8 * len(x))
    mean, std = y[:cut].mean(), y[:cut].std()
    y = (y - mean) / std
    return x[:cut], y[:cut], x[cut:], y[cut:]


def mlp(scale: float = 1.0) -> keras.Model:
    """Two hidden layers of 32 units (times `scale`); one output: the progression."""
    width = max(1, round(32 * scale))
    return keras.Sequential(
        [
            keras.Input((10,)),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
