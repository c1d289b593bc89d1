"""The bad-input suite: inputs autolr must refuse, each run through the CLI in an empty
folder. For every case: a non-zero exit, one error line (the last) that says what is
wrong, no traceback, no line starting "unexpected", no secret shown, and the folder left
empty (no database, no lock file, no report).

Adding a case is one line in CASES: `tune(...)` is a small valid grid `tune` with the
given flags changed (`lr_min="5"` sets --lr-min 5); `run(...)` is any other command.
MNIST stands for the real data file. `env` adds environment variables; `process=True`
runs the case as its own `python -m autolr` (needed where the environment must hold from
the interpreter's start, as KERAS_BACKEND must).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.helpers import assert_clean_error, invoke, small_grid_args, with_flags

MNIST = "<MNIST>"  # replaced by the real data file's path when a case runs
SECRET = "pw-Never-Shown-18"
CLOSED = f"postgresql://autolr:{SECRET}@127.0.0.1:1/studies"  # nothing listens on port 1
EMOJI = "\U0001f600"


@dataclass(frozen=True)
class Case:
    id: str
    args: list[str]
    says: str  # a fragment of the one error line
    env: dict[str, str] = field(default_factory=dict)
    process: bool = False


def tune(**flags: str) -> list[str]:
    """A small valid grid `tune` (in this folder's default storage), `flags` changed."""
    change = {f"--{name.replace('_', '-')}": value for name, value in flags.items()}
    return with_flags(small_grid_args("bad", MNIST), change)


def run(*args: str) -> list[str]:
    return list(args)


CASES = [
    # -- study names
    Case("name-empty", tune(study=""), "--study must not be empty"),
    Case("name-newline", tune(study="two\nlines"), "only printable characters; found '\\n'"),
    Case("name-tab", tune(study="tab\there"), "only printable characters"),
    Case("name-101-chars", tune(study="x" * 101), "is 101 characters long; use at most 100"),
    Case("name-100-emoji", tune(study=EMOJI * 100), "is 400 bytes long in UTF-8"),
    Case("name-51-emoji", tune(study=EMOJI * 51), "use at most 200 bytes"),
    Case("name-escapes", tune(study="../../esc"), "must not be a path that leaves its folder"),
    Case("name-dotdot", tune(study=".."), "must not be a path that leaves its folder"),
    Case("name-absolute", tune(study="/etc"), "must not be a path that leaves its folder"),
    Case("name-empty-part", tune(study="a//b"), "must not be a path that leaves its folder"),
    Case("name-padded", tune(study=" padded"), "must not start or end with a space"),
    Case("name-huge-best", run("best", "--study", "n" * 100_000), "100000 characters long"),
    Case("name-find", run("find", "--study", EMOJI * 60, "--data", MNIST), "240 bytes long"),
    # -- flags of tune
    Case("sampler", tune(sampler="bayes"), "unknown sampler 'bayes'"),
    Case("optimizer", tune(optimizers="adam,lionn"), "unknown optimizer 'lionn'"),
    Case("optimizers-empty", tune(optimizers=""), "--optimizers needs at least one name, got ''"),
    Case("optimizers-blank", tune(optimizers=" , "), "--optimizers needs at least one name"),
    Case("optimizers-gap", tune(optimizers="adam,,sgd"), "--optimizers has an empty entry"),
    Case("lr-order", tune(lr_min="0.5", lr_max="0.1"), "--lr-min (0.5) must be below --lr-max"),
    Case("lr-negative", tune(lr_min="-1"), "--lr-min must be a positive number"),
    Case("lr-zero", tune(lr_min="0"), "--lr-min must be a positive number, got 0.0"),
    Case("grid-no-rate", tune(lr_min="1.1e-3", lr_max="1.2e-3"), "are 0.001 below and 0.00147"),
    Case("grid-above-all", tune(lr_min="200", lr_max="300"), "grid rate is 100 below"),
    Case("timeout-negative", tune(timeout="-1"), "--timeout must be a positive number"),
    Case("timeout-zero", tune(timeout="0"), "--timeout must be a positive number"),
    Case("seed-negative", tune(seed="-1"), "--seed must be an integer in 0..2147483647"),
    Case("seed-huge", tune(seed="4294967296"), "--seed must be an integer in 0..2147483647"),
    Case("target", tune(target="2"), "--target must be in (0, 1] for accuracy, got 2.0"),
    Case("max-steps", tune(max_steps="0"), "--max-steps must be at least 1"),
    Case("jobs-seed", tune(jobs="2", seed="-1"), "--seed must be an integer in 0..2147483647"),
    # -- storage URLs
    Case("storage-malformed", tune(storage="sqlite-but-not-a-url"), "malformed storage URL"),
    Case("storage-no-dir", tune(storage="sqlite:////no/such/dir/x.db"), "does not exist"),
    Case("storage-unsupported", tune(storage="mysql://u@h/db"), "unsupported storage"),
    Case("storage-memory", tune(storage="sqlite://"), "a study needs a file"),
    Case("storage-memory-named", tune(storage="sqlite:///:memory:"), "a study needs a file"),
    Case("storage-memory-reader", run("studies", "--storage", "sqlite://"), "needs a file"),
    Case("storage-refused", tune(storage=CLOSED), "cannot open storage postgresql://***@"),
    Case("storage-refused-best", run("best", "--storage", CLOSED), "cannot open storage"),
    Case(
        "connect-timeout-env",
        run("studies", "--storage", CLOSED),
        "AUTOLR_CONNECT_TIMEOUT must be a positive number of seconds, got 'soon'",
        env={"AUTOLR_CONNECT_TIMEOUT": "soon"},
    ),
    Case(
        "statement-timeout-env",
        run("studies", "--storage", CLOSED),
        "AUTOLR_STATEMENT_TIMEOUT must be a positive number of seconds, got '0'",
        env={"AUTOLR_STATEMENT_TIMEOUT": "0"},
    ),
    Case(
        "lock-lease-env",
        tune(),
        "AUTOLR_LOCK_LEASE must be a positive number of seconds, got 'abc'",
        env={"AUTOLR_LOCK_LEASE": "abc"},
    ),
    # -- other commands, in a folder with no studies
    Case("best-nothing-here", run("best", "--study", "x"), "no studies here"),
    Case("report-nothing-here", run("report", "--study", "x"), "no studies here"),
    Case("delete-nothing-here", run("delete", "--study", "x", "--yes"), "no studies here"),
    Case("find-seed", run("find", "--study", "a", "--data", MNIST, "--seed", "-1"), "--seed"),
    Case("find-steps", run("find", "--study", "a", "--find-steps", "0"), "at least 10, got 0"),
    Case("train-seed", run("train", "--optimizer", "adam", "--lr", "0.1", "--seed", "-1"), "0.."),
    Case("train-optimizer", run("train", "--optimizer", "adamz", "--lr", "0.1"), "'adamz'"),
    Case("trace-steps", run("trace", "--study", "any", "--steps", "0"), "--steps must be at least"),
    Case("dashboard-port", run("dashboard", "--port", "70000"), "--port must be in 1..65535"),
    # -- data, models and optimizers, checked before the storage is opened
    Case("data-missing", tune(data="/no/such/file.npz"), "data file not found: /no/such/file"),
    Case("data-folder", tune(data="/"), "--data names a folder, /"),
    Case("data-empty", tune(data=""), "--data is empty"),
    Case(
        "data-nan",
        tune(train_size="50", batch_size="10", data_fn="tests.bad_inputs:nan_data"),
        "x_train has 1 NaN or infinite",
    ),
    Case(
        "data-ragged",
        tune(train_size="50", batch_size="10", data_fn="tests.bad_inputs:ragged"),
        "arrays must be rectangular",
    ),
    Case(
        "data-complex",
        tune(train_size="50", batch_size="10", data_fn="tests.bad_inputs:complex_pixels"),
        "complex numbers",
    ),
    Case(
        "data-raises",
        tune(train_size="50", batch_size="10", data_fn="tests.bad_inputs:raises"),
        "raised RuntimeError: the",
    ),
    Case(
        "data-exits",
        tune(train_size="50", batch_size="10", data_fn="tests.bad_inputs:exits"),
        "called sys.exit(3) instead",
    ),
    Case(
        "data-no-module",
        tune(train_size="50", batch_size="10", data_fn="no_such_module:f"),
        "cannot import module",
    ),
    Case(
        "data-5x5",
        tune(train_size="50", batch_size="10", data_fn="tests.bad_inputs:small_images"),
        "5x5 pixels are too small",
    ),
    Case(
        "labels-float",
        tune(train_size="50", batch_size="10", data_fn="tests.bad_inputs:float_labels"),
        "--task regression",
    ),
    Case(
        "labels-find",
        tune(
            train_size="50",
            batch_size="10",
            data_fn="tests.bad_inputs:negative_labels",
            sampler="tpe",
            prior="find",
        ),
        "labels must be integers in 0..C-1 (C classes); found -1",
    ),
    Case("train-size", tune(train_size="70000"), "--train-size 70000 exceeds the 60000"),
    Case("model-no-module", tune(model="no_such_module:build"), "cannot import module"),
    Case(
        "model-outputs",
        tune(scale="1", model="tests.bad_inputs:wrong_outputs"),
        "10 values per example",
    ),
    Case("model-two", tune(scale="1", model="tests.bad_inputs:two_outputs"), "has 2 outputs"),
    Case(
        "model-frozen", tune(scale="1", model="tests.bad_inputs:no_weights"), "no trainable weights"
    ),
    Case(
        "model-raises",
        tune(scale="1", model="tests.bad_inputs:model_raises"),
        "raised ValueError: no",
    ),
    Case(
        "model-exits", tune(scale="1", model="tests.bad_inputs:model_exits"), "called sys.exit(3)"
    ),
    Case(
        "model-not",
        tune(scale="1", model="tests.bad_inputs:not_a_model"),
        "must return a keras.Model",
    ),
    Case("scale-huge", tune(scale="1e9"), "weights, which need about"),
    Case("optimizer-schedule", tune(optimizer_fn="tests.bad_inputs:scheduled"), "schedule"),
    Case(
        "metric-loss-target",
        run("train", "--optimizer", "adam", "--lr", "0.1", "--metric", "loss", "--data", MNIST),
        "--metric loss needs --target",
    ),
    Case("metric-regression", tune(task="regression", metric="accuracy"), "needs class labels"),
    Case("batch-too-big", tune(batch_size="5000"), "--batch-size 5000 is larger than the 2000"),
    # -- the training framework
    Case(
        "backend-unknown",
        run("train", "--optimizer", "adam", "--lr", "0.1", "--data", MNIST),
        "KERAS_BACKEND=torch: autolr trains with tensorflow or jax",
        env={"KERAS_BACKEND": "torch"},
        process=True,
    ),
    Case(
        "backend-not-importable",
        run("train", "--optimizer", "adam", "--lr", "0.1", "--data", MNIST),
        "KERAS_BACKEND=jax needs the jax package, which cannot be imported",
        env={"KERAS_BACKEND": "jax", "PYTHONPATH": "<FAKE_JAX>"},
        process=True,
    ),
]


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("AUTOLR_STORAGE", raising=False)
    return folder


@pytest.fixture(scope="module")
def fake_jax(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PYTHONPATH entry whose `jax` fails to import, as a missing or broken install does."""
    root = tmp_path_factory.mktemp("fake-jax")
    (root / "jax").mkdir()
    (root / "jax" / "__init__.py").write_text("raise ImportError('No module named jax')\n")
    return os.pathsep.join([str(root), str(REPO)])


def _fill(text: str, mnist: str, fake_jax: str) -> str:
    return text.replace(MNIST, mnist).replace("<FAKE_JAX>", fake_jax)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_one_clean_line_and_leaves_nothing(
    case: Case, empty_folder: Path, mnist: str, fake_jax: str
) -> None:
    args = [_fill(arg, mnist, fake_jax) for arg in case.args]
    env = {name: _fill(value, mnist, fake_jax) for name, value in case.env.items()}
    result = _in_a_process(args, env, empty_folder) if case.process else invoke(*args, env=env)
    assert_clean_error(result, case.says)
    lines = (result.stdout + result.stderr).splitlines()
    assert not [line for line in lines if line.removeprefix("error: ").startswith("unexpected")]
    assert SECRET not in result.output
    assert sorted(empty_folder.rglob("*")) == [], "bad input left files behind"


def test_every_case_is_named_once_and_the_documented_count_holds() -> None:
    assert len({case.id for case in CASES}) == len(CASES)
    design = (REPO / "docs" / "design.md").read_text()
    documented = re.search(r"bad-input suite \(`tests/test_bad_input.py`\) tries (\d+)", design)
    assert documented is not None, "docs/design.md no longer says how many cases there are"
    assert len(CASES) >= int(documented.group(1)), (
        "docs/design.md counts more bad-input cases than exist"
    )


@dataclass(frozen=True)
class _Ran:
    """A finished `python -m autolr`, read like typer's Result."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _in_a_process(args: list[str], env: dict[str, str], folder: Path) -> _Ran:
    done = subprocess.run(
        [sys.executable, "-m", "autolr", *args],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return _Ran(done.returncode, done.stdout, done.stderr)
