"""`autolr delete`: remove a study, its trials and its PBT checkpoint files.

Kept free of the training framework (deleting must be quick), so the checkpoint naming
and default folder of `checkpoints.py` are restated here; a test holds the two together.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from autolr.errors import StorageError
from autolr.store import slots
from autolr.store.artifacts_db import DatabaseArtifactStore
from autolr.store.liveness import LiveTrial, live_trials
from autolr.store.locks import study_lock
from autolr.store.storage import load_study

DEFAULT_DIR_NAME = "artifacts"  # as checkpoints.DEFAULT_DIR_NAME


@dataclass(frozen=True)
class Deletion:
    """What deleting a study removes, shown to the user before anything happens."""

    name: str
    trials: int
    running: int
    files: tuple[Path, ...]
    stored: tuple[str, ...] = ()  # checkpoints kept in the database (PostgreSQL)
    live: tuple[LiveTrial, ...] = ()  # running trials whose worker is alive


def plan(storage: RDBStorage, name: str, url: str, artifacts: Path | None) -> Deletion:
    study = load_study(storage, name, url)  # a clear error when there is no such study
    trials = study.get_trials(deepcopy=False)
    running = sum(t.state == TrialState.RUNNING for t in trials)
    live = _live(storage, storage.get_study_id_from_name(name))
    folder = artifacts if artifacts is not None else default_artifact_dir(storage)
    stored: tuple[str, ...] = ()
    if artifacts is None and storage.engine.url.get_backend_name() == "postgresql":
        stored = tuple(DatabaseArtifactStore(storage.engine).artifact_ids(_prefix(name)))
    files = tuple(checkpoint_files(folder, name))
    return Deletion(name, len(trials), running, files, stored, live)


class StudyInUse(StorageError):
    """A worker is training in the study: deleting it would pull the study from under it."""

    def __init__(self, name: str, live: Sequence[LiveTrial]) -> None:
        which = ", ".join(map(str, live))
        super().__init__(
            f"study {name!r} has {len(live)} live trial{'s' if len(live) > 1 else ''}: "
            f"{which}; stop its worker first, or delete anyway with --force (the worker "
            "then stops)"
        )


def refuse_if_live(name: str, live: Sequence[LiveTrial]) -> None:
    if live:
        raise StudyInUse(name, live)


def _live(storage: RDBStorage, study_id: int) -> tuple[LiveTrial, ...]:
    running = storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))
    return tuple(live_trials(storage, study_id, running))


def delete(storage: RDBStorage, deletion: Deletion, force: bool = False) -> None:
    """Under the study lock: its claim queue's rows first (while the study exists, so a
    delete killed in between can be run again; a worker rebuilds the queue from the
    trials), then the study, then its files. A file already gone is fine. Unless
    `force`, a trial that came alive since `plan` stops it (looked at under the lock,
    where no trial is claimed on SQLite or in a sampled study)."""
    with study_lock(storage, deletion.name):
        study_id = storage.get_study_id_from_name(deletion.name)
        if not force:
            refuse_if_live(deletion.name, _live(storage, study_id))
        slots.forget(storage, study_id)
        optuna.delete_study(study_name=deletion.name, storage=storage)
    if deletion.stored:
        DatabaseArtifactStore(storage.engine).remove_many(deletion.stored)
    for path in deletion.files:
        path.unlink(missing_ok=True)


def default_artifact_dir(storage: RDBStorage) -> Path:
    """As checkpoints.default_artifact_dir: beside a SQLite file, else ./studies/artifacts."""
    url = storage.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).expanduser().resolve().parent / DEFAULT_DIR_NAME
    return Path("studies") / DEFAULT_DIR_NAME


def checkpoint_files(folder: Path, study_name: str) -> list[Path]:
    """The study's checkpoints in `folder`: recorded ones and any a crash left unrecorded
    (checkpoints.checkpoint_id names them NAME-HASH-trialN.npz)."""
    if not folder.is_dir():
        return []
    pattern = re.compile(rf"{re.escape(_prefix(study_name))}\d+\.npz")
    return sorted(path for path in folder.iterdir() if pattern.fullmatch(path.name))


def _prefix(study_name: str) -> str:
    """As checkpoints.checkpoint_prefix + "trial" (repeated here: that module imports Keras)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", study_name)[:80]
    digest = hashlib.sha256(study_name.encode()).hexdigest()[:8]
    return f"{safe}-{digest}-trial"
