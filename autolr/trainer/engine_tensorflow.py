"""TensorFlow engine: a `tf.function` that runs a chunk of steps in one graph call."""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import tensorflow as tf

from autolr.trainer.engine import Engine, loss_and_accuracy


class _Evaluator:
    """The model's compiled evaluation. It does not depend on the optimizer, so the
    engines of one model share it: traced once per batch shape, not once per optimizer
    (which cost a compile each and made TensorFlow warn of "excessive retracing")."""

    def __init__(self, model: Any, task: str) -> None:
        def evaluate(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            return loss_and_accuracy(model(x, training=False), y, task)

        self.function = tf.function(evaluate, reduce_retracing=True)


# By id(model): an engine holds its model and its evaluator, so while the entry lives its
# model does too, and the id cannot be reused; it goes with the model's last engine.
_EVALUATORS: weakref.WeakValueDictionary[int, _Evaluator] = weakref.WeakValueDictionary()


class TensorFlowEngine(Engine):
    """Variables are updated in place; one trace serves every chunk length."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chunk = tf.function(
            self._train_chunk,
            input_signature=[tf.TensorSpec([None, self.batch_size], tf.int32)],
            reduce_retracing=True,
        )
        evaluator = _EVALUATORS.get(id(self.model))
        if evaluator is None:
            evaluator = _EVALUATORS[id(self.model)] = _Evaluator(self.model, self.task)
        self._evaluator = evaluator

    def _train_chunk(self, batch_indices: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        self.trace_count += 1  # Python side effect: runs only while tracing
        n_steps = tf.shape(batch_indices)[0]
        losses = tf.TensorArray(tf.float32, size=n_steps)
        accuracies = tf.TensorArray(tf.float32, size=n_steps)
        trainable = self.model.trainable_variables
        for i in tf.range(n_steps):
            x = tf.gather(self.x, batch_indices[i])
            y = tf.gather(self.y, batch_indices[i])
            with tf.GradientTape() as tape:
                logits = self.model(x, training=True)
                loss, accuracy = loss_and_accuracy(logits, y, self.task)
            self.optimizer.apply(tape.gradient(loss, trainable), trainable)
            losses = losses.write(i, tf.cast(loss, tf.float32))
            accuracies = accuracies.write(i, accuracy)
        return losses.stack(), accuracies.stack()

    def evaluate_batch(self, x: Any, y: Any) -> tuple[Any, Any]:
        return self._evaluator.function(x, y)

    def prepare(self, n_steps: int) -> None:
        self._chunk.get_concrete_function()

    def run(self, batch_indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        losses, accuracies = self._chunk(tf.constant(batch_indices, dtype=tf.int32))
        return losses.numpy(), accuracies.numpy()
