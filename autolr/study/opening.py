"""Open a study: create it with its settings, or load it and check flags against them.

Slow checks (loading data, trying the model) run before anything is written and outside
the study lock; only creating the study takes the lock, for milliseconds, so workers
starting together neither stall each other nor disagree about the settings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import RDBStorage

from autolr import settings as study_settings
from autolr.answers import dashboard
from autolr.config import WORKER_INDEX_ENV
from autolr.data import MNIST_ENV, keras_cache_path
from autolr.errors import ConfigError, StorageError
from autolr.search.prior import SPACE_ATTR, SearchSpace
from autolr.search.pruning import make_pruner
from autolr.search.samplers import make_sampler
from autolr.search.space import check_grid
from autolr.settings import StudySettings
from autolr.store.locks import LockLost, study_lock
from autolr.store.storage import creates_sqlite_file
from autolr.store.stored import DATA_HINT_ATTR, SETTINGS_ATTR

CREATE_ATTEMPTS = 3  # a frozen creator's lease can run out; a few tries always suffice
log = logging.getLogger("autolr.study")
_announced: set[tuple[str, str]] = set()  # (study, line): said once per study and process


def open_study(
    storage: RDBStorage,
    name: str,
    preset: str | None,
    flags: dict[str, Any],
    check: Callable[[StudySettings], None] | None = None,
    explicit: StudySettings | None = None,
    space: SearchSpace | None = None,
) -> tuple[optuna.Study, StudySettings]:
    """Create the study with its settings, or load it and check flags against them.

    `check` (load the data, try the model: seconds) runs before anything is written, so a
    mistyped path or a bad setting leaves no half-made study behind; and outside the study
    lock, so a worker starting up never stalls the others. Only creating the study takes
    the lock, for milliseconds. `explicit` gives complete settings (the follow-up
    experiments), which must match a stored study exactly. `space` is the range-test
    prior's search space, stored with the study the first time.
    """
    stored = _stored_settings(storage, name)
    settings = _with_data_hint(storage, name, _settings(name, preset, flags, explicit, stored))
    if check is not None:
        check(settings)
    if stored is None:
        stored = _create(storage, name, settings)
        if stored is not None:
            # Another worker made the study first: its settings rule, checked like any
            # stored study's (and the data checked again if that changed what to load).
            agreed = _with_data_hint(
                storage, name, _settings(name, preset, flags, explicit, stored)
            )
            if agreed != settings and check is not None:
                check(agreed)
            settings = agreed
    study = optuna.load_study(
        study_name=name,
        storage=storage,
        sampler=make_sampler(settings, _sampler_seed(settings), storage, space),
        pruner=make_pruner(settings),
    )
    dashboard.label(study, settings)
    _store_data_hint(study, settings)
    if space is not None and SPACE_ATTR not in study.user_attrs:
        _store_space(storage, study, settings, space)
    return study, settings


def resolve_settings(
    storage: RDBStorage,
    name: str,
    preset: str | None,
    flags: dict[str, Any],
    explicit: StudySettings | None = None,
) -> StudySettings:
    """The settings `open_study` would use, without writing anything."""
    stored = _stored_settings(storage, name)
    return _with_data_hint(storage, name, _settings(name, preset, flags, explicit, stored))


def _with_data_hint(storage: RDBStorage, name: str, settings: StudySettings) -> StudySettings:
    """Without --data, the MNIST file the study (or, for a new follow-up or range test,
    the study it serves) was made with, where that file is on this machine; says once
    which file it reads."""
    if settings.data.path is not None or settings.data.data_fn is not None:
        return settings
    for owner in (name, settings.source):
        hint = _stored_hint(storage, owner)
        if hint is None:
            continue
        if not Path(hint).is_file():
            _announce(
                name,
                f"data: {hint}, which study {owner} was made with, is not on this machine; "
                f"reading MNIST from ${MNIST_ENV}, the Keras cache, the copy shipped with "
                "autolr or Keras's download",
            )
            return settings
        _announce(name, f"data: {hint} (the file study {owner} was made with; --data overrides)")
        return dataclasses.replace(settings, data=dataclasses.replace(settings.data, path=hint))
    return settings


def _stored_hint(storage: RDBStorage, name: str | None) -> str | None:
    if name is None:
        return None
    try:
        study_id = storage.get_study_id_from_name(name)
    except KeyError:
        return None
    hint = storage.get_study_user_attrs(study_id).get(DATA_HINT_ATTR)
    return hint if isinstance(hint, str) else None


def _store_data_hint(study: optuna.Study, settings: StudySettings) -> None:
    """Keep where the MNIST file was (once: the first writer that knows it), so later
    commands need no --data. Not part of the settings: a different file on resume is
    no conflict."""
    if DATA_HINT_ATTR in study.user_attrs or settings.data.data_fn is not None:
        return
    path = settings.data.path or os.environ.get(MNIST_ENV)
    if not path and keras_cache_path().is_file():
        path = str(keras_cache_path())
    if path:
        study.set_user_attr(DATA_HINT_ATTR, os.path.abspath(path))


def _announce(study: str, line: str) -> None:
    """Once per study opened: `tune` resolves a study's settings before it opens it."""
    if (study, line) not in _announced:
        _announced.add((study, line))
        log.info(line)


def check_flags(
    name: str,
    preset: str | None,
    flags: dict[str, Any],
    url: str,
    check: Callable[[StudySettings], None] | None = None,
) -> None:
    """Where opening the storage would create a SQLite file, first check the flags as
    the new study will take them (`--seed -1`, `--target 2` refused), then the data and
    the model (`check`): bad input creates nothing. Where a database exists, a stored
    study may hold the settings that the flags complete (a resumed `--lr-max` is checked
    against its stored `--lr-min`, not the preset's), so the check waits for it; opening
    a study checks its inputs before writing anything to it."""
    if creates_sqlite_file(url):
        settings = _settings(name, preset, flags, None, None)
        if check is not None:
            check(settings)


def _store_space(
    storage: RDBStorage, study: optuna.Study, settings: StudySettings, space: SearchSpace
) -> None:
    """Under the lock, once: TPE's first trials are the range test's suggestions, most
    promising optimizer first; then the space itself, which marks the job done (a
    creator killed in between leaves suggestions that the next one does not repeat)."""
    with study_lock(storage, study.study_name):
        if SPACE_ATTR in study.user_attrs:
            return
        if settings.sampler == "tpe":
            # A queued trial's parameters are still "fixed params", not params.
            started = {
                t.params.get("optimizer") or t.system_attrs.get("fixed_params", {}).get("optimizer")
                for t in study.get_trials(deepcopy=False)
            }
            for optimizer, rate in space.suggestions.items():
                if optimizer not in started:
                    study.enqueue_trial({"optimizer": optimizer, "learning_rate": rate})
        study.set_user_attr(SPACE_ATTR, space.to_attr())


def _settings(
    name: str,
    preset: str | None,
    flags: dict[str, Any],
    explicit: StudySettings | None,
    stored: dict[str, Any] | None,
) -> StudySettings:
    if explicit is not None:
        return _same_or_conflict(name, explicit, stored)
    preset_flat = study_settings.load_preset(preset or name, required=preset is not None)
    settings = study_settings.resolve(preset_flat, stored, flags)
    check_grid(settings)
    return settings


def _stored_settings(storage: RDBStorage, name: str) -> dict[str, Any] | None:
    """The settings autolr stored with the study; None if there is no study yet, or only
    an empty one whose creator stopped before storing them (creation finishes it)."""
    try:
        study_id = storage.get_study_id_from_name(name)
    except KeyError:
        return None
    stored = storage.get_study_user_attrs(study_id).get(SETTINGS_ATTR)
    if stored is None and storage.get_n_trials(study_id) > 0:
        raise ConfigError(
            f"study {name!r} was not created by autolr "
            f"(`autolr delete --study {shlex.quote(name)}` removes it)"
        )
    return stored


def _create(storage: RDBStorage, name: str, settings: StudySettings) -> dict[str, Any] | None:
    """Under the lock: make the study and store its settings; or, if another worker made
    it meanwhile, return the settings it stored."""
    for _ in range(CREATE_ATTEMPTS):
        with contextlib.suppress(LockLost), study_lock(storage, name):
            stored = _stored_settings(storage, name)
            if stored is not None:
                return stored
            study = optuna.create_study(
                study_name=name, storage=storage, load_if_exists=True, direction="minimize"
            )
            study.set_user_attr(SETTINGS_ATTR, settings.identity())
            return None
        # The lease ran out mid-way (this process was frozen): the next attempt finds
        # the study made and finishes it, or finds another worker's.
    raise StorageError(f"could not create study {name!r}: the study lock kept timing out")


def _same_or_conflict(
    name: str, explicit: StudySettings, stored: dict[str, Any] | None
) -> StudySettings:
    if stored is not None and StudySettings.from_flat(stored).identity() != explicit.identity():
        raise ConfigError(
            f"study {name!r} already exists with other settings; pass --name to keep both"
        )
    return explicit


def _sampler_seed(settings: StudySettings) -> int:
    """The study seed, offset per --jobs worker so that parallel TPE/random workers do not
    propose alike (PBT decisions use the plain seed: every worker must agree on them)."""
    if settings.sampler == "pbt":
        return settings.train.seed
    return settings.train.seed + int(os.environ.get(WORKER_INDEX_ENV, "0"))
