"""Running the learning-rate range test: `autolr find`, and the prior of `tune --prior find`.

The range test of study NAME is a planned study of its own, NAME-find (one trial per
optimizer), run through the same runner as every study, so it resumes and can be shared.
"""

from __future__ import annotations

from dataclasses import dataclass

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from autolr.errors import ConfigError
from autolr.study.catalog import SETTINGS_ATTR
from autolr.study.find import find_settings, find_study_name, verdicts
from autolr.study.lr_range import RangeVerdict
from autolr.study.observer import TuneObserver
from autolr.study.opening import check_flags
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
    try:
        space = from_range_tests(settings, found.verdicts)
    except ConfigError as exc:
        raise ConfigError(
            f"{exc} (the range test is kept as {found.study_name}: "
            f"`autolr delete --study {found.study_name}` before testing other settings)"
        ) from None
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
    given = bool(request.flags) or request.preset is not None
    if given:
        check_flags(request.study_name, request.preset, request.flags)
    storage = open_storage(request.storage_url, request.heartbeat_seconds)
    existing = _stored_test(storage, request.study_name)
    if existing is not None and not given and request.study_name not in study_names(storage):
        # `autolr find --study NAME` with no flags shows (or resumes) the stored test.
        return run_range_tests(request, None, observer, existing)
    settings = resolve_settings(
        storage, request.study_name, request.preset, request.flags, request.settings
    )
    return run_range_tests(request, settings, observer)


def run_range_tests(
    request: TuneRequest,
    settings: StudySettings | None,
    observer: TuneObserver,
    test: StudySettings | None = None,
) -> FindOutcome:
    """Run or resume NAME-find for `settings` (or exactly `test`, a stored range test's
    settings). A stored test made with other settings is a clear error, never replaced:
    its results are the user's."""
    find_name = find_study_name(request.study_name)
    if test is None:
        assert settings is not None
        test = find_settings(request.study_name, settings)
        storage = open_storage(request.storage_url, request.heartbeat_seconds)
        stored = _stored_test(storage, request.study_name)
        if stored is not None and stored.identity() != test.identity():
            raise ConfigError(
                f"the range test of study {request.study_name!r} ({find_name}) was run with "
                f"{_differences(stored, test)}; give the same settings, or "
                f"`autolr delete --study {find_name}` to test again"
            )
    outcome = tune(
        TuneRequest(
            find_name,
            request.storage_url,
            {},
            timeout=request.timeout,
            heartbeat_seconds=request.heartbeat_seconds,
            settings=test,
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


def _stored_test(storage: RDBStorage, study: str) -> StudySettings | None:
    """The settings NAME-find was made with, if it exists."""
    name = find_study_name(study)
    if name not in study_names(storage):
        return None
    flat = optuna.load_study(study_name=name, storage=storage).user_attrs.get(SETTINGS_ATTR)
    return None if flat is None else StudySettings.from_flat(flat)


def _differences(stored: StudySettings, asked: StudySettings) -> str:
    """`--lr-min 1000 (asked 0.001), --seed 0 (asked 1)`: what differs, by option."""
    old, new = stored.identity(), asked.identity()
    return ", ".join(
        f"--{key.replace('_', '-')} {_show(old[key])} (asked {_show(new.get(key))})"
        for key in sorted(old)
        if old[key] != new.get(key)
    )


def _show(value: object) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)
