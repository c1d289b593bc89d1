"""`autolr find` with real Keras on an MNIST subset: bands that train, clear failures,
resuming after a kill."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import optuna
import pytest

from autolr.config import DataSpec, ModelSpec, TrainSettings
from autolr.study.find import find
from autolr.study.runner import NullObserver, TuneRequest
from tests.helpers import SCALE, AutolrProcess, assert_clean_error, invoke

# A small model and a narrow range, so a test takes seconds: 6 decades in 120 steps.
FLAGS = {
    "scale": float(SCALE),
    "train_size": 2000,
    "lr_min": 1e-5,
    "lr_max": 10.0,
    "find_steps": 120,
}


def _cli_flags(mnist: str, storage: str, **extra: str) -> list[str]:
    flags = {"--scale": SCALE, "--train-size": "2000", "--data": mnist, "--storage": storage}
    flags.update(extra)
    return [part for pair in flags.items() for part in pair]


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_the_band_contains_a_rate_known_to_train_the_model(tmp_path: Path, mnist: str) -> None:
    storage = f"sqlite:///{tmp_path}/find.db"
    flags = {**FLAGS, "optimizers": ["adam", "sgd"], "data": mnist}
    outcome = find(TuneRequest("small", storage, flags), NullObserver())
    assert outcome.complete and outcome.study_name == "small-find"
    assert set(outcome.verdicts) == {"adam", "sgd"}
    assert all(steps <= FLAGS["find_steps"] for steps in outcome.steps.values())

    from autolr.trainer import Trainer

    trainer = Trainer(
        ModelSpec(scale=float(SCALE)),
        DataSpec(path=mnist, train_size=2000),
        TrainSettings(target=0.9, max_steps=300),
    )
    for optimizer, known_good in (("adam", 1e-2), ("sgd", 0.1)):
        verdict = outcome.verdicts[optimizer]
        assert verdict.valley and verdict.band is not None and verdict.suggestion is not None
        low, high = verdict.band
        assert low <= known_good <= high, (optimizer, verdict.band)
        assert trainer.train(optimizer, known_good).reached  # it is known good, here too
        assert trainer.train(optimizer, verdict.suggestion).reached  # and so is the suggestion


def test_the_range_test_is_stored_once_per_study_with_its_steps(tmp_path: Path, mnist: str) -> None:
    storage = f"sqlite:///{tmp_path}/find.db"
    flags = {**FLAGS, "optimizers": ["adam"], "data": mnist}
    first = find(TuneRequest("once", storage, flags), NullObserver())
    again = find(TuneRequest("once", storage, flags), NullObserver())
    assert again.verdicts == first.verdicts
    trials = optuna.load_study(study_name="once-find", storage=storage).trials
    assert len(trials) == 1 and trials[0].user_attrs["steps"] == first.steps["adam"]
    # Every step's loss is an intermediate value, which the dashboard plots as the curve.
    assert len(trials[0].intermediate_values) == first.steps["adam"]


def test_when_every_optimizer_diverges_find_says_so_and_fails(tmp_path: Path, mnist: str) -> None:
    storage = f"sqlite:///{tmp_path}/find.db"
    args = ["find", "--study", "wild", "--optimizers", "sgd,adam", "--lr-min", "1e4"]
    args += ["--lr-max", "1e6", "--find-steps", "20", "--quiet"]
    args += _cli_flags(mnist, storage)
    result = invoke(*args)
    assert_clean_error(result, "no optimizer has a usable valley")
    as_json = invoke(*args, "--json")
    assert as_json.exit_code == 1
    answer = json.loads(as_json.stdout)
    assert "no optimizer has a usable valley" in answer["error"]
    assert answer["optimizers"]["adam"]["band"] is None


def test_find_prints_json_with_a_suggestion_and_band_per_optimizer(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/find.db"
    out = tmp_path / "figure"
    result = invoke(
        "find",
        "--study",
        "js",
        "--optimizers",
        "adam",
        "--lr-min",
        "1e-5",
        "--lr-max",
        "10",
        "--find-steps",
        "120",
        "--json",
        "--quiet",
        "--out",
        str(out),
        *_cli_flags(mnist, storage),
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    adam = answer["optimizers"]["adam"]
    low, high = adam["band"]
    assert low < adam["suggestion"] < high
    assert answer["steps"] == adam["steps"] and "error" not in answer
    assert (out / "range_test.png").stat().st_size > 0 and (out / "range_test.html").exists()


@pytest.mark.slow
def test_find_resumes_after_a_kill_without_redoing_finished_tests(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/find.db"
    args = ["find", "--study", "killed", "--optimizers", "adam,sgd,momentum", "--lr-min", "1e-5"]
    args += ["--lr-max", "10", "--find-steps", "120", "--quiet", *_cli_flags(mnist, storage)]
    process = AutolrProcess(args, tmp_path)
    process.wait_for(r"trial 0 \w+: range test over")
    process.process.send_signal(signal.SIGKILL)
    process.finish()
    first = optuna.load_study(study_name="killed-find", storage=storage).trials[0]
    assert first.state.name == "COMPLETE"

    resumed = AutolrProcess(args, tmp_path)
    assert resumed.finish() == 0, resumed.output
    trials = optuna.load_study(study_name="killed-find", storage=storage).trials
    done = [t for t in trials if t.state.name == "COMPLETE"]
    assert sorted(t.params["optimizer"] for t in done) == ["adam", "momentum", "sgd"]
    assert trials[0].datetime_complete == first.datetime_complete  # kept, not run again


USER_CODE = """
import keras
import numpy as np


def build():
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


def load():
    with np.load({mnist!r}) as f:
        x, y = f["x_train"][:2000, :, :, None] / 255.0, f["y_train"][:2000]
    x, y = x.astype("float32"), y.astype("int32")
    return x, y, x[:500], y[:500]
"""


@pytest.mark.parametrize("backend", ["tensorflow", pytest.param("jax", marks=pytest.mark.slow)])
def test_find_works_with_a_users_model_and_data_on_every_backend(
    tmp_path: Path, mnist: str, backend: str
) -> None:
    (tmp_path / "mine.py").write_text(USER_CODE.format(mnist=mnist))
    args = ["find", "--study", "mine", "--optimizers", "adam", "--model", "mine:build"]
    args += ["--data-fn", "mine:load", "--lr-min", "1e-5", "--lr-max", "10"]
    args += ["--find-steps", "60", "--json", "--quiet", "--storage", f"sqlite:///{tmp_path}/m.db"]
    process = AutolrProcess(
        args, tmp_path, env={"KERAS_BACKEND": backend, "PYTHONPATH": str(tmp_path)}
    )
    assert process.finish() == 0, process.output
    out = process.process.stdout.read() if process.process.stdout else ""
    adam = json.loads(out)["optimizers"]["adam"]
    assert adam["valley"] and 0 < adam["steps"] <= 60


def test_a_stored_range_test_is_shown_without_flags_and_never_silently_replaced(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/find.db"
    args = ["find", "--study", "kept", "--optimizers", "adam", "--lr-min", "1e-4", "--lr-max"]
    args += ["1", "--find-steps", "30", "--json", "--quiet", *_cli_flags(mnist, storage)]
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    # Other settings: a clear error naming them and the way out; the test is kept.
    other = invoke(*[a if a != "1e-4" else "1e-3" for a in args])
    assert_clean_error(other, "was run with --lr-min 0.0001 (asked 0.001)")
    assert "autolr delete --study kept-find" in other.stderr
    # No flags at all: the stored test, as it was.
    shown = invoke("find", "--study", "kept", "--storage", storage, "--json", "--quiet")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["optimizers"] == json.loads(first.stdout)["optimizers"]
    # `best` on the range test says what it is instead of "nothing reached the target".
    assert_clean_error(
        invoke("best", "--study", "kept-find", "--storage", storage),
        "'kept-find' is a learning-rate range test",
    )


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_a_timeout_inside_the_range_test_says_the_study_has_not_started(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/find.db"
    args = ["tune", "--study", "cut", "--sampler", "tpe", "--n-trials", "4", "--quiet"]
    args += ["--band", "none"]  # the search's trials only: this is about the range test
    args += ["--optimizers", "adam,sgd", "--find-steps", "60", "--timeout", "0.01"]
    cut = invoke(*args, *_cli_flags(mnist, storage))
    assert cut.exit_code == 0, cut.output
    assert "study cut: 0/4 trials finished; run the same command to continue" in cut.stderr
    # What it did finish is kept (at most the first optimizer's range test), and the
    # same command with time to spare goes on from there to the end.
    tests = optuna.load_study(study_name="cut-find", storage=storage).trials
    assert len(tests) <= 1
    args[args.index("--timeout") : args.index("--timeout") + 2] = []
    args[args.index("--n-trials") + 1] = "1"
    done = invoke(*args, *_cli_flags(mnist, storage))
    assert done.exit_code == 0 and "study cut done: 1/1 trials" in done.stderr, done.output
    # Resumed with no time left, it reports what the study holds, not 0 trials.
    again = invoke(*args, "--timeout", "0.001", *_cli_flags(mnist, storage))
    assert again.exit_code == 0 and "study cut done: 1/1 trials" in again.stderr, again.output


def test_the_range_tests_lines_name_no_rate_and_no_target(tmp_path: Path, mnist: str) -> None:
    """A range test's rate rises through the run and it has no target: its lines say
    neither "lr=-" nor that no trial has reached the target."""
    args = ["find", "--study", "lines", "--optimizers", "adam", "--lr-min", "1e-4"]
    args += ["--lr-max", "1", "--find-steps", "20", "--out", str(tmp_path / "out")]
    storage = f"sqlite:///{tmp_path}/find.db"
    quiet = invoke(*args, "--quiet", *_cli_flags(mnist, storage))
    assert quiet.exit_code == 0, quiet.output
    assert "trial 0 adam range test: started" in quiet.stderr
    assert "trial 0 adam: range test over 20 steps" in quiet.stderr
    live = invoke(*[a if a != "lines" else "live" for a in args], *_cli_flags(mnist, storage))
    assert live.exit_code == 0, live.output
    for shown in (quiet.stderr, live.stderr):
        assert "lr=" not in shown and "reached the target" not in shown, shown


def test_a_second_study_with_the_same_range_test_settings_reuses_it(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/find.db"
    flags = {**FLAGS, "optimizers": ["adam"], "find_steps": 30, "data": mnist}
    first = find(TuneRequest("first", storage, flags), NullObserver())
    # Another study on the same model, data, rates and seed (its target differs, which
    # the range test does not depend on): the stored test is reused, and said so.
    second = invoke(
        "find", "--study", "second", "--optimizers", "adam", "--lr-min", str(FLAGS["lr_min"]),
        "--lr-max", str(FLAGS["lr_max"]), "--find-steps", "30", "--quiet", "--json",
        "--out", str(tmp_path / "out"), *_cli_flags(mnist, storage),
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["find_study"] == "first-find"
    assert "range test: reusing first-find (run for study first" in second.stderr
    names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
    assert sorted(names) == ["first-find"]
    trials = optuna.load_study(study_name="first-find", storage=storage).trials
    assert len(trials) == 1 and first.steps["adam"] == trials[0].user_attrs["steps"]
    # Another seed is another test.
    third = find(TuneRequest("third", storage, {**flags, "seed": 1}), NullObserver())
    assert third.study_name == "third-find"
