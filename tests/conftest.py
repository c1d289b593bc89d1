"""Shared test fixtures: the real MNIST file and small, fast settings."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"

# Tests press Ctrl-C by sending SIGINT to the autolr processes they start, as a terminal
# does to its foreground job. A test run started in the background of a script (`cmd &`)
# has SIGINT ignored, and an ignored signal stays ignored in every child it starts: give
# the children what a terminal's foreground job has.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def mnist_path() -> str:
    """The real MNIST file: AUTOLR_MNIST, else ../shared/data/mnist.npz beside the repo."""
    path = Path(os.environ.get("AUTOLR_MNIST") or DEFAULT_MNIST)
    if not path.is_file():
        raise pytest.UsageError(
            f"MNIST not found at {path}: set AUTOLR_MNIST to a Keras-layout mnist.npz"
        )
    return str(path)


@pytest.fixture(scope="session")
def mnist() -> str:
    return mnist_path()


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server: AUTOLR_TEST_POSTGRES_URL (.ci/run starts one), else one
    started here from the Debian package's binaries for this session."""
    import shutil
    import tempfile

    from tests import pg_server

    given = os.environ.get("AUTOLR_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    # Not under pytest's private tmp dir: as root, the server runs as `postgres`.
    directory = Path(tempfile.mkdtemp(prefix="autolr-pg-"))
    # Watched: if this run is killed (even by SIGKILL), the server stops with it.
    url = pg_server.start(directory, watch_pid=os.getpid())
    try:
        yield url
    finally:
        pg_server.stop(directory)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def grid_url(tmp_path_factory: pytest.TempPathFactory, mnist: str) -> str:
    """The SQLite URL of a real grid study (2 optimizers x 5 rates, tests/helpers.py's
    GRID_FLAGS), trained once per test session. Tests that write to it use a copy."""
    from autolr.study.runner import NullObserver, TuneRequest
    from autolr.study.tuning import tune
    from tests.helpers import GRID_FLAGS, GRID_STUDY

    storage = f"sqlite:///{tmp_path_factory.mktemp('grid')}/grid.db"
    tune(TuneRequest(GRID_STUDY, storage, {**GRID_FLAGS, "data": mnist}), NullObserver())
    return storage


@pytest.fixture(scope="session")
def grid_study(grid_url: str):
    import optuna

    from tests.helpers import GRID_STUDY

    return optuna.load_study(study_name=GRID_STUDY, storage=grid_url)


# A real search whose runs end every way a run can: reached (two of them at the same
# check, so the tie-break decides the best), diverged, and pruned with its reason.
MIXED_FLAGS = {
    "sampler": "random",
    "prior": "none",
    "optimizers": ["adam", "sgd"],
    "lr_min": 1e-5,
    "lr_max": 100.0,
    "scale": 0.25,
    "train_size": 1000,
    "target": 0.9,
    "max_steps": 150,
    "band": "none",  # the runs as enqueued: no follow-ups measuring the band
}
MIXED_RUNS = [("adam", 3e-3), ("adam", 1e-2), ("sgd", 0.1), ("sgd", 50.0), ("adam", 1e-5)]


@pytest.fixture(scope="session")
def mixed_study(tmp_path_factory: pytest.TempPathFactory, mnist: str) -> tuple[str, str]:
    """(storage URL, study name) of a real random-sampler study trained once per session,
    its runs enqueued so that every outcome occurs (see MIXED_RUNS)."""
    from autolr.store.storage import open_storage
    from autolr.study.opening import open_study
    from autolr.study.runner import NullObserver, TuneRequest
    from autolr.study.tuning import tune

    url = f"sqlite:///{tmp_path_factory.mktemp('mixed')}/mixed.db"
    flags = {**MIXED_FLAGS, "data": mnist}
    study, _ = open_study(open_storage(url), "mixed", None, flags)
    for optimizer, rate in MIXED_RUNS:
        study.enqueue_trial({"optimizer": optimizer, "learning_rate": rate})
    tune(TuneRequest("mixed", url, flags, n_trials=len(MIXED_RUNS)), NullObserver())
    return url, "mixed"
