"""Fits across model sizes: lines checked against hand computations, the rate slope's
bootstrap interval against synthetic series with a known slope."""

from __future__ import annotations

import math

import pytest

from autolr.answers.scaling import SizeBest
from autolr.answers.sizefit import fit_line, fit_rates, plausible_span
from autolr.search.space import study_learning_rates

GRID = study_learning_rates()


def test_an_exact_line_is_recovered() -> None:
    line = fit_line([1, 2, 3], [3, 5, 7])  # y = 1 + 2x
    assert (line.c, line.k) == (pytest.approx(1), pytest.approx(2))
    assert line.predict(10) == pytest.approx(21)
    assert line.interval(10) == pytest.approx((21, 21))  # every resample: the same line


def test_four_sizes_give_the_hand_computed_r2() -> None:
    # x 0..3, y 1,3,2,4: Sxx 5, Sxy 4 -> k 0.8, c 1.3; SSR 1.8, SST 5 -> R² 0.64
    line = fit_line([0, 1, 2, 3], [1, 3, 2, 4])
    assert (line.k, line.c, line.r2) == (
        pytest.approx(0.8),
        pytest.approx(1.3),
        pytest.approx(0.64),
    )
    assert line.quality() == "R² 0.640"


def test_fewer_than_four_sizes_give_no_r2() -> None:
    three = fit_line([0, 1, 2], [1, 3, 2])  # k 0.5, c 1.5 by hand
    assert (three.k, three.c, three.r2) == (pytest.approx(0.5), pytest.approx(1.5), None)
    assert three.quality() == "3 sizes: too few for an R²"
    low, high = three.interval(2)
    assert low < three.predict(2) < high  # 3 noisy points: a real spread
    two = fit_line([1, 2], [5, 9])
    assert (two.r2, two.quality(), two.interval(4)) == (None, "exact through 2 points", None)


def test_a_negative_intercept_is_held_at_zero_and_said() -> None:
    # Free fit: k 4, c -13/3. Through the origin: k = Σxy / Σx² = 30 / 14.
    line = fit_line([1, 2, 3], [-1, 5, 7])
    assert line.c == pytest.approx(0, abs=1e-9) and line.k == pytest.approx(30 / 14)
    assert line.c_free == pytest.approx(-13 / 3) and line.c_held_at_zero
    assert line.c_note() == "c held at 0 (the free fit gave -4.33, a negative fixed cost)"
    low, _ = line.interval(3)
    assert low >= 0  # no resample has a negative fixed cost either
    assert fit_line([1, 2, 3], [3, 5, 7]).c_note() == ""


def test_one_distinct_size_is_not_a_line() -> None:
    with pytest.raises(ValueError, match="two distinct"):
        fit_line([5, 5], [1, 2])


def sized(weights: float, rate: float, band: tuple[float, float] | None = None) -> SizeBest:
    """A size whose search tried the whole grid and found `rate` best."""
    return SizeBest(
        "adam", weights / 1e6, int(weights), tuple(GRID), rate, band or (rate, rate), 100, 1.0
    )


def nearest(rate: float) -> float:
    return min(GRID, key=lambda r: abs(math.log10(r / rate)))


WEIGHTS = [1e3, 1e4, 1e5, 1e6]


def test_a_known_slope_is_inside_the_interval_and_zero_outside() -> None:
    # Best rate = 0.1 x (weights / 1000)^-0.5, as the nearest grid rate: slope -0.5.
    series = [sized(w, nearest(0.1 * (w / 1e3) ** -0.5)) for w in WEIGHTS]
    fit = fit_rates(series, "weights")
    assert fit is not None
    low, high = fit.slope_interval
    assert low < -0.5 < high and high < 0
    assert not fit.transfers
    truth = 0.1 * (1e7 / 1e3) ** -0.5
    assert fit.interval(1e7)[0] < truth < fit.interval(1e7)[1]
    assert fit.predict(1e7) == pytest.approx(truth, rel=0.2)
    assert fit.caveat() == ""


def test_a_flat_series_transfers() -> None:
    bands = [(GRID[30], GRID[31]), (GRID[30], GRID[30]), (GRID[29], GRID[31]), (GRID[30], GRID[30])]
    series = [sized(w, GRID[30], band) for w, band in zip(WEIGHTS, bands, strict=True)]
    fit = fit_rates(series, "weights")
    assert fit is not None and fit.transfers
    low, high = fit.slope_interval
    assert low < 0 < high and high - low < 0.3  # well-bracketed sizes: a narrow interval
    assert fit.interval(1e7)[0] < GRID[30] < fit.interval(1e7)[1]


def test_three_sizes_say_the_interval_is_rough_and_two_say_what_it_lacks() -> None:
    three = fit_rates([sized(w, GRID[30]) for w in WEIGHTS[:3]], "weights")
    two = fit_rates([sized(w, GRID[30]) for w in WEIGHTS[:2]], "weights")
    assert three is not None and "only 3 sizes" in three.caveat()
    assert two is not None and "only 2 sizes" in two.caveat()
    assert fit_rates([sized(1e3, GRID[30])], "weights") is None


def test_the_span_reaches_halfway_to_the_neighbouring_rates() -> None:
    tried = (0.001, 0.01, 0.1, 1.0)
    best = SizeBest("sgd", 1, 10, tried, 0.1, (0.01, 0.1), 100, 1.0)
    low, high = plausible_span(best)
    assert low == pytest.approx(math.sqrt(0.001 * 0.01)) and high == pytest.approx(math.sqrt(0.1))
    at_end = SizeBest("sgd", 1, 10, tried, 1.0, (1.0, 1.0), 100, 1.0)
    assert plausible_span(at_end)[1] == pytest.approx(math.sqrt(10))  # half a typical step
