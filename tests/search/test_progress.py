"""The progress-aware objective: values in steps that order every kind of run."""

from __future__ import annotations

import math

import pytest

from autolr.search.progress import (
    diverged_value,
    projected_steps,
    steps_value,
    unreached_value,
)

BUDGET = 1000
TARGET = 0.97


def _value(checks: list[tuple[int, float]], **kw: object) -> float:
    return steps_value(checks, TARGET, BUDGET, **kw)  # type: ignore[arg-type]


def test_projection_worked_out_by_hand() -> None:
    # The error halves every time the step doubles (error ~ 1 / step): 0.4, 0.2, 0.1 at
    # steps 100, 200, 400, so it reaches 0.03 at 400 * 0.1 / 0.03 = 1333.3.
    checks = [(100, 0.6), (200, 0.8), (400, 0.9)]
    expected = 400 * 0.1 / 0.03
    assert projected_steps(checks, TARGET) == pytest.approx(expected)
    assert _value(checks, reached_step=None, diverged=False) == pytest.approx(BUDGET + expected)


def test_reached_close_far_and_diverged_are_ordered() -> None:
    reached = _value([(100, 0.8), (150, 0.975)], reached_step=150, diverged=False)
    close = _value([(800, 0.93), (900, 0.95), (1000, 0.96)], reached_step=None, diverged=False)
    far = _value([(800, 0.50), (900, 0.60), (1000, 0.70)], reached_step=None, diverged=False)
    stuck = _value([(800, 0.10), (900, 0.09), (1000, 0.10)], reached_step=None, diverged=False)
    diverged = _value([(50, 0.1)], reached_step=None, diverged=True)
    assert reached == 150
    assert reached < BUDGET < close < far < stuck < diverged
    assert stuck == unreached_value(math.inf, BUDGET) == 9 * BUDGET
    assert diverged == diverged_value(BUDGET) == 10 * BUDGET


def test_a_run_without_progress_or_with_one_check_is_projected_at_the_cap() -> None:
    assert projected_steps([(50, 0.3)], TARGET) == math.inf
    assert projected_steps([(50, 0.5), (100, 0.4)], TARGET) == math.inf  # getting worse
    assert projected_steps([], TARGET) == math.inf


def test_a_short_run_that_stopped_early_is_still_above_every_reached_run() -> None:
    # Pruned at step 100 though on course for step 150: worth more than the budget anyway.
    value = _value([(50, 0.8), (100, 0.94)], reached_step=None, diverged=False)
    assert BUDGET < value < BUDGET + 200
