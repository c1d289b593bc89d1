"""tune --prior find: the range test narrows what is searched; hopeless runs stop early."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from autolr.errors import ConfigError
from autolr.search.lr_range import RangeVerdict
from autolr.search.prior import PRIOR_MARGIN, SPACE_ATTR, from_range_tests
from autolr.settings import StudySettings
from autolr.study.runner import NullObserver, TuneRequest
from autolr.study.tuning import tune
from tests.helpers import SCALE

SMALL = {
    "scale": float(SCALE),
    "train_size": 2000,
    "target": 0.9,
    "max_steps": 400,
    "find_steps": 120,
}


class Notes(NullObserver):
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)


def _verdict(band: tuple[float, float] | None, lowest: float) -> RangeVerdict:
    return RangeVerdict(
        band is not None,
        None if band is None else (band[0] * band[1]) ** 0.5,
        band,
        2.3,
        lowest,
        None,
        "made by hand",
    )


def test_bands_are_widened_clipped_and_ordered_by_the_lowest_loss() -> None:
    settings = StudySettings(optimizers=("sgd", "adam", "adagrad"), lr_min=1e-4, lr_max=1.0)
    space = from_range_tests(
        settings,
        {
            "sgd": _verdict((0.01, 0.3), lowest=1.5),
            "adam": _verdict((1e-4 * 2, 6e-3), lowest=0.4),
            "adagrad": _verdict(None, lowest=2.3),
        },
    )
    assert list(space.ranges) == ["adam", "sgd"]  # lowest range-test loss first
    assert space.ranges["sgd"] == pytest.approx((0.01 / PRIOR_MARGIN, 0.3 * PRIOR_MARGIN))
    assert space.ranges["adam"] == pytest.approx((1e-4, 6e-3 * PRIOR_MARGIN))  # clipped below
    assert "adagrad" in space.left_out and "adagrad" not in space.ranges


def test_no_usable_valley_anywhere_is_a_clear_error() -> None:
    settings = StudySettings(optimizers=("sgd",))
    with pytest.raises(ConfigError, match="found no usable learning rate for any optimizer"):
        from_range_tests(settings, {"sgd": _verdict(None, lowest=2.3)})


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_priors_narrow_the_distributions_stored_in_trials(tmp_path: Path, mnist: str) -> None:
    storage = f"sqlite:///{tmp_path}/prior.db"
    flags = {
        **SMALL,
        "sampler": "tpe",
        "optimizers": ["adam", "adadelta"],
        "lr_min": 1e-6,
        "lr_max": 1e-2,  # Adadelta needs rates near 1: no valley in this range
        "data": mnist,
        "band": "none",  # the search's own trials only (follow-ups search the whole range)
    }
    observer = Notes()
    outcome = tune(TuneRequest("narrow", storage, flags, n_trials=3), observer)
    assert outcome.complete
    study = optuna.load_study(study_name="narrow", storage=storage)
    space = study.user_attrs[SPACE_ATTR]
    assert list(space["ranges"]) == ["adam"] and "adadelta" in space["left_out"]
    assert any(n.startswith("adadelta left out of the search") for n in observer.notes)
    low, high = space["ranges"]["adam"]
    assert low > 1e-6 and high / low < 1e-2 / 1e-6  # narrower than the whole range
    for trial in study.trials:
        assert trial.params["optimizer"] == "adam"
        distribution = trial.distributions["learning_rate"]
        assert (distribution.low, distribution.high) == pytest.approx((low, high))
    # The first trial is the range test's suggestion.
    assert study.trials[0].params["learning_rate"] == pytest.approx(space["suggestions"]["adam"])


def test_prior_none_searches_the_whole_range(tmp_path: Path, mnist: str) -> None:
    storage = f"sqlite:///{tmp_path}/none.db"
    flags = {**SMALL, "sampler": "random", "prior": "none", "optimizers": ["adam"], "data": mnist}
    flags["band"] = "none"  # the search's own trial: no follow-ups
    tune(TuneRequest("whole", storage, flags, n_trials=1), NullObserver())
    study = optuna.load_study(study_name="whole", storage=storage)
    distribution = study.trials[0].distributions["learning_rate"]
    assert (distribution.low, distribution.high) == (1e-6, 100.0)
    assert "whole-find" not in optuna.get_all_study_names(storage)  # no range test ran


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_a_run_at_1e_6_is_stopped_early_and_says_why(tmp_path: Path, mnist: str) -> None:
    storage = f"sqlite:///{tmp_path}/stall.db"
    flags = {
        **SMALL,
        "sampler": "tpe",
        "prior": "none",
        "optimizers": ["sgd"],
        "lr_min": 1e-6,
        "lr_max": 1.1e-6,
        "max_steps": 1000,
        "data": mnist,
    }
    tune(TuneRequest("stall", storage, flags, n_trials=1), NullObserver())
    trial = optuna.load_study(study_name="stall", storage=storage).trials[0]
    assert trial.state.name == "PRUNED"
    assert trial.user_attrs["stop_reason"] == "stalled"
    assert trial.user_attrs["steps"] <= 300  # of a 1000-step budget
    # Its stored value is in steps and above the budget: after every run that reached.
    assert trial.value is not None and trial.value > 1000


def test_workers_with_one_seed_do_not_propose_the_same_trial(tmp_path: Path) -> None:
    """Two workers (two samplers with the same --seed) on one study, each asking while the
    other's trial runs: their trials have different numbers, so their draws differ; and a
    study replayed alone draws exactly what it drew before."""
    from autolr.search.samplers import make_sampler

    settings = StudySettings(sampler="random", prior="none", optimizers=("adam", "sgd"))

    def claim(study_name: str, storage: str) -> tuple[int, tuple[str, float]]:
        study = optuna.load_study(
            study_name=study_name,
            storage=storage,
            sampler=make_sampler(settings, 0, None),  # type: ignore[arg-type]
        )
        trial = study.ask()
        optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd"])
        rate = trial.suggest_float("learning_rate", 1e-6, 100, log=True)
        return trial.number, (str(optimizer), float(rate))

    storage = f"sqlite:///{tmp_path}/seeds.db"
    for name in ("shared", "replay"):
        optuna.create_study(study_name=name, storage=storage)
    first, second = claim("shared", storage), claim("shared", storage)  # both RUNNING
    assert (first[0], second[0]) == (0, 1) and first[1] != second[1]
    assert claim("replay", storage) == first  # trial 0 of a study replayed: the same draw
