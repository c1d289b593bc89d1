"""What a worker's display is told after a trial: the count and best of the whole study,
without reading the whole study."""

from __future__ import annotations

import math
from pathlib import Path

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import FrozenTrial, TrialState

import autolr.study.view
from autolr.answers.results import NoResultError, best_reached, reached, recommend
from autolr.search.roles import BAND, ROLE_ATTR, SEED
from autolr.settings import StudySettings
from autolr.store.storage import open_storage
from autolr.study.view import StudyView

RATE = FloatDistribution(1e-6, 100.0, log=True)


def _trial(state: TrialState, value: float | None, reached: bool, rate: float) -> FrozenTrial:
    return optuna.trial.create_trial(
        state=state,
        value=value if state == TrialState.COMPLETE else None,
        params={"optimizer": "adam", "learning_rate": rate},
        distributions={"optimizer": CategoricalDistribution(["adam"]), "learning_rate": RATE},
        user_attrs={"reached": reached, "final_accuracy": 0.95 if reached else 0.5},
    )


def _view(tmp_path: Path, trials: list[FrozenTrial]) -> tuple[StudyView, optuna.Study]:
    storage = open_storage(f"sqlite:///{tmp_path}/view.db")
    study = optuna.create_study(study_name="view", storage=storage)
    study.add_trials(trials)
    return StudyView(study, storage, storage.get_study_id_from_name("view")), study


def test_done_and_best_are_the_whole_studys(tmp_path: Path) -> None:
    trials = [
        _trial(TrialState.COMPLETE, 400.0, True, 0.01),
        _trial(TrialState.COMPLETE, 300.0, True, 0.03),  # the best
        _trial(TrialState.COMPLETE, 1900.0, False, 0.1),
        _trial(TrialState.PRUNED, None, False, 1.0),
        _trial(TrialState.FAIL, None, False, 3.0),
    ]
    view, _ = _view(tmp_path, trials)
    mine = _trial(TrialState.COMPLETE, 350.0, True, 0.02)  # just finished here, not better
    assert view.done() == (4, 0)
    best = view.best(mine)
    assert best is not None and best.params["learning_rate"] == 0.03
    better = _trial(TrialState.COMPLETE, 250.0, True, 0.05)
    assert view.best(better) is better  # this worker's own trial counts at once


def test_done_counts_the_search_and_its_follow_ups_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A display's bar counts the search's trials against the trials asked for, and the
    band and seed runs beside it: told apart by their role, not guessed from the total
    (a study resumed with a smaller --n-trials, or PBT ending early, would fool that)."""
    search = [_trial(TrialState.COMPLETE, 300.0 + k, True, 0.01) for k in range(3)]
    follow_ups = [_trial(TrialState.COMPLETE, 310.0, True, 0.02) for _ in range(2)]
    for k, trial in enumerate(follow_ups):
        trial.user_attrs.update({ROLE_ATTR: BAND if k else SEED})
    stopped = _trial(TrialState.PRUNED, None, False, 0.05)
    stopped.user_attrs.update({ROLE_ATTR: BAND})
    view, _ = _view(tmp_path, [*search, *follow_ups, stopped])
    assert view.done() == (3, 3)
    # Where Optuna's tables are not as the count reads them, the study is read instead.
    monkeypatch.setattr(autolr.study.view, "count_finished", lambda *_: None)
    assert view.done() == (3, 3)


def test_when_the_lowest_value_did_not_reach_the_best_that_did_is_found(
    tmp_path: Path,
) -> None:
    """With the time objective a run that stopped short can be projected below the
    fastest that reached; the display still shows the fastest that reached."""
    trials = [
        _trial(TrialState.COMPLETE, 12.0, False, 0.3),  # Optuna's best: did not reach
        _trial(TrialState.COMPLETE, 20.0, True, 0.01),
        _trial(TrialState.COMPLETE, 15.0, True, 0.02),
    ]
    view, study = _view(tmp_path, trials)
    assert study.best_trial.params["learning_rate"] == 0.3
    first = view.best(_trial(TrialState.PRUNED, None, False, 1.0))
    assert first is not None
    assert first.params["learning_rate"] == best_reached(study.trials).params["learning_rate"]
    assert first.params["learning_rate"] == 0.02


def test_the_display_never_shows_a_run_that_did_not_reach_and_agrees_with_best(
    tmp_path: Path,
) -> None:
    """Values as the objective stores them (budget 300): a run that stopped short is worth
    the budget plus its projection, a diverged one 10 budgets, a stopped one its last
    value. The display's best is `autolr best`'s answer, and none while nothing reached."""
    budget = 300
    unreached = [
        _trial(TrialState.COMPLETE, budget + 40.0, False, 0.01),  # out of budget
        _trial(TrialState.COMPLETE, 10.0 * budget, False, 30.0),  # diverged
        _trial(TrialState.PRUNED, None, False, 0.002),
    ]
    view, study = _view(tmp_path, unreached)
    assert view.best(_trial(TrialState.COMPLETE, budget + 5.0, False, 0.02)) is None
    settings = StudySettings(optimizers=("adam",), sampler="grid")
    with pytest.raises(NoResultError):
        recommend("view", settings, study.trials)
    study.add_trial(_trial(TrialState.COMPLETE, 250.003, True, 0.05))  # another worker's
    view._looked_up_at = -math.inf  # as if LOOKUP_SECONDS had passed
    best = view.best(_trial(TrialState.COMPLETE, budget + 1.0, False, 0.03))
    answer = recommend("view", settings, study.trials)
    assert best is not None and reached(best)
    assert best.params["learning_rate"] == answer.learning_rate == 0.05


def test_an_exact_tie_goes_to_the_earlier_trial_as_in_autolr_best(tmp_path: Path) -> None:
    """This worker's trial ties exactly with one stored earlier: `autolr best` reads trials
    in number order and keeps the first, and so does the display."""
    view, _ = _view(tmp_path, [_trial(TrialState.COMPLETE, 300.0, True, 0.01)])
    mine = _trial(TrialState.COMPLETE, 300.0, True, 0.01)
    mine.number = 1  # told first, numbered later
    best = view.best(mine)
    assert best is not None and best.number == 0
