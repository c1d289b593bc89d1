"""`best --for-scale`'s answer: the rate (the same one only when the slope allows it),
steps and seconds with intervals, and a warning far beyond the sizes measured."""

from __future__ import annotations

import pytest

from autolr.answers.transfer import (
    Measured,
    Target,
    extrapolation_factor,
    sizes_toward,
    with_scale_study,
    without_scale_study,
)
from tests.answers.test_sizefit import GRID, WEIGHTS, nearest, sized

KEYS = {"learning_rate", "interval", "transfers", "steps", "seconds", "extrapolation_factor"}


def flat() -> list:
    return [sized(w, GRID[30]) for w in WEIGHTS]


def sloped() -> list:
    return [sized(w, nearest(0.1 * (w / 1e3) ** -0.5)) for w in WEIGHTS]


def test_a_flat_series_keeps_the_searched_rate() -> None:
    target = Target("weights", None, 4_000_000)
    answer = with_scale_study("adam", 0.02, flat(), target, "weights", "s-scale", 50)
    assert set(answer) >= KEYS
    assert answer["transfers"] is True and answer["learning_rate"] == 0.02
    low, high = answer["interval"]
    assert low < GRID[30] < high and answer["fitted_rate"] == pytest.approx(GRID[30])
    assert answer["extrapolation_factor"] == 4 and answer["warning"] is None


def test_a_sloped_series_gives_the_extrapolated_rate() -> None:
    target = Target("weights", None, 4_000_000)
    answer = with_scale_study("adam", 0.1, sloped(), target, "weights", "s-scale", 50)
    assert answer["transfers"] is False
    assert answer["learning_rate"] == answer["fitted_rate"]
    assert answer["learning_rate"] == pytest.approx(0.1 * 4000**-0.5, rel=0.25)
    assert answer["slope"]["interval"][1] < 0


def test_steps_and_seconds_come_with_intervals_and_their_fit() -> None:
    series = [sized(w, GRID[30]) for w in WEIGHTS]
    target = Target("weights", None, 2_000_000)
    answer = with_scale_study("adam", 0.02, series, target, "weights", "s-scale", 50)
    steps, seconds = answer["steps"], answer["seconds"]
    assert steps["predicted"] == pytest.approx(100) and steps["counted_every"] == 50
    assert steps["interval"] == pytest.approx([50, 150])  # every size at 100: one check either way
    assert seconds["predicted"] == pytest.approx(1.0) and seconds["r2"] == pytest.approx(1.0)
    assert seconds["interval"] == pytest.approx([1.0, 1.0])
    assert seconds["quality"] == "R² 1.000"


@pytest.mark.parametrize(
    ("size", "factor"), [(5e5, 1.0), (1e7, 10.0), (1.1e7, 11.0), (1e2, 10.0), (50.0, 20.0)]
)
def test_the_extrapolation_factor_counts_from_the_nearest_size_measured(
    size: float, factor: float
) -> None:
    assert extrapolation_factor(size, Measured(1e3, 1e6, "x")) == pytest.approx(factor)


def test_more_than_ten_times_beyond_the_sizes_measured_is_a_warning() -> None:
    near = Target("weights", None, 10_000_000)
    far = Target("weights", None, 10_000_001)
    assert with_scale_study("adam", 0.02, flat(), near, "weights", "s", 50)["warning"] is None
    warning = with_scale_study("adam", 0.02, flat(), far, "weights", "s", 50)["warning"]
    assert warning.startswith(
        "10,000,001 weights is 10x beyond the sizes s measured (1,000 weights .. 1,000,000 weights)"
    )


def test_without_a_scale_study_the_evidence_is_the_2018_finding_only() -> None:
    target = Target("scale", 1e6, 3_274_634 * 10**12)
    answer = without_scale_study(
        "adam", 0.001, target, Measured(0.5, 0.5, "the searched model (x0.5)"), "run this"
    )
    assert set(answer) >= KEYS
    assert (answer["learning_rate"], answer["interval"], answer["transfers"]) == (0.001, None, None)
    assert answer["steps"] is None and answer["seconds"] is None
    assert "2018 study" in answer["evidence"] and answer["more"] == "run this"
    assert answer["extrapolation_factor"] == 2e6
    assert "2e+06x beyond the searched model (x0.5)" in answer["warning"]


def test_a_far_targets_warning_speaks_only_of_the_numbers_given() -> None:
    far = Target("weights", None, 10**9)
    alone = without_scale_study("adam", 0.001, far, Measured(1e6, 1e6, "the searched model"), None)
    # Nothing follows the warning and only the rate is given: no "numbers below".
    assert "below" not in alone["warning"] and "steps" not in alone["warning"]
    assert "the rate is carried that far unmeasured" in alone["warning"]
    one_size = with_scale_study("adam", 0.02, flat()[:1], far, "weights", "s", 50)
    assert one_size["steps"] is None and "steps" not in one_size["warning"]
    fitted = with_scale_study("adam", 0.02, flat(), far, "weights", "s", 50)
    assert "the rate, steps and seconds given extend a straight line" in fitted["warning"]
    assert "below" not in fitted["warning"]


def test_the_json_says_why_steps_and_seconds_are_not_given() -> None:
    target = Target("weights", None, 4_000_000)
    assert with_scale_study("adam", 0.02, flat(), target, "weights", "s", 50)["not_given"] == {}
    one_size = with_scale_study("adam", 0.02, flat()[:1], target, "weights", "s", 50)
    assert one_size["not_given"] == {
        key: "1 size(s) reached the target in s: a line needs 2" for key in ("steps", "seconds")
    }
    alone = without_scale_study("adam", 0.02, target, Measured(1e6, 1e6, "it"), None)
    assert set(alone["not_given"]) == {"steps", "seconds"}
    assert all("no sizes measured" in why for why in alone["not_given"].values())


@pytest.mark.parametrize(("measured", "target"), [(0.25, 4), (0.25, 0.01), (1, 1.5), (1, 1e6)])
def test_the_sizes_to_measure_next_lie_between_the_measured_one_and_the_target(
    measured: float, target: float
) -> None:
    sizes = sizes_toward(measured, target)
    assert measured in sizes and len(sizes) >= 2
    assert all(min(measured, target) <= s <= max(measured, target) for s in sizes)
