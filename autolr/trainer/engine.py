"""A compiled training step, reused across trials.

One `Engine` per (model, optimizer) pair. It compiles a function that runs a whole
chunk of steps (the check interval) in one call, so per-step Python overhead vanishes;
the learning rate is an optimizer *variable*, so a new trial only re-assigns weights,
optimizer slots and that variable: nothing is traced or compiled again.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from keras import ops

from autolr.data import Dataset

EVAL_BATCH = 1000


class StateMismatch(ValueError):
    """A saved state does not fit this model (a checkpoint from another model, or damaged)."""


@dataclass(frozen=True, eq=False)
class TrainingState:
    """Weights and optimizer state as numpy arrays: what a checkpoint holds."""

    model_values: tuple[np.ndarray, ...]
    optimizer: str
    optimizer_values: tuple[np.ndarray, ...]


def loss_and_accuracy(outputs: Any, targets: Any, task: str) -> tuple[Any, Any]:
    """A batch's mean loss and accuracy, in backend-neutral Keras ops: sparse softmax
    cross-entropy over logits for classification; mean squared error for regression,
    whose accuracy is reported as 0 (it has none)."""
    if task == "regression":
        loss = ops.mean(ops.square(ops.subtract(ops.cast(outputs, "float32"), targets)))
        return loss, ops.zeros((), "float32")
    loss = ops.mean(ops.sparse_categorical_crossentropy(targets, outputs, from_logits=True))
    predictions = ops.cast(ops.argmax(outputs, axis=-1), "int32")
    accuracy = ops.mean(ops.cast(ops.equal(predictions, targets), "float32"))
    return loss, accuracy


def model_variables(model: keras.Model) -> list[Any]:
    """Every variable that defines the model's state, dropout seed included."""
    return list(model.trainable_variables) + list(model.non_trainable_variables)


@functools.lru_cache(maxsize=2)
def device_arrays(dataset: Dataset) -> tuple[Any, Any]:
    """The training arrays as backend tensors, converted once per process."""
    return ops.convert_to_tensor(dataset.x_train), ops.convert_to_tensor(dataset.y_train)


@functools.lru_cache(maxsize=2)
def validation_arrays(dataset: Dataset, size: int) -> tuple[Any, Any]:
    """The first `size` validation examples (0: all) as backend tensors, once per process."""
    count = len(dataset.x_val) if size == 0 else min(size, len(dataset.x_val))
    return (
        ops.convert_to_tensor(dataset.x_val[:count]),
        ops.convert_to_tensor(dataset.y_val[:count]),
    )


class Engine(abc.ABC):
    """Owns one optimizer for a shared model and runs chunks of training steps."""

    def __init__(
        self,
        model: keras.Model,
        optimizer: keras.optimizers.Optimizer,
        optimizer_name: str,
        dataset: Dataset,
        initial_model_values: Sequence[np.ndarray],
        batch_size: int,
        val_size: int = 0,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.val_size = val_size
        self.task = dataset.task
        self.optimizer = optimizer
        self.optimizer_name = optimizer_name
        self.dataset = dataset
        self.x, self.y = device_arrays(dataset)
        optimizer.build(model.trainable_variables)
        self._model_vars = model_variables(model)
        self._initial_model = list(initial_model_values)
        self._initial_optimizer = [ops.convert_to_numpy(v.value) for v in optimizer.variables]
        self.trace_count = 0  # incremented by Python code that runs only while tracing

    # -- state ---------------------------------------------------------------------
    def reset(self, learning_rate: float) -> None:
        """Initial weights, fresh optimizer state, the given learning rate."""
        self._assign(self._model_vars, self._initial_model)
        self._assign(self.optimizer.variables, self._initial_optimizer)
        self.set_learning_rate(learning_rate)

    def set_learning_rate(self, learning_rate: float) -> None:
        """Assign the optimizer's learning-rate variable (no retracing, any time)."""
        self.optimizer.learning_rate = learning_rate

    def load(self, state: TrainingState, learning_rate: float) -> None:
        """Continue from a checkpoint; optimizer state only if it is this optimizer's."""
        self._assign(self._model_vars, state.model_values)
        same_optimizer = state.optimizer == self.optimizer_name and len(
            state.optimizer_values
        ) == len(self._initial_optimizer)
        optimizer_values = state.optimizer_values if same_optimizer else self._initial_optimizer
        self._assign(self.optimizer.variables, optimizer_values)
        self.set_learning_rate(learning_rate)

    def snapshot(self) -> TrainingState:
        return TrainingState(
            tuple(ops.convert_to_numpy(v.value) for v in self._model_vars),
            self.optimizer_name,
            tuple(ops.convert_to_numpy(v.value) for v in self.optimizer.variables),
        )

    @staticmethod
    def _assign(variables: Sequence[Any], values: Sequence[np.ndarray]) -> None:
        """Assign all or nothing: every shape is checked before the first write."""
        if len(variables) != len(values):
            raise StateMismatch(f"state has {len(values)} arrays, the model needs {len(variables)}")
        for variable, value in zip(variables, values, strict=True):
            if tuple(np.shape(value)) != tuple(variable.shape):
                raise StateMismatch(
                    f"state array of shape {np.shape(value)} for {variable.path} "
                    f"of shape {tuple(variable.shape)}"
                )
        for variable, value in zip(variables, values, strict=True):
            variable.assign(value)

    # -- training --------------------------------------------------------------------
    @abc.abstractmethod
    def prepare(self, n_steps: int) -> None:
        """Compile the chunk function for `n_steps` steps, outside any timed region."""

    @abc.abstractmethod
    def run(self, batch_indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Train one step per row of `batch_indices`; return per-step loss and accuracy."""

    def evaluate(self) -> tuple[float, float]:
        """(loss, accuracy) of the current weights on the validation examples (the first
        `val_size`), in inference mode, by a compiled function; accuracy is NaN for
        regression."""
        x, y = validation_arrays(self.dataset, self.val_size)
        total_loss, total_correct = 0.0, 0.0
        count = int(x.shape[0])
        for start in range(0, count, EVAL_BATCH):
            stop = min(start + EVAL_BATCH, count)
            loss, accuracy = self.evaluate_batch(x[start:stop], y[start:stop])
            total_loss += float(loss) * (stop - start)
            total_correct += float(accuracy) * (stop - start)
        accuracy = np.nan if self.task == "regression" else total_correct / count
        return total_loss / count, accuracy

    @abc.abstractmethod
    def evaluate_batch(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Mean loss and accuracy on one batch, in inference mode (compiled)."""


def engine_class(backend: str) -> type[Engine]:
    """Each backend's engine module imports its framework, so only the one in use loads."""
    if backend == "tensorflow":
        from autolr.trainer.engine_tensorflow import TensorFlowEngine

        return TensorFlowEngine
    if backend == "jax":
        from autolr.trainer.engine_jax import JaxEngine

        return JaxEngine
    raise NotImplementedError(f"Keras backend {backend!r} is not supported (use tensorflow or jax)")
