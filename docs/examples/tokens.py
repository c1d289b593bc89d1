"""A sequence model on integer tokens: an Embedding model on a generated task, so that
it needs no download. Each sequence holds 20 tokens from a vocabulary of 50; its class
is whether it holds more "low" tokens (below 25) than "high" ones.

The command that tunes it is in README.md (run from this folder).

Integer examples with two axes are read as token ids and kept as integers (autolr says
so in a line), as an Embedding layer needs.
"""

from __future__ import annotations

import keras
import numpy as np

VOCABULARY, LENGTH = 50, 20


def arrays(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, VOCABULARY, size=(n, LENGTH), dtype=np.int32)
    y = (np.sum(x < VOCABULARY // 2, axis=1) > LENGTH // 2).astype(np.int64)
    return x, y


def save(path: str = "tokens.npz") -> None:
    """The task in Keras's layout: 2,400 training and 600 validation sequences."""
    x, y = arrays()
    np.savez_compressed(path, x_train=x[:2400], y_train=y[:2400], x_test=x[2400:], y_test=y[2400:])


def embedding(scale: float = 1.0) -> keras.Model:
    """Embed each token in 16 dimensions (times `scale`), average, two logits."""
    return keras.Sequential(
        [
            keras.Input((LENGTH,), dtype="int32"),
            keras.layers.Embedding(VOCABULARY, max(1, round(16 * scale))),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(2),
        ]
    )


if __name__ == "__main__":
    save()
