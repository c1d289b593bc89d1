from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from autolr.errors import ConfigError
from autolr.settings import StudySettings, load_preset, resolve


def test_defaults_are_the_2018_reference_setup() -> None:
    settings = StudySettings()
    assert settings.optimizers == ("sgd", "momentum", "adam", "adagrad", "adadelta", "rmsprop")
    assert (settings.lr_min, settings.lr_max) == (1e-6, 100.0)
    assert settings.train.target == 0.97 and settings.train.max_steps == 6000
    assert settings.train.batch_size == 100 and settings.model.scale == 1.0
    # The budget is in steps (deterministic, load-independent); the 2018 wall-clock cut
    # lives in the mnist-2018 preset.
    assert settings.train.max_seconds is None
    assert load_preset("mnist-2018")["max_seconds"] == 120.0


def test_sampled_studies_start_from_the_range_test_and_grids_keep_their_rates() -> None:
    assert resolve({}, None, {"sampler": "tpe"}).prior == "find"
    assert resolve({}, None, {"sampler": "random"}).prior == "find"
    assert resolve({}, None, {"sampler": "pbt"}).prior == "find"
    assert resolve({}, None, {"sampler": "grid"}).prior == "none"
    assert resolve({}, None, {"sampler": "tpe", "prior": "none"}).prior == "none"
    grid_message = r"a grid study trains its own fixed rates \(use --prior none\)"
    with pytest.raises(ConfigError, match=grid_message):
        resolve({}, None, {"sampler": "grid", "prior": "find"})


def test_a_study_stored_before_priors_existed_keeps_searching_the_whole_range() -> None:
    stored = StudySettings(sampler="tpe").identity()
    del stored["prior"], stored["find_steps"]
    assert resolve({}, stored, {}).prior == "none"


def test_flags_override_the_preset_for_a_new_study() -> None:
    settings = resolve({"target": 0.9, "max_steps": 500}, None, {"max_steps": 300})
    assert settings.train.target == 0.9 and settings.train.max_steps == 300


def test_resuming_with_the_same_or_no_flags_reuses_the_stored_settings() -> None:
    stored = StudySettings(sampler="grid", train=StudySettings().train).identity()
    assert resolve({}, stored, {}).sampler == "grid"
    assert resolve({}, stored, {"sampler": "grid", "target": 0.97}).sampler == "grid"


def test_a_conflicting_flag_is_a_clear_error_naming_both_values() -> None:
    stored = StudySettings(sampler="grid").identity()
    with pytest.raises(ConfigError, match=r"created with --target 0.97 \(asked 0.9\)"):
        resolve({}, stored, {"target": 0.9})


def test_the_data_path_may_change_between_resumes() -> None:
    stored = StudySettings().identity()
    assert resolve({}, stored, {"data": "/elsewhere/mnist.npz"}).data.path == "/elsewhere/mnist.npz"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"sampler": "bayes"}, "unknown sampler 'bayes'"),
        ({"optimizers": ["adam", "lionn"]}, "unknown optimizer 'lionn'"),
        ({"lr_min": 1.0, "lr_max": 0.1}, "--lr-min .* must be below --lr-max"),
        ({"lr_min": 0.0}, "--lr-min must be a positive number"),
        ({"objective": "loss"}, "unknown objective"),
        ({"metric": "ema"}, "unknown metric"),
        ({"target": 1.5}, "--target must be in"),
        ({"prior": "grid"}, "unknown prior 'grid'"),
        ({"find_steps": 3}, "--find-steps must be at least 10"),
        ({"find_steps": 0}, "--find-steps must be at least 10"),
        ({"scale": 0}, "--scale must be positive"),
    ],
)
def test_bad_settings_are_one_line_errors(flags: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve({}, None, flags)


def test_presets_are_read_from_studies_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "studies").mkdir()
    (tmp_path / "studies" / "mine.toml").write_text('sampler = "grid"\ntarget = 0.95\n')
    assert load_preset("mine") == {"sampler": "grid", "target": 0.95}
    (tmp_path / "studies" / "typo.toml").write_text("targett = 0.95\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        load_preset("typo")


def test_an_explicit_preset_that_does_not_exist_is_an_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_preset("no-such-study") == {}  # a study name need not have a preset
    with pytest.raises(ConfigError, match=r"no preset named 'mnist-smal' \(presets: .*mnist-small"):
        load_preset("mnist-smal", required=True)


def test_builtin_presets_exist_and_are_valid() -> None:
    reference = StudySettings.from_flat(load_preset("mnist-2018"))
    assert (
        reference.identity()
        == StudySettings(
            sampler=reference.sampler,
            train=dataclasses.replace(StudySettings().train, max_seconds=120.0),
        ).identity()
    )
    laptop = StudySettings.from_flat(load_preset("mnist"))
    assert laptop.model.scale < 1 and laptop.train.max_seconds is None
    small = StudySettings.from_flat(load_preset("mnist-small"))
    assert small.model.scale < 1 and small.data.train_size


# -- metrics, tasks, batch size and optimizers (issue 16) ---------------------------------


def test_settings_stored_with_the_old_meaning_of_metric_mean_what_they_meant() -> None:
    for average in ("window", "cumulative"):
        old = StudySettings.from_flat({"metric": average, "target": 0.9})
        assert (old.train.metric, old.train.average, old.train.target) == (
            "accuracy",
            average,
            0.9,
        )
    # A user's own preset file written for the old flag works the same way.
    assert resolve({"metric": "cumulative"}, None, {}).train.average == "cumulative"


def test_a_loss_metric_needs_its_own_target() -> None:
    with pytest.raises(ConfigError, match="--metric loss needs --target"):
        resolve({"target": 0.97}, None, {"metric": "loss"})  # an accuracy target: refused
    assert resolve({}, None, {"metric": "val_loss", "target": 0.2}).train.target == 0.2
    preset = {"metric": "val_loss", "target": 0.3}
    assert resolve(preset, None, {}).train.goal.describe() == "validation loss <= 0.3"
    with pytest.raises(ConfigError, match=r"--target must be in \(0, 1\] for accuracy"):
        resolve({}, None, {"target": 2.0})
    assert resolve({}, None, {"metric": "loss", "target": 2.0}).train.target == 2.0


def test_a_regression_trains_to_a_loss() -> None:
    with pytest.raises(ConfigError, match="--metric loss needs --target"):
        resolve({}, None, {"task": "regression"})  # its metric is a loss: it needs a target
    settings = resolve({}, None, {"task": "regression", "target": 0.5})
    assert settings.train.metric == "loss" and settings.data.task == "regression"
    with pytest.raises(ConfigError, match="--metric val_accuracy needs class labels"):
        resolve({}, None, {"task": "regression", "metric": "val_accuracy", "target": 0.9})
    with pytest.raises(ConfigError, match="unknown task 'ranking'"):
        resolve({}, None, {"task": "ranking"})


def test_a_users_model_is_searched_with_adamw_too_and_own_optimizers_are_added() -> None:
    assert "adamw" not in resolve({}, None, {}).optimizers
    assert resolve({}, None, {"model": "m:f"}).optimizers[-1] == "adamw"
    own = {"optimizer_fns": {"clipped": "opts:clipped"}}
    assert resolve({}, None, {"optimizers": ["adam"], **own}).optimizers == ("adam", "clipped")
    with pytest.raises(ConfigError, match="unknown optimizer 'clipped'"):
        resolve({}, None, {"optimizers": ["adam", "clipped"]})  # not given by --optimizer-fn
    for name in ("adamw", "nadam", "adamax", "lion", "lamb", "adafactor", "ftrl", "nesterov"):
        assert resolve({}, None, {"optimizers": [name]}).optimizers == (name,)


def test_batch_size_validation_size_and_task_are_part_of_a_study() -> None:
    stored = resolve({}, None, {"batch_size": 32}).identity()
    assert stored["batch_size"] == 32 and stored["task"] == "classification"
    assert stored["val_size"] == 1000 and stored["average"] == "window"
    with pytest.raises(ConfigError, match=r"--batch-size 32 \(asked 64\)"):
        resolve({}, stored, {"batch_size": 64})
    assert resolve({}, stored, {"batch_size": 32}).train.batch_size == 32
