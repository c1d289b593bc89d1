"""Each size's best rate in a scale study, read as `autolr best` ranks a study's runs."""

from __future__ import annotations

import pytest

from autolr.answers.results import recommend
from autolr.answers.scaling import SizeBest, best_by_size, scale_runs
from autolr.errors import ConfigError
from autolr.settings import StudySettings
from autolr.study.experiments import scale_settings, size_search_rates
from tests.report.made import SCALE_TRIALS, SIZES


def test_each_size_gets_its_best_rate_and_band_worked_out_by_hand() -> None:
    best = best_by_size(SCALE_TRIALS)
    assert list(best) == ["adam"]
    small, middle, large = best["adam"]
    # x0.125: 1e-2 and 1e-1 both reached at step 100 (the lower rate wins the tie); 1e-3
    # took 150 steps, inside 1.5 x 100, so the band spans every rate tried.
    assert (small.learning_rate, small.band, small.steps, small.seconds) == (
        1e-2,
        (1e-3, 1e-1),
        100,
        1.0,
    )
    assert small.at_edge == ("low", "high")
    # x0.25: 1e-1 took 150 steps (inside the band), 1e-3 never reached.
    assert (middle.learning_rate, middle.band, middle.at_edge) == (1e-2, (1e-2, 1e-1), ("high",))
    # x0.5: only 1e-2 reached; its neighbours were tried, so the best is bracketed.
    assert (large.learning_rate, large.band, large.at_edge) == (1e-2, (1e-2, 1e-2), ())
    assert [b.weights for b in best["adam"]] == list(SIZES.values())
    assert large.tried == (1e-3, 1e-2, 1e-1)


def test_a_size_where_nothing_reached_has_no_best() -> None:
    trials = [
        t for t in SCALE_TRIALS if t.params["scale"] == 0.5 and t.params["learning_rate"] != 1e-2
    ]
    (only,) = best_by_size(trials)["adam"]
    assert (only.learning_rate, only.band, only.steps, only.at_edge) == (None, None, None, ())


def test_runs_carry_their_optimizer_and_size() -> None:
    runs = scale_runs(SCALE_TRIALS)
    assert {(r.optimizer, r.scale) for r in runs} == {("adam", s) for s in SIZES}
    assert sum(r.reached for r in runs) == 6


def test_size_is_the_weight_count_or_the_scale_factor() -> None:
    best = SizeBest("sgd", 0.5, 821_706, (0.1,), 0.1, (0.1, 0.1), 100, 1.0)
    assert (best.size("weights"), best.size("scale")) == (821_706, 0.5)


def test_each_size_searches_the_source_band_widened_on_the_study_grid() -> None:
    # 0.01 / 3 .. 0.01 x 3 holds the grid rates 10^(-14/6) .. 10^(-10/6).
    assert size_search_rates((0.01, 0.01), 3.0) == pytest.approx(
        [10 ** (-i / 6) for i in (14, 13, 12, 11, 10)]
    )
    assert size_search_rates((0.01, 10 ** (-10 / 6)), 1.0) == pytest.approx(
        [10 ** (-i / 6) for i in (12, 11, 10)]
    )


def test_a_scale_study_plans_every_size_optimizer_and_rate() -> None:
    source = StudySettings(sampler="grid", optimizers=("adam", "sgd"))
    rec = recommend("made", source, SCALE_TRIALS)  # adam's band: 0.001 .. 0.1
    planned = scale_settings("made", source, rec, [0.5, 0.25], [0.01, 0.1], ["sgd", "adam"], None)
    assert planned.sampler == "scale" and planned.source == "made"
    assert planned.points[:3] == (("sgd", 0.01, 0.25), ("sgd", 0.1, 0.25), ("adam", 0.01, 0.25))
    assert len(planned.points) == 8 and planned.train.target == source.train.target
    window = scale_settings("made", source, rec, [1.0], None, None, 0.9, widen=1.0)
    assert [p[1] for p in window.points] == pytest.approx(size_search_rates((1e-3, 0.1), 1.0))
    assert window.train.target == 0.9
    with pytest.raises(ConfigError, match="--widen must be a factor of at least 1"):
        scale_settings("made", source, rec, [1.0], None, None, None, widen=0.5)
    with pytest.raises(ConfigError, match="no rate of sgd reached the target in made"):
        scale_settings("made", source, rec, [1.0], None, ["sgd"], None)
