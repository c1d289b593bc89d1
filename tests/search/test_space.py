from __future__ import annotations

import itertools
import math
import re

import pytest

from autolr.errors import ConfigError
from autolr.search.space import check_grid, grid_points, run_order, study_learning_rates
from autolr.settings import StudySettings


def test_the_grid_has_the_studys_48_rates() -> None:
    rates = study_learning_rates()
    assert len(rates) == 48
    assert rates[0] == pytest.approx(1e-6) and rates[-1] == pytest.approx(100.0)
    assert rates[35] == pytest.approx(0.6812920690579612)  # 10^(-1/6), the last below one
    assert rates[36] == pytest.approx(1.4677992676220695)  # 10^(1/6), the first above one
    assert not any(math.isclose(r, 1.0) for r in rates)
    assert rates == sorted(rates)
    # log-spaced by a sixth of a decade everywhere except across the skipped 1.0
    gaps = [math.log10(b / a) for a, b in itertools.pairwise(rates)]
    assert all(g == pytest.approx(1 / 6) for i, g in enumerate(gaps) if i != 35)
    assert gaps[35] == pytest.approx(2 / 6)


def test_all_six_optimizers_give_288_points() -> None:
    points = grid_points(StudySettings())
    assert len(points) == 288
    assert {p.index for p in points} == set(range(288))
    assert len({(p.optimizer, p.learning_rate) for p in points}) == 288


def test_range_and_optimizers_restrict_the_grid() -> None:
    points = grid_points(StudySettings(optimizers=("adam",), lr_min=1e-3, lr_max=1.0))
    rates = [p.learning_rate for p in points]
    assert rates[0] == pytest.approx(1e-3) and rates[-1] == pytest.approx(10 ** (-1 / 6))
    assert len(points) == 18  # 10^(-18/6) .. 10^(-1/6)


def test_run_order_is_a_permutation_that_starts_in_the_middle() -> None:
    points = grid_points(StudySettings(optimizers=("sgd", "adam")))
    ordered = run_order(points)
    assert sorted(p.index for p in ordered) == [p.index for p in points]
    assert [p.optimizer for p in ordered[:2]] == ["sgd", "adam"]
    first_rate = ordered[0].learning_rate
    assert 1e-3 < first_rate < 1e-1  # the middle of 1e-6 .. 100 on a log scale


@pytest.mark.parametrize(
    ("lr_min", "lr_max", "nearest"),
    [
        (1.1e-3, 1.2e-3, "the nearest grid rates are 0.001 below and 0.00147 above"),
        (0.7, 1.4, "the nearest grid rates are 0.681 below and 1.47 above"),  # 1.0 skipped
        (200, 300, "the nearest grid rate is 100 below:"),
        (1e-9, 1e-8, "the nearest grid rate is 1e-06 above:"),
    ],
)
def test_a_grid_range_with_no_grid_rate_is_refused_naming_the_nearest(
    lr_min: float, lr_max: float, nearest: str
) -> None:
    settings = StudySettings(sampler="grid", lr_min=lr_min, lr_max=lr_max)
    with pytest.raises(ConfigError, match=f"holds no rate of the grid .*{re.escape(nearest)}"):
        check_grid(settings)
    check_grid(StudySettings(sampler="tpe", lr_min=lr_min, lr_max=lr_max))  # any rate will do
    check_grid(StudySettings(sampler="grid", lr_min=1e-3, lr_max=1e-3 * 1.0001))  # holds 1e-3
