"""Stored values order runs the way `autolr best` does, so tools that see only the value
(optuna-dashboard's Best Trial card, study.best_trial) give the same answer: reached runs
first, tied steps broken inside the value, then every run that missed the target."""

from __future__ import annotations

import json

import optuna
import pytest
from optuna.trial import TrialState

from autolr.answers.results import best_reached, rank_key, reached
from autolr.search.ties import TIE_SPAN, tie_break, whole_steps
from tests.conftest import MIXED_FLAGS
from tests.helpers import invoke

RANGE = (1e-5, 100.0)


def test_the_tie_break_is_a_fraction_of_a_step_ordered_like_autolr_best() -> None:
    target = 0.97
    cleared_more = tie_break(0.99, target, 0.1, *RANGE)
    cleared_less = tie_break(0.975, target, 0.01, *RANGE)
    assert 0 <= cleared_more < cleared_less < TIE_SPAN  # by margin first, whatever the rate
    lower_rate = tie_break(0.98, target, 0.01, *RANGE)
    assert lower_rate < tie_break(0.98, target, 0.1, *RANGE)  # then the lower rate
    assert tie_break(1.0, target, 1e-5, *RANGE) == 0.0
    assert whole_steps(300 + tie_break(0.97, target, 100.0, *RANGE)) == 300.0
    # Within a step's width even at the largest budgets (floats keep the levels apart).
    assert 1e6 + lower_rate != 1e6 + tie_break(0.98, target, 0.0101, *RANGE)


@pytest.fixture(scope="module")
def mixed(mixed_study: tuple[str, str]) -> optuna.Study:
    url, name = mixed_study
    return optuna.load_study(study_name=name, storage=url)


def test_every_run_that_reached_sorts_before_every_run_that_did_not(mixed: optuna.Study) -> None:
    budget = MIXED_FLAGS["max_steps"]
    finished = mixed.get_trials(states=(TrialState.COMPLETE, TrialState.PRUNED))
    hits = [t.value for t in finished if reached(t)]
    misses = [t.value for t in finished if not reached(t)]
    assert hits and misses and all(v is not None for v in hits + misses)
    # A run that reached at the budget's last check is worth the budget and a tie-break.
    assert max(hits) < budget + TIE_SPAN < min(misses)  # pruned runs too: their last value
    diverged = [t.value for t in finished if t.user_attrs.get("outcome") == "diverged"]
    assert diverged == [10 * budget] == [max(misses)]
    assert {t.state for t in finished if not reached(t)} == {TrialState.COMPLETE, TrialState.PRUNED}


def test_runs_tied_on_steps_are_ordered_by_their_values(mixed: optuna.Study) -> None:
    hits = [t for t in mixed.get_trials(states=(TrialState.COMPLETE,)) if reached(t)]
    steps = [whole_steps(t.value) for t in hits]
    tied = [t for t, s in zip(hits, steps, strict=True) if steps.count(s) > 1]
    assert len(tied) >= 2  # adam at 3e-3 and 1e-2 both reach at the same check
    by_value = sorted(tied, key=lambda t: t.value)
    assert by_value == sorted(tied, key=rank_key)
    assert len({t.value for t in tied}) == len(tied)


def test_the_studys_best_trial_is_autolr_best(mixed: optuna.Study, mixed_study) -> None:
    url, name = mixed_study
    answer = json.loads(invoke("best", "--study", name, "--storage", url, "--json").stdout)
    best = mixed.best_trial  # what optuna-dashboard's Best Trial card shows
    assert best.number == best_reached(mixed.get_trials()).number
    assert (best.params["optimizer"], best.params["learning_rate"]) == (
        answer["optimizer"],
        answer["learning_rate"],
    )
    assert answer["value"] == whole_steps(best.value)  # whole steps, as people read them
