"""Trials to runs, curves, the per-rate envelope and the band table, checked by hand."""

from __future__ import annotations

import math

import optuna
import pytest

from autolr.answers.results import recommend
from autolr.report.bands import band_rows, common_band
from autolr.report.data import (
    ReportError,
    curves,
    envelope,
    rate_bin,
    read_runs,
)
from autolr.search.space import study_learning_rates
from autolr.settings import StudySettings
from tests.report.conftest import MADE_SETTINGS, TPE_TRIALS, made_trial


def nan_to_none(values) -> list:
    return [None if math.isnan(v) else v for v in values]


def test_runs_keep_finished_trials_with_their_outcome() -> None:
    runs = read_runs(MADE_SETTINGS, TPE_TRIALS)
    assert [r.outcome for r in runs] == [
        "budget",
        "reached",
        "reached",
        "reached",
        "diverged",
        "reached",
        "reached",
        "pruned",
        "reached",
    ]
    adam = runs[2]
    assert (adam.optimizer, adam.learning_rate, adam.value("steps"), adam.value("seconds")) == (
        "adam",
        1.1e-3,
        300.0,
        3.5,
    )
    # A run that did not reach the target has no value: it is a gap, not a number.
    assert math.isnan(runs[0].value("steps")) and math.isnan(runs[7].value("seconds"))


def test_running_and_failed_trials_are_left_out() -> None:
    trials = [
        made_trial("adam", 1e-3, 300),
        made_trial("adam", 1e-2, None, state="FAIL"),
    ]
    assert [r.learning_rate for r in read_runs(MADE_SETTINGS, trials)] == [1e-3]


def test_curves_sort_by_rate_and_leave_gaps_where_the_target_was_missed() -> None:
    runs = read_runs(MADE_SETTINGS, TPE_TRIALS)
    adam, sgd = curves(runs, ("adam", "sgd"), "steps")
    assert adam.learning_rates == (1.1e-4, 1.0e-3, 1.1e-3, 3.0e-3, 0.5)
    assert nan_to_none(adam.values) == [None, 400.0, 300.0, 420.0, None]
    assert nan_to_none(sgd.values) == [900.0, 350.0, None, 450.0]
    assert (adam.reached_points, sgd.reached_points) == (3, 3)


def test_curves_skip_optimizers_without_runs() -> None:
    runs = read_runs(MADE_SETTINGS, TPE_TRIALS[:4])
    assert [s.optimizer for s in curves(runs, ("adam", "sgd"), "steps")] == ["adam"]


def test_grid_rates_each_get_their_own_bin() -> None:
    rates = study_learning_rates()
    bins = [rate_bin(r) for r in rates]
    assert len(set(bins)) == len(rates)
    assert all(math.isclose(10 ** (k / 6), r) for k, r in zip(bins, rates, strict=True))


def test_envelope_by_hand() -> None:
    runs = read_runs(MADE_SETTINGS, TPE_TRIALS)
    env = envelope(runs, "steps")
    # Bins: 1e-4 (adam missed), 1e-3 (adam 400 and 300 -> 300; sgd 900), 3.16e-3 (adam),
    # 0.1 (sgd), 0.215 (sgd pruned at 0.2, 450 at 0.22), 0.464 (adam diverged).
    assert [round(r, 4) for r in env.learning_rates] == [0.0001, 0.001, 0.0032, 0.1, 0.2154, 0.4642]
    assert nan_to_none(env.fastest) == [None, 300.0, 420.0, 350.0, 450.0, None]
    assert nan_to_none(env.slowest) == [None, 900.0, 420.0, 350.0, 450.0, None]
    assert env.fastest_optimizer == (None, "adam", "adam", "sgd", "sgd", None)
    assert env.slowest_optimizer == (None, "sgd", "adam", "sgd", "sgd", None)
    assert env.reached == (0, 2, 1, 1, 1, 0)
    assert env.tried == (1, 2, 1, 1, 1, 1)
    assert env.rates_with_a_result == 4
    assert env.fastest_at("adam") == [(0.001, 300.0), (10**-2.5, 420.0)]
    # sgd is the slowest only where another optimizer also reached the target.
    assert env.slowest_at("sgd") == [(0.001, 900.0)]
    # The runs compared in a bin keep their real rates (TPE's fall anywhere in it).
    assert nan_to_none(env.fastest_rate) == [None, 1.1e-3, 3e-3, 0.1, 0.22, None]
    assert nan_to_none(env.slowest_rate) == [None, 1.05e-3, 3e-3, 0.1, 0.22, None]


def test_stored_outcomes_and_stop_reasons_give_each_run_its_cause() -> None:
    def stored(outcome: str, state: str = "COMPLETE", **attrs):
        trial = made_trial("adam", 1e-3, None, state=state)
        return optuna.trial.create_trial(
            state=trial.state,
            value=trial.value,
            params=trial.params,
            distributions=trial.distributions,
            user_attrs={**trial.user_attrs, "outcome": outcome, **attrs},
        )

    trials = [
        stored("time"),
        stored("budget"),
        stored("pruned", "PRUNED", stop_reason="behind", projected_steps=5000),
        stored("pruned", "PRUNED", stop_reason="stopped"),
        made_trial("adam", 1e-2, None, diverged=True),  # before outcomes were stored
        made_trial("adam", 1e-1, 200),
    ]
    runs = read_runs(MADE_SETTINGS, trials)
    assert [r.cause for r in runs] == [
        "time",
        "budget",
        "pruned: behind",
        "pruned",
        "diverged",
        None,
    ]
    assert runs[2].projected_steps == 5000 and "projected 5000 steps" in runs[2].story()


def test_envelope_in_seconds_can_name_another_winner() -> None:
    trials = [
        made_trial("adam", 1e-2, 200, seconds=5.0),
        made_trial("sgd", 1e-2, 300, seconds=2.0),  # more steps, but cheaper ones
    ]
    runs = read_runs(MADE_SETTINGS, trials)
    assert envelope(runs, "steps").fastest_optimizer == ("adam",)
    assert envelope(runs, "seconds").fastest_optimizer == ("sgd",)


def test_band_rows_repeat_recommend_and_add_the_reached_rates() -> None:
    runs = read_runs(MADE_SETTINGS, TPE_TRIALS)
    rec = recommend("made", MADE_SETTINGS, TPE_TRIALS)
    adam, sgd = band_rows(rec, runs)
    for row in (adam, sgd):
        result = rec.per_optimizer[row.optimizer]
        assert (row.best_rate, row.best_value, row.band) == (
            result.learning_rate,
            result.value,
            result.band,
        )
        assert (row.reached_trials, row.trials) == (result.reached_trials, result.trials)
    # adam: best 300 at 1.1e-3; 400 and 420 are within 1.5 x 300 = 450.
    assert (adam.best_rate, adam.band) == (1.1e-3, (1e-3, 3e-3))
    assert adam.reached_rates == (1e-3, 1.1e-3, 3e-3)
    # sgd: best 350 at 0.1; 450 is within 525, 900 is not, but it did reach.
    assert (sgd.band, sgd.reached_range) == ((0.1, 0.22), (1.05e-3, 0.22))
    # Three rates make adam's band; sgd's two are too few to call it one.
    assert (adam.band_rates, adam.thin, sgd.band_rates, sgd.thin) == (3, False, 2, True)
    assert common_band([adam, sgd]) is None


def test_common_band_when_the_bands_overlap() -> None:
    trials = [made_trial("adam", 1e-2, 100), made_trial("sgd", 1e-2, 120)]
    runs = read_runs(MADE_SETTINGS, trials)
    rows = band_rows(recommend("made", MADE_SETTINGS, trials), runs)
    assert common_band(rows) == (1e-2, 1e-2)


def test_common_band_needs_every_optimizer_to_have_one() -> None:
    trials = [made_trial("adam", 1e-2, 100), made_trial("sgd", 1e-2, None)]
    runs = read_runs(MADE_SETTINGS, trials)
    rows = band_rows(recommend("made", MADE_SETTINGS, trials), runs)
    assert common_band(rows) is None


def test_pbt_trials_are_not_read_as_fixed_rate_runs() -> None:
    settings = StudySettings(sampler="pbt", optimizers=("adam", "sgd"))
    with pytest.raises(ReportError, match="a pbt study's trials are not fixed-rate runs"):
        read_runs(settings, TPE_TRIALS)
