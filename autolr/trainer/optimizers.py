"""Optimizers by name: the study's six with its TensorFlow 1 settings, the others Keras 3
ships with Keras's defaults, and a user's own (`--optimizer-fn module:function`).

Keras 3's defaults differ from TF1's (epsilons, Adagrad's accumulator, RMSProp's initial
mean square), and the study's valleys depend on them, so for the six every setting is
spelled out. The learning rate is always a variable of the optimizer, assigned per trial.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras
from keras import ops

from autolr.config import check_learning_rate, check_optimizer
from autolr.errors import ConfigError
from autolr.importing import call_user_code, load_callable


class TF1RMSprop(keras.optimizers.Optimizer):
    """RMSProp as TF1's `RMSPropOptimizer`: the mean square starts at 1.0, not 0.

    Starting at 1 makes the first steps about `learning_rate * gradient` in size instead
    of `learning_rate * sign(gradient) / sqrt(1 - rho)`, which is what lets TF1's
    RMSProp survive large learning rates that Keras's would not.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        epsilon: float = 1e-10,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name="tf1_rmsprop", **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list: list[Any]) -> None:
        if self.built:
            return
        super().build(var_list)
        self._mean_squares = [
            self.add_variable_from_reference(v, name="mean_square", initializer="ones")
            for v in var_list
        ]

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        mean_square = self._mean_squares[self._get_variable_index(variable)]
        self.assign(
            mean_square,
            ops.add(
                ops.multiply(self.rho, mean_square),
                ops.multiply(1.0 - self.rho, ops.square(gradient)),
            ),
        )
        step = ops.divide(ops.multiply(lr, gradient), ops.sqrt(ops.add(mean_square, self.epsilon)))
        self.assign_sub(variable, step)

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config


_FACTORIES: dict[str, Callable[[float], keras.optimizers.Optimizer]] = {
    "sgd": lambda lr: keras.optimizers.SGD(lr),
    "momentum": lambda lr: keras.optimizers.SGD(lr, momentum=0.5, nesterov=False),
    "adam": lambda lr: keras.optimizers.Adam(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
    "adagrad": lambda lr: keras.optimizers.Adagrad(lr, initial_accumulator_value=0.1, epsilon=0.0),
    "adadelta": lambda lr: keras.optimizers.Adadelta(lr, rho=0.95, epsilon=1e-8),
    "rmsprop": lambda lr: TF1RMSprop(lr, rho=0.9, epsilon=1e-10),
    # Keras 3's own, with Keras's defaults.
    "adamw": lambda lr: keras.optimizers.AdamW(lr),
    "nadam": lambda lr: keras.optimizers.Nadam(lr),
    "adamax": lambda lr: keras.optimizers.Adamax(lr),
    "lion": lambda lr: keras.optimizers.Lion(lr),
    "lamb": lambda lr: keras.optimizers.Lamb(lr),
    "adafactor": lambda lr: keras.optimizers.Adafactor(lr),
    "ftrl": lambda lr: keras.optimizers.Ftrl(lr),
    "nesterov": lambda lr: keras.optimizers.SGD(lr, momentum=0.9, nesterov=True),
}


def make_optimizer(
    name: str, learning_rate: float = 0.001, own: Mapping[str, str] | None = None
) -> keras.optimizers.Optimizer:
    """A fresh optimizer by CLI name, or by the name of a user's function in `own`
    (name -> module:function); its learning rate is a variable, changed per trial."""
    own = own or {}
    check_optimizer(name, own)
    learning_rate = check_learning_rate(learning_rate)
    if name in _FACTORIES:
        return _FACTORIES[name](learning_rate)
    return user_optimizer(own[name], learning_rate)


def user_optimizer(reference: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """What a user's `--optimizer-fn` makes of a rate, checked: a Keras optimizer whose
    learning rate is a plain value (a schedule could not be set per trial)."""
    what = f"--optimizer-fn {reference!r}"
    optimizer = call_user_code(load_callable(reference, "--optimizer-fn"), what, learning_rate)
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise ConfigError(
            f"{what} must return a keras.optimizers.Optimizer for a learning rate, got "
            f"{type(optimizer).__name__}"
        )
    try:
        optimizer.learning_rate = learning_rate  # what every trial does
    except TypeError:
        raise ConfigError(
            f"{what} returned an optimizer with a learning-rate schedule; autolr sets the "
            "rate per trial: pass the rate it is given as a number"
        ) from None
    return optimizer
