"""Train-to-threshold behaviour with real Keras training on real MNIST (a subset)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from autolr.config import DataSpec, ModelSpec, TrainSettings
from autolr.errors import ConfigError, DataError
from autolr.trainer import Check, Trainer
from tests.trainer.conftest import TRAIN_SIZE


def test_reaches_the_threshold(trainer: Trainer) -> None:
    result = trainer.train("adam", 1e-3)
    assert result.reached and not result.diverged
    assert result.final_accuracy >= 0.9
    assert result.steps % trainer.settings.check_every == 0
    assert result.steps == result.history[-1].step
    assert 0 < result.train_seconds <= result.total_seconds
    assert [c.step for c in result.history] == list(range(50, result.steps + 1, 50))


def test_sgd_at_learning_rate_100_diverges_within_the_first_check(trainer: Trainer) -> None:
    result = trainer.train("sgd", 100.0)
    assert result.diverged and not result.reached
    assert result.steps == trainer.settings.check_every
    # The loss explodes but need not be NaN: the check is about size, not just finiteness.
    assert not math.isfinite(result.history[0].loss) or result.history[0].loss > 100 * math.log(10)


def test_too_small_a_step_budget_ends_unreached(trainer: Trainer) -> None:
    result = trainer.train("sgd", 1e-6, max_steps=100)
    assert result.outcome == "budget"
    assert not result.reached and not result.diverged and result.steps == 100


def test_time_budget_ends_the_run_and_says_so(small_model: ModelSpec, small_data: DataSpec) -> None:
    settings = TrainSettings(target=0.999, max_steps=10_000, max_seconds=1e-3)
    result = Trainer(small_model, small_data, settings).train("adam", 1e-3)
    assert result.outcome == "time" and result.timed_out
    assert result.steps == settings.check_every  # one check, then the clock has run out


def test_the_default_budget_is_steps_only() -> None:
    assert TrainSettings().max_seconds is None


def test_the_callback_sees_every_check_and_can_stop_the_run(trainer: Trainer) -> None:
    seen: list[Check] = []

    def stop_at_second_check(check: Check) -> bool:
        seen.append(check)
        return check.step >= 100

    result = trainer.train("sgd", 1e-6, on_check=stop_at_second_check)
    assert result.stopped and result.outcome == "stopped"
    assert result.steps == 100
    assert [c.step for c in seen] == [50, 100]


def test_a_second_trial_reuses_the_compiled_step(trainer: Trainer) -> None:
    trainer.train("momentum", 0.05, max_steps=100)
    engine = trainer.engine("momentum")
    traces = engine.trace_count
    assert traces >= 1
    again = trainer.train("momentum", 0.001, max_steps=100)
    assert engine.trace_count == traces
    assert again.learning_rate == 0.001


def test_later_trials_spend_almost_all_their_time_training(trainer: Trainer) -> None:
    trainer.train("adagrad", 0.1, max_steps=200)
    result = trainer.train("adagrad", 0.1, max_steps=200)
    # Generous bound for a noisy CI machine; scripts/bench_trainer.py measures the real figure.
    assert result.total_seconds - result.train_seconds < 0.25 * result.total_seconds


@pytest.mark.tensorflow_determinism
@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_same_seed_same_steps_in_one_process(trainer: Trainer) -> None:
    first = trainer.train("rmsprop", 1e-3)
    trainer.train("adam", 1e-2, max_steps=100)  # something else in between
    second = trainer.train("rmsprop", 1e-3)
    assert first.reached
    assert second.steps == first.steps
    assert [c.accuracy for c in second.history] == [c.accuracy for c in first.history]


SCRIPT = """
import json, sys
from autolr.config import DataSpec, ModelSpec, TrainSettings
from autolr.trainer import Trainer
scale, path, size = float(sys.argv[1]), sys.argv[2], int(sys.argv[3])
trainer = Trainer(ModelSpec(scale=scale), DataSpec(path=path, train_size=size),
                  TrainSettings(target=0.9, max_steps=600))
result = trainer.train("rmsprop", 1e-3)
print(json.dumps({"steps": result.steps, "acc": [c.accuracy for c in result.history]}))
"""


@pytest.mark.slow
@pytest.mark.tensorflow_determinism
def test_same_seed_same_steps_in_a_new_process(trainer: Trainer) -> None:
    here = trainer.train("rmsprop", 1e-3)
    args = [str(trainer.model_spec.scale), str(trainer_data_path(trainer)), "3000"]
    output = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ),
    ).stdout
    there = json.loads(output.strip().splitlines()[-1])
    assert there["steps"] == here.steps
    assert there["acc"] == [c.accuracy for c in here.history]


def trainer_data_path(trainer: Trainer) -> str:
    from tests.conftest import mnist_path

    return mnist_path()


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_cumulative_average_takes_every_batch_since_the_start(
    small_model: ModelSpec, small_data: DataSpec
) -> None:
    settings = TrainSettings(target=1.0, max_steps=150, average="cumulative")
    window = Trainer(small_model, small_data, TrainSettings(target=1.0, max_steps=150))
    cumulative = Trainer(small_model, small_data, settings)
    by_window = window.train("adam", 1e-3).history
    by_total = cumulative.train("adam", 1e-3).history
    expected_last = sum(c.accuracy for c in by_window) / len(by_window)
    assert by_total[-1].accuracy == pytest.approx(expected_last, abs=1e-6)
    assert by_total[0].accuracy == pytest.approx(by_window[0].accuracy, abs=1e-6)


def test_validation_accuracy_is_recorded_every_k_steps(
    small_model: ModelSpec, small_data: DataSpec
) -> None:
    settings = TrainSettings(target=1.0, max_steps=200, validate_every=100)
    history = Trainer(small_model, small_data, settings).train("adam", 1e-3).history
    with_validation = {c.step: c.val_accuracy for c in history if c.val_accuracy is not None}
    assert sorted(with_validation) == [100, 200]
    assert all(0.5 < v <= 1.0 for v in with_validation.values())


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_continuing_from_a_snapshot_picks_up_where_it_stopped(
    small_model: ModelSpec, small_data: DataSpec
) -> None:
    trainer = Trainer(small_model, small_data, TrainSettings(target=1.0, max_steps=200))
    first = trainer.train("adam", 1e-3, max_steps=100, keep_state=True)
    assert first.state is not None
    continued = trainer.train("adam", 1e-3, start=first.state, start_step=100, max_steps=100)
    straight = trainer.train("adam", 1e-3, max_steps=200)
    assert [c.step for c in continued.history] == [50, 100]
    assert continued.history[-1].accuracy == pytest.approx(straight.history[-1].accuracy)
    assert continued.history[-1].loss == pytest.approx(straight.history[-1].loss, rel=1e-5)


def test_missing_data_file_is_a_clear_error(small_model: ModelSpec, tmp_path) -> None:
    with pytest.raises(DataError, match="data file not found"):
        Trainer(small_model, DataSpec(path=str(tmp_path / "nope.npz")))


def test_unknown_optimizer_and_bad_learning_rate_are_clear_errors(trainer: Trainer) -> None:
    with pytest.raises(ConfigError, match="unknown optimizer 'lbfgs'"):
        trainer.train("lbfgs", 0.1)
    with pytest.raises(ConfigError, match="positive"):
        trainer.train("sgd", -0.1)


def test_unimportable_model_is_a_clear_error(small_data: DataSpec) -> None:
    trainer = Trainer(ModelSpec(factory="not_a_module_anywhere:build"), small_data)
    with pytest.raises(ConfigError, match="cannot import module"):
        trainer.train("sgd", 0.1)


def test_the_same_images_reach_the_target_alike_as_uint8_or_as_floats(
    small_model: ModelSpec, mnist: str, tmp_path
) -> None:
    """Floats already in [0, 1] are not divided by 255 again (they once were, silently,
    and never reached the target)."""
    import numpy as np

    with np.load(mnist) as archive:
        x, y = archive["x_train"][:TRAIN_SIZE], archive["y_train"][:TRAIN_SIZE]
        xv, yv = archive["x_test"][:500], archive["y_test"][:500]
    floats = tmp_path / "floats.npz"
    np.savez(floats, x_train=x / 255.0, y_train=y, x_test=xv / 255.0, y_test=yv)
    settings = TrainSettings(target=0.9, max_steps=600)
    steps = [
        Trainer(small_model, DataSpec(path=path, train_size=TRAIN_SIZE), settings)
        .train("adam", 3e-3)
        .reached_step
        for path in (mnist, str(floats))
    ]
    assert steps[0] is not None and steps[0] == steps[1]


def test_a_validation_metric_is_measured_at_every_check_on_a_subset(
    small_model: ModelSpec, small_data: DataSpec
) -> None:
    settings = TrainSettings(metric="val_loss", target=0.5, max_steps=200, val_size=300)
    result = Trainer(small_model, small_data, settings).train("adam", 3e-3)
    assert all(c.val_loss is not None and c.value == c.val_loss for c in result.history)
    assert result.reached == (result.final_value <= 0.5)


def tiny_mlp():
    """A user's small model (`--model tests.trainer.test_loop:tiny_mlp`): fast to compile."""
    import keras

    layers = [keras.layers.Flatten(), keras.layers.Dense(16, "relu"), keras.layers.Dense(10)]
    return keras.Sequential([keras.Input((28, 28)), *layers])


def test_a_validation_metric_is_compiled_once_for_every_optimizer(
    small_data: DataSpec, caplog: pytest.LogCaptureFixture
) -> None:
    # Evaluation does not depend on the optimizer: six optimizers on one model share one
    # compiled evaluation. Compiled once per optimizer, TensorFlow printed an "excessive
    # retracing" warning to the user's console after the fifth.
    model = ModelSpec(factory="tests.trainer.test_loop:tiny_mlp")
    settings = TrainSettings(metric="val_accuracy", target=1.0, max_steps=20, check_every=10)
    trainer = Trainer(model, small_data, settings)
    for optimizer in ("adam", "adamw", "sgd", "rmsprop", "adagrad", "momentum"):
        result = trainer.train(optimizer, 0.01)
        assert [c.val_accuracy is not None for c in result.history] == [True, True]
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]
