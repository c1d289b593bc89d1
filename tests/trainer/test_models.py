from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autolr.config import ModelSpec
from autolr.errors import ConfigError
from autolr.trainer.models import build_model, reference_cnn


def test_reference_cnn_has_the_tutorial_weight_count() -> None:
    assert reference_cnn(1.0).count_params() == 3_274_634


def test_scale_multiplies_conv_filters_and_weights_grow_about_linearly() -> None:
    counts = {scale: reference_cnn(scale).count_params() for scale in (1.0, 2.0, 3.0)}
    model = reference_cnn(2.0)
    conv_filters = [layer.filters for layer in model.layers if hasattr(layer, "filters")]
    assert conv_filters == [64, 128]
    step1, step2 = counts[2.0] - counts[1.0], counts[3.0] - counts[2.0]
    assert step2 == pytest.approx(step1, rel=0.05)


@pytest.mark.parametrize("scale", [0.125, 0.25, 1.0, 2.5])
def test_the_weight_formula_used_without_keras_matches_the_model(scale: float) -> None:
    from autolr.study.scaling import reference_weight_count

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
    with pytest.raises(ConfigError, match="10 logits"):
        build_model(ModelSpec(factory="bad_models:three"), (28, 28, 1), 10, seed=0)
