"""The range-test rule on curves whose answer is known: a valley, none, noise, step counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autolr.search import lr_range

LR_MIN, LR_MAX = 1e-6, 100.0


def synthetic_losses(
    rates: list[float], best: float, seed: int = 0, noise: float = 0.05
) -> list[float]:
    """A loss that is flat at ln 10 for small rates, falls to a valley just below `best`,
    and explodes a decade above it: the shape every real range test has."""
    rng = np.random.default_rng(seed)
    losses = []
    for rate in rates:
        x = math.log10(rate / best)
        dip = 1.8 * math.exp(-((x + 0.3) ** 2) / 0.5)  # valley centred 0.3 decades below
        blow = 0.0 if x < 0.3 else 40 * (x - 0.3) ** 2
        losses.append(math.log(10) - dip + blow + noise * rng.standard_normal())
    return losses


def run_rule(steps: int, best: float, seed: int = 0, noise: float = 0.05) -> lr_range.RangeVerdict:
    """What a recorded test would hold: losses up to the divergence stop."""
    rates = lr_range.ramp(LR_MIN, LR_MAX, steps)
    smoother = lr_range.Smoother(LR_MIN, LR_MAX, steps)
    kept_rates, kept = [], []
    for rate, loss in zip(rates, synthetic_losses(rates, best, seed, noise), strict=True):
        kept_rates.append(rate)
        kept.append(loss)
        if smoother.diverged(smoother.add(loss)):
            break
    return lr_range.read_curve(kept_rates, kept, LR_MIN, LR_MAX, steps)


def test_ramp_is_exponential_from_min_to_max() -> None:
    rates = lr_range.ramp(1e-4, 1.0, 5)
    assert rates == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])


def test_the_test_stops_once_the_smoothed_loss_is_four_times_its_lowest() -> None:
    smoother = lr_range.Smoother(1e-4, 1.0, 41)  # 10 steps per decade: memory of 3.3 steps
    for _ in range(10):
        assert not smoother.diverged(smoother.add(1.0))
    stopped = [smoother.diverged(smoother.add(20.0)) for _ in range(5)]
    assert stopped.index(True) <= 2  # the average passes 4.0 within a few steps
    assert smoother.diverged(smoother.add(math.nan))


def test_the_band_holds_the_valley_and_the_suggestion_is_inside_it() -> None:
    verdict = run_rule(200, best=1e-2)
    assert verdict.valley and verdict.band is not None and verdict.suggestion is not None
    low, high = verdict.band
    assert low < verdict.suggestion < high
    assert high / low == pytest.approx(lr_range.BAND_BELOW * lr_range.BAND_ABOVE)
    # The loss is lowest ~0.3 decades below 1e-2; the band runs from a decade below that
    # to half a decade above, give or take the ramp's resolution (25 steps a decade).
    anchor = high / lr_range.BAND_ABOVE
    assert 10**-2.8 < anchor < 10**-2.0
    assert low < 2e-3 < high and low < 1e-2 < high


def test_a_flat_curve_has_no_usable_valley() -> None:
    rates = lr_range.ramp(LR_MIN, LR_MAX, 200)
    losses = list(math.log(10) + 0.05 * np.random.default_rng(1).standard_normal(200))
    verdict = lr_range.read_curve(rates, losses, LR_MIN, LR_MAX, 200)
    assert not verdict.valley and verdict.band is None and verdict.suggestion is None
    assert "no usable valley" in verdict.reason


def test_a_curve_that_is_never_finite_has_no_valley() -> None:
    verdict = lr_range.read_curve([1e-3, 1e-2], [math.nan, math.inf], LR_MIN, LR_MAX, 200)
    assert not verdict.valley and "never finite" in verdict.reason


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_noise_moves_the_suggestion_by_less_than_a_third_of_a_decade(seed: int) -> None:
    clean = run_rule(200, best=1e-2, noise=0.0)
    noisy = run_rule(200, best=1e-2, seed=seed, noise=0.15)
    assert clean.suggestion and noisy.suggestion
    assert abs(math.log10(noisy.suggestion / clean.suggestion)) < 1 / 3


def test_the_suggestion_does_not_depend_on_the_number_of_steps() -> None:
    suggestions = [run_rule(steps, best=1e-2, noise=0.0).suggestion for steps in (100, 200, 400)]
    assert all(s is not None for s in suggestions)
    spread = math.log10(max(suggestions) / min(suggestions))  # type: ignore[type-var]
    assert spread < 0.2  # decades


def test_adam_and_rmsprop_start_a_quarter_below_where_the_loss_was_lowest() -> None:
    rates = lr_range.ramp(LR_MIN, LR_MAX, 200)
    losses = synthetic_losses(rates, best=1e-2, noise=0.0)
    sgd = lr_range.read_curve(rates, losses, LR_MIN, LR_MAX, 200, "sgd")
    adam = lr_range.read_curve(rates, losses, LR_MIN, LR_MAX, 200, "adam")
    assert sgd.band == adam.band and sgd.band is not None  # the band is the curve's
    anchor = sgd.band[1] / lr_range.BAND_ABOVE
    assert sgd.suggestion == pytest.approx(anchor)
    assert adam.suggestion == pytest.approx(anchor * lr_range.ADAPTIVE_FACTOR)


@pytest.mark.parametrize("optimizer", ["adamw", "nadam", "adamax", "lamb", "rmsprop"])
def test_adams_family_starts_where_adam_does(optimizer: str) -> None:
    # AdamW is Adam with decoupled weight decay: the same running average of squared
    # gradients, so the same quarter. (At r itself, on the MLP's grid, it never reached.)
    rates = lr_range.ramp(LR_MIN, LR_MAX, 200)
    losses = synthetic_losses(rates, best=1e-2, noise=0.0)
    adam = lr_range.read_curve(rates, losses, LR_MIN, LR_MAX, 200, "adam")
    other = lr_range.read_curve(rates, losses, LR_MIN, LR_MAX, 200, optimizer)
    lion = lr_range.read_curve(rates, losses, LR_MIN, LR_MAX, 200, "lion")
    assert other.suggestion == pytest.approx(adam.suggestion)
    assert lion.suggestion is not None and adam.suggestion is not None
    assert lion.suggestion == pytest.approx(adam.suggestion / lr_range.ADAPTIVE_FACTOR)
