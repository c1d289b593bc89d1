"""Any model people bring: each kind of model (an image classifier that is not MNIST, a
tabular classifier, a regression, an Embedding model on token sequences) tuned to its own
metric, with its own batch size and optimizers, through the CLI, on real small data that
ships with scikit-learn or is generated (docs/examples/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from tests.helpers import assert_clean_error, invoke

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
# A small grid: adam at the grid's rates 0.0068, 0.01, 0.0147 and 0.0215.
GRID = ["--sampler", "grid", "--optimizers", "adam", "--lr-min", "0.005", "--lr-max", "0.03"]
BUDGET = ["--max-steps", "300", "--batch-size", "32", "--check-every", "10", "--quiet"]
KINDS = {
    "digits": ["--data-fn", "digits:load", "--model", "digits:cnn", "--metric", "val_accuracy",
               "--target", "0.9"],
    "tabular": ["--data-fn", "tabular:load", "--model", "tabular:mlp", "--metric",
                "val_accuracy", "--target", "0.95"],
    "regression": ["--task", "regression", "--data-fn", "regression:load", "--model",
                   "regression:mlp", "--metric", "val_loss", "--target", "0.6"],
    "tokens": ["--data", "TOKENS", "--model", "tokens:embedding", "--target", "0.9"],
    "loss": ["--data-fn", "tabular:load", "--model", "tabular:mlp", "--metric", "loss",
             "--target", "0.1"],
}  # fmt: skip


@pytest.fixture()
def examples(tmp_path: Path, monkeypatch) -> Path:
    """docs/examples as the working directory (its modules importable), with the token
    task saved as a Keras-layout .npz; studies go to a file under tmp_path."""
    monkeypatch.chdir(EXAMPLES)
    sys.path.insert(0, str(EXAMPLES))
    import tokens

    tokens.save(str(tmp_path / "tokens.npz"))
    yield tmp_path
    sys.path.remove(str(EXAMPLES))


def _storage(folder: Path) -> str:
    return f"sqlite:///{folder / 'studies.db'}"


def _best(folder: Path, study: str) -> dict:
    result = invoke("best", "--study", study, "--storage", _storage(folder), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_of_model_is_tuned_to_its_own_metric(kind: str, examples: Path) -> None:
    flags = [str(examples / "tokens.npz") if f == "TOKENS" else f for f in KINDS[kind]]
    storage = _storage(examples)
    result = invoke("tune", "--study", kind, "--storage", storage, *GRID, *BUDGET, *flags)
    assert result.exit_code == 0, result.output
    answer = _best(examples, kind)
    metric = flags[flags.index("--metric") + 1] if "--metric" in flags else "accuracy"
    assert answer["metric"] == metric and answer["batch_size"] == 32
    assert answer["optimizer"] == "adam" and answer["value"] <= 300
    # Every run says which metric it was judged by and where it ended on it.
    trials = optuna.load_study(study_name=kind, storage=storage).trials
    assert all("final_metric" in t.user_attrs for t in trials)
    goal = answer["goal"]
    assert metric.replace("val_", "validation ").replace("_", " ") in goal or metric in goal
    if kind == "regression":  # no accuracy to speak of
        assert all(t.user_attrs["final_accuracy"] is None for t in trials)


def test_tokens_stay_integers_and_each_step_is_said(examples: Path) -> None:
    flags = ["--data", str(examples / "tokens.npz"), "--model", "tokens:embedding"]
    result = invoke("train", "--optimizer", "adam", "--lr", "0.01", *flags,
                    "--target", "0.9", "--max-steps", "200", "--check-every", "10")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "integer examples read as token ids 0..49 (for an Embedding), not scaled" in (
        result.stderr
    )
    refused = invoke("train", "--optimizer", "adam", "--lr", "0.01", "--data",
                     str(examples / "tokens.npz"))  # fmt: skip
    assert_clean_error(refused, "the reference CNN takes images; these examples are integer")


def test_a_validation_set_smaller_than_val_size_is_said_to_be_measured_whole(
    examples: Path,
) -> None:
    # The breast-cancer split holds 114 validation examples; --val-size defaults to 1000.
    flags = ["--data-fn", "tabular:load", "--model", "tabular:mlp", "--metric", "val_loss",
             "--target", "0.3", "--max-steps", "20", "--check-every", "10"]  # fmt: skip
    result = invoke("train", "--optimizer", "adam", "--lr", "0.01", *flags)
    assert result.exit_code == 0, result.output
    assert "the validation set has 114 examples, fewer than --val-size 1000: every check " \
        "measures all 114" in result.stderr  # fmt: skip
    whole = invoke("train", "--optimizer", "adam", "--lr", "0.01", *flags, "--val-size", "0")
    assert whole.exit_code == 0 and "fewer than --val-size" not in whole.stderr
    # The same data and model in the same process (checked once) with another --val-size:
    # the note is about the validation set and that size, so it is said again.
    other = invoke("train", "--optimizer", "adam", "--lr", "0.01", *flags, "--val-size", "500")
    assert other.exit_code == 0 and "fewer than --val-size 500: every check" in other.stderr
    # And the goal that every answer shows does not claim a thousand examples.
    from autolr.config import TrainSettings, describe_goal

    goal = describe_goal(TrainSettings(metric="val_loss", target=0.3, val_size=1000))
    assert goal.endswith("(first 1000 validation examples, or all if fewer)"), goal


def test_a_loss_metric_needs_its_target_and_regression_needs_a_loss(examples: Path) -> None:
    storage = _storage(examples)
    need_target = invoke("tune", "--study", "x", "--storage", storage, "--metric", "val_loss",
                         "--data-fn", "tabular:load", "--model", "tabular:mlp")  # fmt: skip
    assert_clean_error(need_target, "--metric val_loss needs --target")
    accuracy = invoke("tune", "--study", "x", "--storage", storage, "--task", "regression",
                      "--metric", "accuracy", "--data-fn", "regression:load")  # fmt: skip
    assert_clean_error(accuracy, "--metric accuracy needs class labels; --task regression")
    floats = invoke("tune", "--study", "x", "--storage", storage, "--data-fn",
                    "regression:load", "--model", "regression:mlp")  # fmt: skip
    assert_clean_error(floats, "float targets are --task regression")
    assert not (examples / "studies.db").exists()  # refused before anything was stored


def test_a_users_own_optimizer_is_searched_under_its_name(examples: Path) -> None:
    storage = _storage(examples)
    own = ["--optimizer-fn", "optimizers:sgd_nesterov_clipped"]
    result = invoke("tune", "--study", "own", "--storage", storage, *GRID, *BUDGET,
                    *KINDS["tabular"], *own)  # fmt: skip
    assert result.exit_code == 0, result.output
    trials = optuna.load_study(study_name="own", storage=storage).trials
    assert {t.params["optimizer"] for t in trials} == {"adam", "sgd_nesterov_clipped"}
    assert len(trials) == 8  # 4 grid rates for each
    answer = _best(examples, "own")
    assert set(answer["per_optimizer"]) == {"adam", "sgd_nesterov_clipped"}


def test_an_optimizer_function_that_cannot_serve_is_refused_before_anything_is_stored(
    examples: Path,
) -> None:
    (examples / "bad_optimizers.py").write_text(
        "import keras\n"
        "def scheduled(lr):\n"
        "    return keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(lr, 10, .9))\n"
        "def nothing(lr):\n"
        "    return None\n"
        "def adam(lr):\n"
        "    return keras.optimizers.Adam(lr)\n"
    )
    sys.path.insert(0, str(examples))
    try:
        cases = {
            "bad_optimizers:scheduled": "returned an optimizer with a learning-rate schedule",
            "bad_optimizers:nothing": "must return a keras.optimizers.Optimizer",
            "bad_optimizers:adam": "is named 'adam' like a built-in optimizer",
        }
        for reference, fragment in cases.items():
            result = invoke("tune", "--study", "bad", "--storage", _storage(examples),
                            *KINDS["tabular"], "--optimizer-fn", reference)  # fmt: skip
            assert_clean_error(result, fragment)
    finally:
        sys.path.remove(str(examples))
    assert not (examples / "studies.db").exists()


def test_pbt_works_to_a_loss(examples: Path) -> None:
    storage = _storage(examples)
    pbt = ["--sampler", "pbt", "--population", "4", "--interval", "20", "--prior", "none",
           "--optimizers", "adam,sgd", "--lr-min", "0.001", "--lr-max", "0.1",
           "--band", "none"]  # fmt: skip
    result = invoke("tune", "--study", "pbt-loss", "--storage", storage, *pbt,
                    "--max-steps", "60", "--batch-size", "32", "--check-every", "10", "--quiet",
                    *KINDS["regression"][:-1], "0.45")  # fmt: skip
    assert result.exit_code == 0, result.output
    trials = optuna.load_study(study_name="pbt-loss", storage=storage).trials
    finished = [t for t in trials if t.state.name == "COMPLETE"]
    assert finished and all(t.user_attrs["final_metric"] is not None for t in finished)
    # Exploit copies the members with the lowest loss, never the highest.
    second = [t for t in finished if t.user_attrs["generation"] == 1]
    first = {t.user_attrs["member"]: t for t in finished if t.user_attrs["generation"] == 0}
    for trial in second:
        donor = trial.user_attrs.get("donor_member")
        if donor is not None:
            donor_loss = first[donor].user_attrs["final_metric"]
            own_loss = first[trial.user_attrs["member"]].user_attrs["final_metric"]
            assert donor_loss <= own_loss


@pytest.mark.slow  # a second backend: CI runs it with the slow tests
def test_the_jax_backend_tunes_a_regression(examples: Path) -> None:
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(Path.cwd().parents[1])}
    args = ["tune", "--study", "jax", "--storage", _storage(examples), *GRID, *BUDGET,
            *KINDS["regression"]]  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "autolr", *args], cwd=EXAMPLES, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    answer = _best(examples, "jax")
    assert answer["metric"] == "val_loss" and answer["value"] <= 300
