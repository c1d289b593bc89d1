"""Each optimizer applies TF1's update rule, checked against numbers worked out by hand.

One weight starts at 1.0 and takes two steps with gradients 0.5 then -0.25.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from autolr.config import OPTIMIZERS
from autolr.errors import ConfigError
from autolr.trainer.optimizers import make_optimizer

# Worked by hand (float64), lr = 0.1 unless noted:
#   sgd:      1 - 0.1*0.5 + 0.1*0.25                                  = 0.975
#   momentum: a1 = 0.5 -> 0.95; a2 = 0.5*0.5 - 0.25 = 0 -> 0.95        = 0.95
#   adam:     t1: m=.05 v=.00025 lr_t=.0316228 -> 0.9;
#             t2: m=.02 v=.00031225 lr_t=.0235317 -> 0.9 - .0266336      = 0.873366
#   adagrad:  acc .35 -> 1 - .05/sqrt(.35); acc .4125 -> + .025/sqrt(.4125) = 0.954410
#   adadelta (lr 1): ag=.0125, delta=-sqrt(1e-8)/sqrt(.0125+1e-8)*.5 ...  = 0.999841
#   rmsprop:  ms starts at 1: ms=.925 -> 1-.05/sqrt(.925);
#             ms=.83875 -> +.025/sqrt(.83875)                            = 0.975310
EXPECTED = {
    "sgd": (0.1, 0.975),
    "momentum": (0.1, 0.95),
    "adam": (0.1, 0.873366),
    "adagrad": (0.1, 0.954410),
    "adadelta": (1.0, 0.999841),
    "rmsprop": (0.1, 0.975310),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_update_rule_matches_tf1(name: str) -> None:
    learning_rate, expected = EXPECTED[name]
    weight = keras.Variable(np.array([1.0], dtype="float32"))
    optimizer = make_optimizer(name, learning_rate)
    optimizer.build([weight])
    for gradient in (0.5, -0.25):
        optimizer.apply([np.array([gradient], dtype="float32")], [weight])
    assert float(keras.ops.convert_to_numpy(weight)[0]) == pytest.approx(expected, abs=2e-6)


def test_every_cli_name_has_an_optimizer() -> None:
    assert set(OPTIMIZERS) == {"sgd", "momentum", "adam", "adagrad", "adadelta", "rmsprop"}
    for name in OPTIMIZERS:
        assert make_optimizer(name, 0.01).learning_rate is not None


def test_learning_rate_is_a_variable_not_a_constant() -> None:
    optimizer = make_optimizer("adam", 0.01)
    optimizer.learning_rate = 0.5
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(0.5)


@pytest.mark.parametrize("bad", ["nadamw", "", "Adam"])
def test_unknown_optimizer_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="unknown optimizer"):
        make_optimizer(bad, 0.01)


@pytest.mark.parametrize("bad", [0.0, -1e-3, float("nan"), float("inf")])
def test_non_positive_learning_rate_is_a_clear_error(bad: float) -> None:
    with pytest.raises(ConfigError, match="learning rate must be a positive number"):
        make_optimizer("sgd", bad)
