"""The c + k*n fit of the model-size experiment, against numbers worked out by hand."""

from __future__ import annotations

import pytest

from autolr.study.scaling import ScaleRun, fastest_rate_by_scale, fit_linear, fits_by_rate


def test_an_exact_line_is_recovered() -> None:
    fit = fit_linear([1, 2, 3], [3, 5, 7])  # y = 1 + 2x
    assert (fit.c, fit.k, fit.r2, fit.points) == (pytest.approx(1), pytest.approx(2), 1.0, 3)
    assert fit.predict(10) == pytest.approx(21)


def test_a_noisy_line_matches_the_hand_computation() -> None:
    # x = 0, 1, 2; y = 1, 3, 2: mean x 1, mean y 2; Sxx = 2, Sxy = 1 -> k = 0.5, c = 1.5;
    # residuals -0.5, 1, -0.5 -> SSR 1.5; SST 2 -> R^2 = 1 - 1.5 / 2 = 0.25
    fit = fit_linear([0, 1, 2], [1, 3, 2])
    assert fit.k == pytest.approx(0.5) and fit.c == pytest.approx(1.5)
    assert fit.r2 == pytest.approx(0.25)


def test_one_distinct_size_is_not_a_line() -> None:
    with pytest.raises(ValueError, match="two distinct"):
        fit_linear([5, 5], [1, 2])


def run(scale: float, rate: float, weights: int, seconds: float, reached: bool = True) -> ScaleRun:
    return ScaleRun(scale, rate, weights, reached, seconds, steps=100)


def test_fits_per_rate_use_only_runs_that_reached_and_fastest_rate_per_scale() -> None:
    runs = [
        run(1, 1e-3, 1_000_000, 10.0),
        run(2, 1e-3, 2_000_000, 20.0),
        run(3, 1e-3, 3_000_000, 99.0, reached=False),
        run(1, 1e-2, 1_000_000, 8.0),
        run(2, 1e-2, 2_000_000, 25.0),
        run(1, 1e-1, 1_000_000, 5.0, reached=False),
    ]
    fits = fits_by_rate(runs)
    slow = fits[1e-3]
    assert slow is not None and slow.k == pytest.approx(1e-5) and slow.c == pytest.approx(0.0)
    assert fits[1e-1] is None
    assert fastest_rate_by_scale(runs) == {1: 1e-2, 2: 1e-3, 3: None}
