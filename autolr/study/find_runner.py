"""Running the learning-rate range test: `autolr find`, and the prior of `tune --prior find`.

The range test of study NAME is a planned study of its own, NAME-find (one trial per
optimizer), run through the same runner as every study, so it resumes and can be shared.
"""

from __future__ import annotations

from dataclasses import dataclass

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from autolr.study.find import find_settings, find_study_name, verdicts
from autolr.study.lr_range import RangeVerdict
from autolr.study.observer import TuneObserver
from autolr.study.prior import SPACE_ATTR, SearchSpace, from_range_tests
from autolr.study.runner import TuneRequest, resolve_settings, tune
from autolr.study.settings import StudySettings
from autolr.study.storage import open_storage, study_names


def prior_space(
    storage: RDBStorage, request: TuneRequest, settings: StudySettings, observer: TuneObserver
) -> SearchSpace | None:
    """The range-test prior's search space: stored with the study, or made now by running
    (or resuming) the study's range test, NAME-find. None if --timeout ran out first."""
    name = request.study_name
    if name in study_names(storage):
        stored = optuna.load_study(study_name=name, storage=storage).user_attrs.get(SPACE_ATTR)
        if stored is not None:
            return SearchSpace.from_attr(stored)
    found = run_range_tests(request, settings, observer)
    if not found.complete:
        return None
    space = from_range_tests(settings, found.verdicts)
    for optimizer, why in space.left_out.items():
        observer.note(f"{optimizer} left out of the search: {why}")
    return space


@dataclass(frozen=True)
class FindOutcome:
    study_name: str  # NAME-find
    settings: StudySettings  # the range test's own settings
    verdicts: dict[str, RangeVerdict]  # per optimizer, for the finished tests
    steps: dict[str, int]  # training steps each test took
    complete: bool


def find(request: TuneRequest, observer: TuneObserver) -> FindOutcome:
    """`autolr find`: run or resume the range test of the study `request` names (the
    study itself need not exist; its settings come from the flags, preset or storage)."""
    storage = open_storage(request.storage_url, request.heartbeat_seconds)
    settings = resolve_settings(
        storage, request.study_name, request.preset, request.flags, request.settings
    )
    return run_range_tests(request, settings, observer)


def run_range_tests(
    request: TuneRequest, settings: StudySettings, observer: TuneObserver
) -> FindOutcome:
    find_name = find_study_name(request.study_name)
    outcome = tune(
        TuneRequest(
            find_name,
            request.storage_url,
            {},
            timeout=request.timeout,
            heartbeat_seconds=request.heartbeat_seconds,
            settings=find_settings(request.study_name, settings),
        ),
        observer,
    )
    storage = open_storage(request.storage_url)
    trials = optuna.load_study(study_name=find_name, storage=storage).get_trials(deepcopy=False)
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    return FindOutcome(
        find_name,
        outcome.settings,
        verdicts(done),
        {str(t.params["optimizer"]): int(t.user_attrs.get("steps", 0)) for t in done},
        outcome.complete,
    )
