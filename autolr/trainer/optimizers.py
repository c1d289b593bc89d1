"""The six optimizers with the settings of the study's TensorFlow 1 reference code.

Keras 3's defaults differ from TF1's (epsilons, Adagrad's accumulator, RMSProp's initial
mean square), and the study's valleys depend on them, so every setting is spelled out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from autolr.config import check_learning_rate, check_optimizer


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
}


def make_optimizer(name: str, learning_rate: float = 0.001) -> keras.optimizers.Optimizer:
    """A fresh optimizer by CLI name; its learning rate is a variable, changed per trial."""
    check_optimizer(name)
    return _FACTORIES[name](check_learning_rate(learning_rate))
