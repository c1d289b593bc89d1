"""`autolr tune`: the range-test prior first (when the study asks for it), then the study.

Kept apart from the runner so that dependencies point one way: the range test is a study
run by the runner (find.py), and this module runs it before the study it serves.
"""

from __future__ import annotations

import dataclasses
import shlex
import time

import optuna
from optuna.storages import RDBStorage

from autolr.errors import ConfigError
from autolr.search.prior import SPACE_ATTR, SearchSpace, from_range_tests
from autolr.settings import StudySettings
from autolr.store.storage import open_storage, study_names
from autolr.study.find import run_range_tests
from autolr.study.observer import TuneObserver
from autolr.study.opening import check_flags, resolve_settings
from autolr.study.runner import TuneOutcome, TuneRequest, check_inputs, run_study
from autolr.study.schedules import expected_trials


def tune(request: TuneRequest, observer: TuneObserver) -> TuneOutcome:
    """Run (or resume) the study `request` names; with `--prior find`, its range test
    first. Bad flags are refused before the storage is opened."""
    started = time.monotonic()
    if request.settings is None:
        check_flags(
            request.study_name,
            request.preset,
            request.flags,
            request.storage_url,
            check_inputs,
        )
    storage = open_storage(request.storage_url, request.heartbeat_seconds)
    settings = resolve_settings(
        storage, request.study_name, request.preset, request.flags, request.settings
    )
    space = None
    if settings.prior == "find":
        check_inputs(settings)
        space = prior_space(storage, request, settings, observer)
        if space is None:
            # --timeout ran out during the range test: none of the study's trials has run.
            total = expected_trials(settings, request.n_trials)
            return TuneOutcome(request.study_name, settings, 0, 0, total, complete=False)
        if request.timeout is not None:
            # What is left, if anything: a study resumed with no time left still reports
            # what it holds (the worker claims nothing past its deadline).
            left = request.timeout - (time.monotonic() - started)
            request = dataclasses.replace(request, timeout=max(left, 1e-9))
    return run_study(request, observer, space)


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
            f"`autolr delete --study {shlex.quote(found.study_name)}` before testing other "
            "settings)"
        ) from None
    for optimizer, why in space.left_out.items():
        observer.note(f"{optimizer} left out of the search: {why}")
    return space
