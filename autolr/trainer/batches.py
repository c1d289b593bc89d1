"""Which examples each training step sees: a seeded reshuffle every epoch.

The order depends only on (seed, step), so a run resumed at step s (a PBT member, say)
sees exactly the batches an uninterrupted run would have.
"""

from __future__ import annotations

import numpy as np

from autolr.errors import ConfigError


class BatchSchedule:
    def __init__(self, n_examples: int, batch_size: int, seed: int) -> None:
        if n_examples < batch_size:
            raise ConfigError(
                f"only {n_examples} training examples for a batch of {batch_size}; "
                "use more data or a smaller batch"
            )
        self.n_examples = n_examples
        self.batch_size = batch_size
        self.seed = seed
        self.steps_per_epoch = n_examples // batch_size  # the last partial batch is dropped
        self._cached_epoch = -1
        self._cached_order = np.empty(0, dtype=np.int32)

    def _order(self, epoch: int) -> np.ndarray:
        if epoch != self._cached_epoch:
            rng = np.random.default_rng((self.seed, epoch))
            self._cached_order = rng.permutation(self.n_examples).astype(np.int32)
            self._cached_epoch = epoch
        return self._cached_order

    def indices(self, start_step: int, n_steps: int) -> np.ndarray:
        """Example indices for steps start_step .. start_step + n_steps - 1, one row each."""
        rows = np.empty((n_steps, self.batch_size), dtype=np.int32)
        for row, step in enumerate(range(start_step, start_step + n_steps)):
            epoch, position = divmod(step, self.steps_per_epoch)
            begin = position * self.batch_size
            rows[row] = self._order(epoch)[begin : begin + self.batch_size]
        return rows
