"""PBT checkpoints: weights and optimizer state, kept in an Optuna artifact store.

A checkpoint is one `.npz` file per finished member-interval. It lives in the artifact
store, never only in memory, so a killed study resumes from the last finished interval,
and workers in other processes, or on other machines, inherit each other's weights. The
store: `--artifacts DIR` if given; else the database itself when it is a server
(PostgreSQL), so workers need nothing shared but its URL; else a folder beside the
SQLite file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from optuna.artifacts import FileSystemArtifactStore
from optuna.artifacts.exceptions import ArtifactNotFound
from optuna.storages import RDBStorage

from autolr.errors import TrialFailed
from autolr.store.artifacts_db import TABLE, ArtifactStore, DatabaseArtifactStore
from autolr.trainer import TrainingState

DEFAULT_DIR_NAME = "artifacts"


def default_artifact_dir(storage: RDBStorage) -> Path:
    """Beside the SQLite file; for a server database, ./studies/artifacts."""
    url = storage.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).expanduser().resolve().parent / DEFAULT_DIR_NAME
    return Path("studies") / DEFAULT_DIR_NAME


def open_store(storage: RDBStorage, directory: Path | None = None) -> ArtifactStore:
    """The folder `directory` if given; else the database (PostgreSQL) or a folder
    beside the SQLite file."""
    folder = _folder(storage, directory)
    if folder is None:
        return DatabaseArtifactStore(storage.engine)
    folder.mkdir(parents=True, exist_ok=True)
    return FileSystemArtifactStore(folder)


def store_location(storage: RDBStorage, directory: Path | None = None) -> str:
    """Where `open_store` keeps checkpoints, in words (never the URL: it holds a password)."""
    folder = _folder(storage, directory)
    return f"the study database (table {TABLE})" if folder is None else f"the folder {folder}"


def _folder(storage: RDBStorage, directory: Path | None) -> Path | None:
    if directory is not None:
        return directory
    if storage.engine.url.get_backend_name() == "postgresql":
        return None
    return default_artifact_dir(storage)


def checkpoint_id(study_name: str, trial_number: int) -> str:
    """One file name per member-interval, derived from the trial: a crashed write is simply
    overwritten when the interval is re-run, and clean-up can find files that no trial
    got to record."""
    return f"{checkpoint_prefix(study_name)}trial{trial_number}.npz"


def checkpoint_prefix(study_name: str) -> str:
    """What every checkpoint id of one study starts with (and no other study's does)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", study_name)[:80]
    digest = hashlib.sha256(study_name.encode()).hexdigest()[:8]
    return f"{safe}-{digest}-"


def save(store: ArtifactStore, study_name: str, trial_number: int, state: TrainingState) -> str:
    """Write `state` to the artifact store; returns its artifact id."""
    arrays: dict[str, np.ndarray] = {"optimizer_name": np.array(state.optimizer)}
    arrays.update({f"model_{i}": value for i, value in enumerate(state.model_values)})
    arrays.update({f"optimizer_{i}": value for i, value in enumerate(state.optimizer_values)})
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    buffer.seek(0)
    artifact_id = checkpoint_id(study_name, trial_number)
    store.write(artifact_id, buffer)
    return artifact_id


def load(store: ArtifactStore, artifact_id: str) -> TrainingState:
    """Read a checkpoint back; a missing or damaged one is a TrialFailed, not a crash."""
    try:
        with store.open_reader(artifact_id) as reader:
            content = io.BytesIO(reader.read())
        with np.load(content, allow_pickle=False) as archive:
            model = _ordered(archive, "model_")
            optimizer = _ordered(archive, "optimizer_")
            name = str(archive["optimizer_name"])
    except Exception as exc:
        raise TrialFailed(f"checkpoint {artifact_id} is missing or damaged: {exc}") from exc
    if not model:
        raise TrialFailed(f"checkpoint {artifact_id} holds no weights")
    return TrainingState(tuple(model), name, tuple(optimizer))


def _ordered(archive: np.lib.npyio.NpzFile, prefix: str) -> list[np.ndarray]:
    indexed = [k for k in archive.files if k.startswith(prefix) and k[len(prefix) :].isdigit()]
    keys = sorted(indexed, key=lambda k: int(k[len(prefix) :]))
    return [archive[k] for k in keys]


def fingerprint(state: TrainingState) -> str:
    """A short hash of the weights: lets tests and users see which state an interval
    started from and ended with, without storing the weights twice."""
    digest = hashlib.sha256()
    for value in state.model_values:
        digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()[:16]


def remove(store: ArtifactStore, artifact_ids: Iterable[str]) -> None:
    """Delete checkpoints; ones already gone (another worker's clean-up) are fine."""
    if isinstance(store, DatabaseArtifactStore):
        store.remove_many(artifact_ids)  # one statement, not one per checkpoint
        return
    for artifact_id in artifact_ids:
        with contextlib.suppress(ArtifactNotFound, OSError):
            store.remove(artifact_id)
