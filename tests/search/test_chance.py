"""Chance levels from the labels, and when a run's checks sit at chance, for every metric."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autolr.data import Dataset
from autolr.metrics import Goal
from autolr.search.chance import at_chance, chance_level


def dataset(labels: list[int] | np.ndarray, task: str = "classification") -> Dataset:
    y = np.asarray(labels)
    x = np.zeros((len(y), 2), np.float32)
    return Dataset(x, y, x[:1], y[:1], "made", task=task)


def test_chance_accuracy_is_the_most_common_class_and_chance_loss_their_entropy() -> None:
    made = dataset([0] * 6 + [1] * 3 + [2])  # shares 0.6, 0.3, 0.1
    assert chance_level(made, "accuracy") == pytest.approx(0.6)
    assert chance_level(made, "val_accuracy") == pytest.approx(0.6)
    entropy = -(0.6 * math.log(0.6) + 0.3 * math.log(0.3) + 0.1 * math.log(0.1))
    assert chance_level(made, "loss") == pytest.approx(entropy)
    balanced = dataset(list(range(10)) * 3)
    assert chance_level(balanced, "accuracy") == pytest.approx(0.1)
    assert chance_level(balanced, "loss") == pytest.approx(math.log(10))


def test_regression_chance_is_the_variance_of_the_targets() -> None:
    targets = np.array([[1.0, 0.0], [3.0, 4.0]])  # variances 1 and 4
    made = dataset(targets, task="regression")
    assert chance_level(made, "loss") == pytest.approx(2.5)
    assert math.isnan(chance_level(made, "accuracy"))


@pytest.mark.parametrize(
    ("goal", "chance", "stuck", "learning"),
    [
        (Goal("accuracy", 0.97), 0.1135, [0.10, 0.12, 0.11], [0.11, 0.12, 0.17]),
        (Goal("loss", 0.1), math.log(10), [2.30, 2.25, 2.31], [2.30, 2.25, 2.10]),
        (Goal("val_loss", 0.5), 2.5, [2.5, 2.6, 9.0], [2.5, 2.4, 2.3]),  # regression
    ],
    ids=["accuracy", "loss", "regression"],
)
def test_a_run_is_at_chance_when_its_last_checks_all_are(
    goal: Goal, chance: float, stuck: list[float], learning: list[float]
) -> None:
    assert at_chance(stuck, goal, chance)
    assert not at_chance(learning, goal, chance)  # its last check left chance behind
    assert not at_chance(stuck[:2], goal, chance)  # too early to judge
    assert at_chance([*learning, *stuck], goal, chance)  # it fell back to chance
    assert at_chance([math.nan] * 3, goal, chance)  # nothing finite: nothing learned
    assert not at_chance(stuck, goal, math.nan)  # chance unknown: never judged
