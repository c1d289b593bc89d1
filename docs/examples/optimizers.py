"""Your own optimizer for `--optimizer-fn optimizers:sgd_nesterov_clipped`: a function of
the learning rate that returns a `keras.optimizers.Optimizer` (autolr sets the rate of
each trial; the rest of the optimizer's settings are yours)."""

from __future__ import annotations

import keras


def sgd_nesterov_clipped(learning_rate: float) -> keras.optimizers.Optimizer:
    """SGD with Nesterov momentum 0.9 and gradients clipped to norm 1."""
    return keras.optimizers.SGD(learning_rate, momentum=0.9, nesterov=True, clipnorm=1.0)
