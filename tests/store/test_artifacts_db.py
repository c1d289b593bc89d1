"""PBT checkpoints in the study database (PostgreSQL): whole or not at all."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy
from optuna.artifacts import FileSystemArtifactStore
from optuna.artifacts.exceptions import ArtifactNotFound

from autolr.store import checkpoints
from autolr.store.artifacts_db import CHUNK_BYTES, TABLE, DatabaseArtifactStore
from autolr.store.storage import open_storage
from autolr.trainer import TrainingState


@pytest.fixture(scope="module")
def store(postgres_url: str) -> DatabaseArtifactStore:
    return DatabaseArtifactStore(open_storage(postgres_url).engine)


def _id(label: str) -> str:
    return f"test-{label}-{uuid.uuid4().hex[:8]}.npz"


def test_a_checkpoint_round_trips_byte_for_byte(store: DatabaseArtifactStore) -> None:
    rng = np.random.default_rng(0)
    state = TrainingState(
        model_values=(rng.standard_normal((1200, 1500)).astype(np.float32), np.arange(10.0)),
        optimizer="adam",
        optimizer_values=(np.array(3, np.int64), rng.standard_normal((1200, 1500)).astype("f4")),
    )  # 14 MB: one chunk and part of a second
    buffer = io.BytesIO()
    np.savez(buffer, **_npz_members(state))  # a checkpoint file as save() writes one
    written = buffer.getvalue()
    artifact = _id("round-trip")
    store.write(artifact, io.BytesIO(written))
    assert CHUNK_BYTES < len(written) < 2 * CHUNK_BYTES
    assert store.open_reader(artifact).read() == written
    saved = checkpoints.save(store, f"round-trip-{uuid.uuid4().hex[:6]}", 7, state)
    for loaded in (checkpoints.load(store, artifact), checkpoints.load(store, saved)):
        assert loaded.optimizer == "adam"
        for before, after in zip(
            state.model_values + state.optimizer_values,
            loaded.model_values + loaded.optimizer_values,
            strict=True,
        ):
            assert after.dtype == before.dtype and np.array_equal(after, before)


def _npz_members(state: TrainingState) -> dict[str, np.ndarray]:
    members = {"optimizer_name": np.array(state.optimizer)}
    members.update({f"model_{i}": v for i, v in enumerate(state.model_values)})
    members.update({f"optimizer_{i}": v for i, v in enumerate(state.optimizer_values)})
    return members


def test_an_empty_artifact_exists_and_a_rewrite_replaces_the_old_one(
    store: DatabaseArtifactStore,
) -> None:
    artifact = _id("rewrite")
    store.write(artifact, io.BytesIO(b""))
    assert store.open_reader(artifact).read() == b""
    store.write(artifact, io.BytesIO(b"x" * (CHUNK_BYTES + 1)))
    store.write(artifact, io.BytesIO(b"short"))  # fewer chunks than the version it replaces
    assert store.open_reader(artifact).read() == b"short"


def test_remove_deletes_and_a_second_remove_says_not_found(store: DatabaseArtifactStore) -> None:
    kept, gone = _id("kept"), _id("gone")
    for artifact in (kept, gone):
        store.write(artifact, io.BytesIO(os.urandom(1000)))
    store.remove(gone)
    with pytest.raises(ArtifactNotFound):
        store.open_reader(gone)
    with pytest.raises(ArtifactNotFound):
        store.remove(gone)
    checkpoints.remove(store, [gone, kept, _id("never")])  # clean-up: missing ones are fine
    assert not {kept, gone} & set(store.artifact_ids("test-"))


WRITER = textwrap.dedent(
    """
    import io, os, sys
    from autolr.store.artifacts_db import CHUNK_BYTES, DatabaseArtifactStore
    from autolr.store.storage import open_storage

    class Stalling(io.BytesIO):
        '''Content that stops once two chunks are in the transaction.'''
        reads = 0
        def read(self, size=-1):
            self.reads += 1
            if self.reads == 3:
                print("mid-write", flush=True)
                sys.stdin.readline()  # never answered: the test kills this process here
            return super().read(size)

    store = DatabaseArtifactStore(open_storage(os.environ["URL"]).engine)
    store.write(sys.argv[1], Stalling(os.urandom(5 * CHUNK_BYTES)))
    print("finished", flush=True)
    """
)


def _killed_mid_write(url: str, artifact: str) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, artifact],
        env={**os.environ, "URL": url},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "mid-write"
    writer.send_signal(signal.SIGKILL)
    assert writer.wait(timeout=60) == -signal.SIGKILL


def test_a_write_killed_mid_way_leaves_nothing_visible(
    store: DatabaseArtifactStore, postgres_url: str
) -> None:
    new, old = _id("killed-new"), _id("killed-old")
    previous = os.urandom(3 * CHUNK_BYTES // 2)
    store.write(old, io.BytesIO(previous))
    for artifact in (new, old):
        _killed_mid_write(postgres_url, artifact)
    with pytest.raises(ArtifactNotFound):
        store.open_reader(new)
    assert store.open_reader(old).read() == previous  # the version before, whole
    # Once the server has rolled the dead writer back, the id can be written again.
    store.write(new, io.BytesIO(b"after"))
    assert store.open_reader(new).read() == b"after"


def test_postgres_keeps_checkpoints_in_the_database_unless_a_folder_is_given(
    store: DatabaseArtifactStore, postgres_url: str, tmp_path: Path
) -> None:
    with store.engine.connect() as connection:  # stored as is: weights barely compress
        storage_kind = connection.execute(
            sqlalchemy.text(
                "SELECT attstorage FROM pg_attribute "
                f"WHERE attrelid = '{TABLE}'::regclass AND attname = 'data'"
            )
        ).scalar()
    assert storage_kind == "e"
    storage = open_storage(postgres_url)
    assert isinstance(checkpoints.open_store(storage), DatabaseArtifactStore)
    assert "database" in checkpoints.store_location(storage)
    folder = checkpoints.open_store(storage, tmp_path / "shared")
    assert isinstance(folder, FileSystemArtifactStore) and (tmp_path / "shared").is_dir()


def test_sqlite_keeps_checkpoints_in_a_folder_beside_the_file(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path}/studies.db")
    assert isinstance(checkpoints.open_store(storage), FileSystemArtifactStore)
    assert checkpoints.store_location(storage) == f"the folder {tmp_path / 'artifacts'}"
    assert not sqlalchemy.inspect(storage.engine).has_table(TABLE)
