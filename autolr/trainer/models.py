"""The reference CNN of the 2018 study, and loading a user's own Keras model."""

from __future__ import annotations

import keras
from keras import layers

from autolr.config import ModelSpec
from autolr.errors import ConfigError
from autolr.importing import call_user_code, load_model_factory


def reference_cnn(
    scale: float = 1.0, input_shape: tuple[int, ...] = (28, 28, 1), num_classes: int = 10
) -> keras.Model:
    """The TensorFlow tutorial MNIST network at a model `scale`, as the 2018 study defined it.

    `scale` multiplies both conv layers' filters and the first dense layer's width
    (`round(1024 * scale)` units), as the study's reference code did, so the weight count
    grows roughly with scale squared. At scale 1 it has 3,274,634 weights.
    """
    filters1, filters2 = max(1, round(32 * scale)), max(1, round(64 * scale))
    hidden = max(1, round(1024 * scale))
    inputs = keras.Input(shape=input_shape)
    h = inputs
    if len(input_shape) == 2:  # grey images without a channel axis
        h = layers.Reshape((*input_shape, 1))(h)
    h = layers.Conv2D(filters1, 5, padding="same", activation="relu")(h)
    h = layers.MaxPooling2D(2)(h)
    h = layers.Conv2D(filters2, 5, padding="same", activation="relu")(h)
    h = layers.MaxPooling2D(2)(h)
    h = layers.Flatten()(h)
    h = layers.Dense(hidden, activation="relu")(h)
    h = layers.Dropout(0.4)(h)
    logits = layers.Dense(num_classes)(h)
    return keras.Model(inputs, logits, name=f"reference_cnn_x{scale:g}")


def build_model(
    spec: ModelSpec, input_shape: tuple[int, ...], num_outputs: int, seed: int
) -> keras.Model:
    """Build the model a spec names, with weights initialised from `seed`; a `--model`
    function that takes a `scale` keyword is called with the spec's scale. The model must
    output `num_outputs` values per example (a logit per class, or a value per regression
    target) as one tensor, and have weights to train."""
    keras.utils.set_random_seed(seed)
    if spec.factory is None:
        return reference_cnn(spec.scale, input_shape, num_outputs)
    what = f"--model {spec.factory!r}"
    model = call_user_code(load_model_factory(spec.factory, spec.scale), what)
    if not isinstance(model, keras.Model):
        raise ConfigError(f"{what} must return a keras.Model, got {type(model).__name__}")
    if not model.built:
        model.build((None, *input_shape))
    outputs = model.compute_output_spec(keras.KerasTensor((1, *input_shape)))
    if isinstance(outputs, list | tuple | dict):
        raise ConfigError(
            f"{what} has {len(outputs)} outputs; autolr trains a model with one output "
            f"tensor of {num_outputs} values per example"
        )
    if tuple(outputs.shape)[-1] != num_outputs:
        raise ConfigError(
            f"{what} outputs {tuple(outputs.shape)}; it must output {num_outputs} values per "
            "example (a logit per class, or a value per regression target)"
        )
    if not model.trainable_weights:
        raise ConfigError(f"{what} has no trainable weights: there is nothing to tune")
    return model
