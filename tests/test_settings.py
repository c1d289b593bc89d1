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
    with pytest.raises(ConfigError, match="a grid study trains its own fixed rates"):
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
