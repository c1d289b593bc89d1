"""The learning-rate range test's training part: one run whose rate changes every step.

Smith (2015) and fastai's `lr_find`: from fresh weights, raise the learning rate a little
at every step and record the loss. Where the loss falls fastest, and where it blows up,
say which rates can train the model. This module only trains and records; reading the
curve is `autolr.search.lr_range`'s job, and it decides when to stop through `on_step`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autolr.config import check_optimizer
from autolr.trainer.loop import Trainer

OnStep = Callable[[int, float, float], bool]
"""Called after every step with (steps so far, learning rate, loss); True stops the test."""


@dataclass(frozen=True)
class RangeTestRun:
    optimizer: str
    learning_rates: tuple[float, ...]  # the rate each recorded step trained with
    losses: tuple[float, ...]  # that step's training loss (may be inf or nan)
    train_seconds: float
    weight_count: int

    @property
    def steps(self) -> int:
        return len(self.losses)


def range_test(
    trainer: Trainer, optimizer: str, learning_rates: Sequence[float], on_step: OnStep
) -> RangeTestRun:
    """Train one step per rate, from the trainer's initial weights and a fresh optimizer.

    Each step is its own engine call so that the rate can change between steps; the
    compiled function is the same one trials use, so nothing extra is traced for
    TensorFlow (JAX compiles one more, single-step executable).
    """
    check_optimizer(optimizer, trainer.optimizer_fns)
    engine = trainer.engine(optimizer)
    engine.reset(learning_rates[0])
    engine.prepare(1)
    rates: list[float] = []
    losses: list[float] = []
    seconds = 0.0
    for step, rate in enumerate(learning_rates):
        engine.set_learning_rate(rate)
        tick = time.perf_counter()
        step_losses, _ = engine.run(trainer.schedule.indices(step, 1))
        seconds += time.perf_counter() - tick
        rates.append(float(rate))
        losses.append(float(step_losses[0]))
        if on_step(step + 1, float(rate), losses[-1]):
            break
    return RangeTestRun(
        optimizer,
        tuple(rates),
        tuple(losses),
        seconds,
        int(trainer.model.count_params()),
    )
