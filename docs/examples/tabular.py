"""A tabular classifier: scikit-learn's breast-cancer data (569 tumours, 30 features,
benign or malignant), a small MLP, tuned to a validation accuracy.

The command that tunes it is in README.md (run from this folder).

The data ships with scikit-learn (`pip install scikit-learn`): nothing is downloaded.
"""

from __future__ import annotations

import keras
import numpy as np
from sklearn.datasets import load_breast_cancer


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_val, y_val): a fixed shuffle, 80/20, features standardised
    with the training split's mean and spread (the network sees comparable scales)."""
    x, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order].astype("float32"), y[order].astype("int64")
    cut = int(0.8 * len(x))
    mean, std = x[:cut].mean(axis=0), x[:cut].std(axis=0) + 1e-8
    x = (x - mean) / std
    return x[:cut], y[:cut], x[cut:], y[cut:]


def mlp(scale: float = 1.0) -> keras.Model:
    """Two hidden layers of 32 units (times `scale`); two logits: benign, malignant."""
    width = max(1, round(32 * scale))
    return keras.Sequential(
        [
            keras.Input((30,)),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(2),
        ]
    )
