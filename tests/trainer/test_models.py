from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autolr.config import ModelSpec
from autolr.errors import ConfigError
from autolr.trainer.models import build_model, reference_cnn


def test_reference_cnn_has_the_tutorial_weight_count() -> None:
    assert reference_cnn(1.0).count_params() == 3_274_634


def test_scale_multiplies_conv_filters_and_the_first_dense_width_as_the_study_did() -> None:
    model = reference_cnn(2.0)
    conv_filters = [layer.filters for layer in model.layers if hasattr(layer, "filters")]
    dense_units = [layer.units for layer in model.layers if hasattr(layer, "units")]
    assert conv_filters == [64, 128]
    assert dense_units == [2048, 10]


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        # conv1 + conv2 + dense(7*7*f2 -> round(1024 s)) + logits, worked out by hand:
        # 0.5: 5*5*16+16 + 5*5*16*32+32 + 1568*512+512 + 512*10+10
        (0.5, 416 + 12_832 + 803_328 + 5_130),
        # 1: 5*5*32+32 + 5*5*32*64+64 + 3136*1024+1024 + 1024*10+10
        (1.0, 832 + 51_264 + 3_212_288 + 10_250),
        # 2: 5*5*64+64 + 5*5*64*128+128 + 6272*2048+2048 + 2048*10+10
        (2.0, 1_664 + 204_928 + 12_847_104 + 20_490),
    ],
)
def test_reference_weight_count_matches_a_hand_computation(scale: float, expected: int) -> None:
    from autolr.answers.scaling import reference_weight_count

    assert reference_weight_count(scale) == expected


@pytest.mark.parametrize("scale", [0.125, 0.25, 1.0, 2.5])
def test_the_weight_formula_used_without_keras_matches_the_model(scale: float) -> None:
    from autolr.answers.scaling import reference_weight_count

    assert reference_weight_count(scale) == reference_cnn(scale).count_params()


def test_user_model_is_loaded_from_module_function(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "my_models.py").write_text(
        textwrap.dedent(
            """
            import keras

            def tiny():
                return keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
            """
        )
    )
    monkeypatch.chdir(tmp_path)
    model = build_model(ModelSpec(factory="my_models:tiny"), (28, 28, 1), 10, seed=0)
    assert model.count_params() == 28 * 28 * 10 + 10


def test_model_that_cannot_be_imported_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="cannot import module 'no_such_module'"):
        build_model(ModelSpec(factory="no_such_module:build"), (28, 28, 1), 10, seed=0)


def test_model_with_wrong_output_width_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "bad_models.py").write_text(
        "import keras\n"
        "def three():\n"
        "    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),"
        " keras.layers.Dense(3)])\n"
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="10 values per example"):
        build_model(ModelSpec(factory="bad_models:three"), (28, 28, 1), 10, seed=0)


def test_a_model_function_with_a_scale_keyword_is_built_at_each_scale() -> None:
    from tests import scaled_models

    scaled_models.BUILT.clear()
    widths = []
    for scale in (0.5, 1.0, 2.0):
        model = build_model(
            ModelSpec(scale=scale, factory="tests.scaled_models:mlp"), (28, 28, 1), 10, 0
        )
        widths.append(model.layers[-2].units)
    assert scaled_models.BUILT == [0.5, 1.0, 2.0]
    assert widths == [16, 32, 64]


def test_a_model_function_without_scale_is_built_at_the_default_only() -> None:
    spec = ModelSpec(factory="tests.scaled_models:fixed")
    assert build_model(spec, (28, 28, 1), 10, seed=0).count_params() == 7850
    with pytest.raises(
        ConfigError, match=r"has no `scale` parameter, so it cannot be built at scale 0.5"
    ):
        build_model(ModelSpec(scale=0.5, factory="tests.scaled_models:fixed"), (28, 28, 1), 10, 0)
