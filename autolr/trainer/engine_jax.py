"""JAX engine: `jit` + `lax.scan` over a chunk of steps, with data on the device.

Keras variables stay the source of truth between chunks (so evaluation, snapshots and
resets are backend-neutral): each chunk reads their values, runs stateless, and assigns
the results back, which for JAX is a pointer swap, not a copy.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from autolr.trainer.engine import Engine, loss_and_accuracy


class JaxEngine(Engine):
    """One compiled executable per chunk length (normally just the check interval)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Donating the state lets XLA update weights in place on accelerators; the CPU
        # backend cannot use donated buffers and would only warn.
        donate = () if jax.default_backend() == "cpu" else (0,)
        self._jitted = jax.jit(self._train_chunk, donate_argnums=donate)
        self._compiled: dict[int, Any] = {}
        self._evaluate = jax.jit(self._evaluate_batch)

    def _loss(
        self, trainable: list[Any], non_trainable: list[Any], x: Any, y: Any
    ) -> tuple[Any, tuple[Any, list[Any]]]:
        logits, non_trainable = self.model.stateless_call(
            trainable, non_trainable, x, training=True
        )
        loss, accuracy = loss_and_accuracy(logits, y, self.task)
        return loss, (accuracy, non_trainable)

    def _train_chunk(self, state: Any, x: Any, y: Any, batch_indices: Any) -> Any:
        self.trace_count += 1  # Python side effect: runs only while tracing
        value_and_grad = jax.value_and_grad(self._loss, has_aux=True)

        def step(carry: Any, indices: Any) -> Any:
            trainable, non_trainable, optimizer_values = carry
            (loss, (accuracy, non_trainable)), grads = value_and_grad(
                trainable, non_trainable, x[indices], y[indices]
            )
            trainable, optimizer_values = self.optimizer.stateless_apply(
                optimizer_values, grads, trainable
            )
            return (trainable, non_trainable, optimizer_values), (loss, accuracy)

        return jax.lax.scan(step, state, batch_indices)

    def _evaluate_batch(self, trainable: Any, non_trainable: Any, x: Any, y: Any) -> Any:
        outputs, _ = self.model.stateless_call(trainable, non_trainable, x, training=False)
        return loss_and_accuracy(outputs, y, self.task)

    def evaluate_batch(self, x: Any, y: Any) -> tuple[Any, Any]:
        trainable, non_trainable, _ = self._state()
        return self._evaluate(trainable, non_trainable, x, y)

    def _state(self) -> tuple[list[Any], list[Any], list[Any]]:
        return (
            [v.value for v in self.model.trainable_variables],
            [v.value for v in self.model.non_trainable_variables],
            [v.value for v in self.optimizer.variables],
        )

    def prepare(self, n_steps: int) -> None:
        if n_steps not in self._compiled:
            batch = jax.ShapeDtypeStruct((n_steps, self.batch_size), np.int32)
            lowered = self._jitted.lower(self._state(), self.x, self.y, batch)
            self._compiled[n_steps] = lowered.compile()

    def run(self, batch_indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_steps = len(batch_indices)
        self.prepare(n_steps)
        (trainable, non_trainable, optimizer_values), (losses, accuracies) = self._compiled[
            n_steps
        ](self._state(), self.x, self.y, batch_indices)
        for variables, values in (
            (self.model.trainable_variables, trainable),
            (self.model.non_trainable_variables, non_trainable),
            (self.optimizer.variables, optimizer_values),
        ):
            for variable, value in zip(variables, values, strict=True):
                variable.assign(value)
        return np.asarray(losses), np.asarray(accuracies)
