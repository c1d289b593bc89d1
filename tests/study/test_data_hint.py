"""A stored study remembers its data file: `find`, `trace` and `scale` on it need no --data,
and say which file they read; a different --data on resume is no conflict."""

from __future__ import annotations

import os
from pathlib import Path

import optuna

from autolr.store.stored import DATA_HINT_ATTR
from tests.helpers import SCALE, invoke

# One adam rate that reaches a low target in one check: the study is made in seconds.
STUDY_FLAGS = ["--sampler", "grid", "--optimizers", "adam", "--lr-min", "0.01"]
STUDY_FLAGS += ["--lr-max", "0.011", "--scale", SCALE, "--train-size", "500"]
STUDY_FLAGS += ["--target", "0.5", "--max-steps", "50", "--find-steps", "20", "--quiet"]


def test_find_trace_and_scale_read_the_data_file_the_study_was_made_with(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/hint.db"
    # Nowhere else to find MNIST: no $AUTOLR_MNIST, an empty Keras cache.
    env = {"AUTOLR_MNIST": None, "KERAS_HOME": str(tmp_path / "empty-keras")}
    at = ["--storage", storage]
    made = invoke("tune", "--study", "hint", *at, *STUDY_FLAGS, "--data", mnist, env=env)
    assert made.exit_code == 0, made.output
    stored = optuna.load_study(study_name="hint", storage=storage).user_attrs
    assert stored[DATA_HINT_ATTR] == os.path.abspath(mnist)
    line = f"data: {os.path.abspath(mnist)} (the file study hint was made with; --data overrides)"
    for args in (
        ["find", "--study", "hint", "--out", str(tmp_path / "find")],
        ["trace", "--study", "hint", "--steps", "50"],
        ["scale", "--study", "hint", "--scales", str(SCALE), "--lrs", "0.01"],
    ):
        done = invoke(*args, *at, "--quiet", env=env)
        assert done.exit_code == 0, done.output
        assert line in done.stderr, (args[0], done.stderr)
    # The path is a hint, not a setting: the study resumes with the file elsewhere.
    elsewhere = tmp_path / "moved" / "mnist.npz"
    elsewhere.parent.mkdir()
    elsewhere.symlink_to(mnist)
    resumed = invoke("tune", "--study", "hint", *at, *STUDY_FLAGS, "--data", str(elsewhere))
    assert resumed.exit_code == 0, resumed.output
    assert "data:" not in resumed.stderr  # --data given: nothing to say
