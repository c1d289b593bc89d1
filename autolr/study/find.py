"""`autolr find`: the learning-rate range test, stored as a study of its own (NAME-find).

One trial per optimizer, planned like a grid point and run through the same runner as
every study, so the test runs once (a second study with the same range-test settings
reuses the stored one), resumes after a kill, can be shared by workers, and shows up in
`studies`, `report` and the dashboard. Each trial reports its raw loss at every step as
an intermediate value (the rate at step i is the i-th of `lr_range.ramp`), stores the
verdict as user attributes (find_objective.py), and its value is the lowest smoothed
loss. `autolr.answers.range_tests` reads them back.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from autolr.answers.range_tests import verdicts
from autolr.config import TrainSettings
from autolr.errors import ConfigError
from autolr.search.lr_range import RangeVerdict
from autolr.settings import FIND, StudySettings
from autolr.store.storage import open_storage, study_names
from autolr.store.stored import SETTINGS_ATTR
from autolr.study.observer import TuneObserver
from autolr.study.opening import check_flags, resolve_settings
from autolr.study.runner import TuneRequest, check_inputs, run_study


def find_study_name(study: str) -> str:
    """NAME-find, checked like any study name (a long NAME can make it too long)."""
    from autolr.names import check_study_name

    return check_study_name(f"{study}-find", "--study (its range test is stored as STUDY-find)")


def find_settings(study: str, settings: StudySettings) -> StudySettings:
    """What the range test of `study` depends on, and nothing else: its optimizers, rate
    range, model, data, batch size and seed. (The target or step budget do not change it,
    so changing them later reuses the same test.)"""
    return StudySettings(
        sampler=FIND,
        optimizers=settings.optimizers,
        lr_min=settings.lr_min,
        lr_max=settings.lr_max,
        prune=False,
        # The range test reads the training loss, whatever the study's metric and target:
        # a study that changes them later reuses the same test.
        train=TrainSettings(
            batch_size=settings.train.batch_size,
            seed=settings.train.seed,
            metric="loss" if settings.data.task == "regression" else "accuracy",
        ),
        model=settings.model,
        data=settings.data,
        source=study,
        find_steps=settings.find_steps,
        optimizer_fns=settings.optimizer_fns,
    )


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
        check_flags(
            request.study_name, request.preset, request.flags, request.storage_url, check_inputs
        )
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
                f"`autolr delete --study {shlex.quote(find_name)}` to test again"
            )
        shared = _same_test(storage, test) if stored is None else None
        if shared is not None:
            find_name, found = shared
            observer.note(
                f"range test: reusing {find_name} (run for study {found.source} with the "
                "same optimizers, rates, steps, model, data and seed)"
            )
            test = dataclasses.replace(found, data=test.data)  # this run's --data, if any
    outcome = run_study(
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


def _same_test(storage: RDBStorage, test: StudySettings) -> tuple[str, StudySettings] | None:
    """Another study's stored range test with `test`'s settings (those it serves aside),
    finished ones first: what a second study on the same model and data can reuse."""
    wanted = _test_identity(test)
    found: list[tuple[bool, str, StudySettings]] = []
    for study in storage.get_all_studies():
        flat = study.user_attrs.get(SETTINGS_ATTR)
        if not flat or flat.get("sampler") != FIND:
            continue
        stored = StudySettings.from_flat(flat)
        if _test_identity(stored) == wanted:
            study_id = storage.get_study_id_from_name(study.study_name)
            done = storage.get_n_trials(study_id, state=TrialState.COMPLETE)
            found.append((done < len(stored.optimizers), study.study_name, stored))
    if not found:
        return None
    _, name, stored = min(found, key=lambda f: (f[0], f[1]))
    return name, stored


def _test_identity(test: StudySettings) -> dict[str, object]:
    """What makes two range tests the same test: everything but the study they serve."""
    return {k: v for k, v in test.identity().items() if k != "source"}


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
