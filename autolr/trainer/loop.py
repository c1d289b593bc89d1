"""Train to a threshold: the unit of work behind every trial.

A `Trainer` builds one model configuration once per process and keeps one compiled
engine per optimizer, so every trial after an optimizer's first pays only for its
training steps. It reports each accuracy check through a plain callback that may stop
the run; it knows nothing of Optuna.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from keras import ops

from autolr.config import DataSpec, ModelSpec, TrainSettings, check_learning_rate, check_optimizer
from autolr.data import Dataset, load_dataset
from autolr.trainer.batches import BatchSchedule
from autolr.trainer.engine import Engine, TrainingState, engine_class, model_variables
from autolr.trainer.models import build_model
from autolr.trainer.optimizers import make_optimizer


@dataclass(frozen=True)
class Check:
    """One check: where training stood after `step` steps."""

    step: int
    seconds: float  # training seconds so far (steps only, no compilation)
    accuracy: float  # training accuracy, averaged as configured (NaN for regression)
    loss: float  # training loss, averaged as configured
    val_accuracy: float | None = None  # on the validation examples, when measured
    val_loss: float | None = None
    value: float = math.nan  # the study's metric (see `metric_value`): what the run is judged by


def metric_value(check: Check, metric: str) -> float:
    """The value of `metric` (Keras's names) at `check`; NaN where it was not measured."""
    value = {
        "accuracy": check.accuracy,
        "loss": check.loss,
        "val_accuracy": check.val_accuracy,
        "val_loss": check.val_loss,
    }[metric]
    return math.nan if value is None else float(value)


OnCheck = Callable[[Check], bool | None]
"""Called at every check; returning True stops the trial (how pruning hooks in)."""


@dataclass(frozen=True)
class TrainResult:
    optimizer: str
    learning_rate: float
    reached: bool  # the metric reached the target
    diverged: bool  # non-finite or exploding loss
    stopped: bool  # the on_check callback asked to stop
    steps: int
    train_seconds: float
    total_seconds: float  # including model build and compilation
    final_accuracy: float  # training accuracy at the last check (NaN for regression)
    weight_count: int
    history: tuple[Check, ...]
    reached_step: int | None = None  # first check at or above the target
    reached_seconds: float | None = None
    state: TrainingState | None = dataclasses.field(default=None, repr=False)
    timed_out: bool = False  # cut by the wall-clock budget (--max-seconds), not by steps
    final_value: float = math.nan  # the study's metric at the last check

    @property
    def outcome(self) -> str:
        if self.diverged:
            return "diverged"
        if self.reached:
            return "reached"
        if self.stopped:
            return "stopped"
        return "time" if self.timed_out else "budget"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the checkpoint state is left out)."""
        summary = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del summary["state"]
        summary["history"] = [dataclasses.asdict(check) for check in self.history]
        summary["outcome"] = self.outcome
        return summary


class _Tracker:
    """Turns per-step losses and accuracies into checks and a divergence verdict."""

    def __init__(self, settings: TrainSettings, dataset: Dataset) -> None:
        self.settings = settings
        self.chance_loss = _untrained_loss(dataset)
        self.reference_loss: float | None = None
        self.sums = np.zeros(2)  # loss, correct: since step 0
        self.step_count = 0
        self.regression = dataset.task == "regression"
        self.diverged = False

    def update(self, step: int, seconds: float, losses: np.ndarray, accs: np.ndarray) -> Check:
        if self.reference_loss is None:
            first = float(losses[0])
            self.reference_loss = max(first if math.isfinite(first) else 0.0, self.chance_loss)
        limit = self.settings.divergence_factor * self.reference_loss
        self.diverged = bool(not np.all(np.isfinite(losses)) or np.max(losses) > limit)
        self.sums += (float(np.sum(losses)), float(np.sum(accs)))
        self.step_count += len(accs)
        if self.settings.average == "cumulative":
            loss, accuracy = self.sums / self.step_count
        else:
            loss, accuracy = float(np.mean(losses)), float(np.mean(accs))
        return Check(step, seconds, math.nan if self.regression else accuracy, float(loss))


def _untrained_loss(dataset: Dataset) -> float:
    """The loss of a model that knows nothing: ln(C) for C classes (uniform logits), the
    targets' variance for regression (predicting their mean). A loss a hundred times
    beyond it (or beyond the first step's) is divergence."""
    if dataset.task == "regression":
        return float(np.mean(np.var(dataset.y_train, axis=0)))
    return math.log(max(dataset.num_classes, 2))


class Trainer:
    """Trains one model configuration on one dataset, many times, fast."""

    def __init__(
        self,
        model: ModelSpec | None = None,
        data: DataSpec | None = None,
        settings: TrainSettings | None = None,
        optimizer_fns: Mapping[str, str] | None = None,
    ) -> None:
        self.model_spec = model or ModelSpec()
        self.settings = settings or TrainSettings()
        self.optimizer_fns = dict(optimizer_fns or {})  # a user's own: name -> module:function
        self.dataset: Dataset = load_dataset(data or DataSpec())
        self.schedule = BatchSchedule(
            len(self.dataset.x_train), self.settings.batch_size, self.settings.seed
        )
        self._model: Any = None
        self._initial_values: list[np.ndarray] = []
        self._engines: dict[str, Engine] = {}

    @property
    def model(self) -> Any:
        """The Keras model, built (with seeded initial weights) on first use."""
        if self._model is None:
            self._model = build_model(
                self.model_spec,
                self.dataset.input_shape,
                self.dataset.num_outputs,
                self.settings.seed,
            )
            self._initial_values = [
                ops.convert_to_numpy(v.value) for v in model_variables(self._model)
            ]
        return self._model

    def engine(self, optimizer: str) -> Engine:
        """The compiled engine for `optimizer`, created on its first trial."""
        if optimizer not in self._engines:
            make = engine_class(keras.backend.backend())
            self._engines[optimizer] = make(
                self.model,
                make_optimizer(optimizer, own=self.optimizer_fns),
                optimizer,
                self.dataset,
                self._initial_values,
                self.settings.batch_size,
                self.settings.val_size,
            )
        return self._engines[optimizer]

    def train(
        self,
        optimizer: str,
        learning_rate: float,
        *,
        on_check: OnCheck | None = None,
        start: TrainingState | None = None,
        start_step: int = 0,
        max_steps: int | None = None,
        keep_state: bool = False,
    ) -> TrainResult:
        """Train until the target, the budget, divergence, or `on_check` says stop.

        `start`/`start_step` continue from a checkpoint (batches continue from that step);
        `max_steps` overrides the settings' step budget for this call.
        """
        check_optimizer(optimizer, self.optimizer_fns)
        learning_rate = check_learning_rate(learning_rate)
        started = time.perf_counter()
        engine = self.engine(optimizer)
        if start is None:
            engine.reset(learning_rate)
        else:
            engine.load(start, learning_rate)
        budget = self.settings.max_steps if max_steps is None else max_steps
        engine.prepare(min(self.settings.check_every, budget))
        history, outcome, train_seconds, reached = self._run_checks(
            engine, budget, start_step, on_check
        )
        last = history[-1] if history else Check(0, 0.0, math.nan, math.nan)
        return TrainResult(
            optimizer=optimizer,
            learning_rate=learning_rate,
            reached=reached is not None,
            diverged=outcome == "diverged",
            stopped=outcome == "stopped",
            timed_out=outcome == "time",
            steps=last.step,
            train_seconds=train_seconds,
            total_seconds=time.perf_counter() - started,
            final_accuracy=last.accuracy,
            final_value=last.value,
            weight_count=int(self.model.count_params()),
            history=tuple(history),
            reached_step=None if reached is None else reached.step,
            reached_seconds=None if reached is None else reached.seconds,
            state=engine.snapshot() if keep_state else None,
        )

    def _measure(self, engine: Engine, check: Check, validate: bool) -> Check:
        """The check with its validation metrics (when asked) and the study's metric."""
        if validate:
            val_loss, val_accuracy = engine.evaluate()
            check = dataclasses.replace(
                check,
                val_loss=val_loss,
                val_accuracy=None if math.isnan(val_accuracy) else val_accuracy,
            )
        return dataclasses.replace(check, value=metric_value(check, self.settings.metric))

    def _run_checks(
        self, engine: Engine, budget: int, start_step: int, on_check: OnCheck | None
    ) -> tuple[list[Check], str, float, Check | None]:
        """The check loop; returns (history, outcome, training seconds, first check that
        reached the target). With stop_at_target off it trains on past the target."""
        settings = self.settings
        goal = settings.goal
        tracker = _Tracker(settings, self.dataset)
        history: list[Check] = []
        reached: Check | None = None
        step, train_seconds = 0, 0.0
        next_validation = settings.validate_every or 0
        max_seconds = math.inf if settings.max_seconds is None else settings.max_seconds
        while step < budget and train_seconds < max_seconds:
            n_steps = min(settings.check_every, budget - step)
            indices = self.schedule.indices(start_step + step, n_steps)
            tick = time.perf_counter()
            losses, accuracies = engine.run(indices)
            train_seconds += time.perf_counter() - tick
            step += n_steps
            check = tracker.update(step, train_seconds, losses, accuracies)
            scheduled = bool(settings.validate_every) and step >= next_validation
            if scheduled:
                next_validation += settings.validate_every or 0
            check = self._measure(engine, check, goal.validation or scheduled)
            history.append(check)
            wants_stop = bool(on_check(check)) if on_check else False
            if reached is None and goal.reached(check.value):
                reached = check
            if tracker.diverged:
                return history, "diverged", train_seconds, reached
            if reached is not None and settings.stop_at_target:
                return history, "reached", train_seconds, reached
            if wants_stop:
                return history, "stopped", train_seconds, reached
        if reached:
            return history, "reached", train_seconds, reached
        return history, "budget" if step >= budget else "time", train_seconds, reached
