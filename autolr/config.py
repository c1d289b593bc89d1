"""Frozen settings shared by the trainer, the study runner and the CLI.

Nothing here imports a deep-learning framework, so commands that only read results
(`autolr best`, `autolr studies`) start in well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, Literal

from autolr.errors import ConfigError
from autolr.metrics import ACCURACY_METRICS, METRICS, Goal

# Environment variables autolr reads (documented in the README).
THREADS_ENV = "AUTOLR_THREADS"  # per-process thread cap, set for --jobs workers
WORKER_INDEX_ENV = "AUTOLR_WORKER_INDEX"  # which --jobs worker this is (offsets seeds)
PARENT_ENV = "AUTOLR_PARENT_PID"  # a --jobs worker stops when this process is gone
DEBUG_ENV = "AUTOLR_DEBUG"  # show tracebacks and framework start-up output

# The six optimizers of the 2018 study, by their CLI names, with TF1's settings.
OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "adam", "adagrad", "adadelta", "rmsprop")
# Optimizers Keras 3 ships, by lowercase name, with Keras's defaults (nesterov: SGD with
# momentum 0.9 and Nesterov's correction).
KERAS_OPTIMIZERS: tuple[str, ...] = (
    "adamw",
    "nadam",
    "adamax",
    "lion",
    "lamb",
    "adafactor",
    "ftrl",
    "nesterov",
)
BUILTIN_OPTIMIZERS: tuple[str, ...] = (*OPTIMIZERS, *KERAS_OPTIMIZERS)
# What a user's own --model is searched with when no --optimizers are given: the study's
# six (the 2018 grid measured their bands) and AdamW, today's most common default.
USER_MODEL_OPTIMIZERS: tuple[str, ...] = (*OPTIMIZERS, "adamw")

# Seeds reach numpy (below 2**32) after --jobs adds each worker's index: keep headroom.
MAX_SEED = 2**31 - 1

TASKS: tuple[str, ...] = ("classification", "regression")
# How the training accuracy (or loss) at a check is averaged: over the steps since the
# previous check, or since step 0 (what TF's tutorial printed as it went).
Average = Literal["window", "cumulative"]
AVERAGES: tuple[str, ...] = ("window", "cumulative")
# Validation metrics are measured at every check on the first VAL_SIZE validation
# examples: all 10,000 of MNIST's would cost a check more than its 50 training steps on a
# CPU (scripts/bench_validation.py); 0 means all of them.
DEFAULT_VAL_SIZE = 1000


def check_optimizer(name: str, own: Iterable[str] = ()) -> str:
    """Return `name` if it is a built-in optimizer or one of `own` (--optimizer-fn),
    else raise a one-line error."""
    if name not in BUILTIN_OPTIMIZERS and name not in own:
        names = ", ".join((*BUILTIN_OPTIMIZERS, *own))
        raise ConfigError(f"unknown optimizer {name!r}; choose from {names}")
    return name


def check_learning_rate(value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ConfigError(f"learning rate must be a positive number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class DataSpec:
    """Where the training data comes from.

    `path` only locates the MNIST file; it is not part of a study's identity, so the same
    study can be resumed on a machine that keeps the file elsewhere.
    """

    path: str | None = None
    train_size: int | None = None
    data_fn: str | None = None
    task: str = "classification"  # integer class labels; regression: float targets (MSE)

    def __post_init__(self) -> None:
        if self.train_size is not None and self.train_size < 1:
            raise ConfigError(f"--train-size must be at least 1, got {self.train_size}")
        if self.data_fn is not None and ":" not in self.data_fn:
            raise ConfigError(f"--data-fn must look like module:function, got {self.data_fn!r}")
        if self.task not in TASKS:
            raise ConfigError(f"unknown task {self.task!r}; choose classification or regression")

    def identity(self) -> dict[str, Any]:
        """The fields that change results (everything but the file's location)."""
        return {"train_size": self.train_size, "data_fn": self.data_fn, "task": self.task}


@dataclass(frozen=True)
class ModelSpec:
    """The reference CNN at a filter `scale`, or a user's `module:function` model."""

    scale: float = 1.0
    factory: str | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ConfigError(f"--scale must be positive, got {self.scale}")
        if self.factory is not None and ":" not in self.factory:
            raise ConfigError(f"--model must look like module:function, got {self.factory!r}")

    def describe(self) -> str:
        return self.factory if self.factory else f"reference CNN x{self.scale:g}"


def reference_weight_count(
    scale: float, input_shape: tuple[int, ...] = (28, 28, 1), outputs: int = 10
) -> int:
    """Weights of the reference CNN at `scale`, worked out without building it (3,274,634
    at scale 1 on MNIST): two 5x5 convolutions, each pooled by 2, a dense layer of
    round(1024 * scale) units and the output layer (autolr/trainer/models.py)."""
    height, width, channels = (*input_shape, 1, 1, 1)[:3]
    filters1, filters2 = max(1, round(32 * scale)), max(1, round(64 * scale))
    hidden = max(1, round(1024 * scale))
    pooled = (height // 2 // 2) * (width // 2 // 2)
    conv1 = 5 * 5 * channels * filters1 + filters1
    conv2 = 5 * 5 * filters1 * filters2 + filters2
    dense = pooled * filters2 * hidden + hidden
    return conv1 + conv2 + dense + hidden * outputs + outputs


@dataclass(frozen=True)
class TrainSettings:
    """How one trial trains and when it stops (defaults: the 2018 study's setup)."""

    target: float = 0.97  # the metric's value that counts as "trained"
    metric: str = "accuracy"  # Keras's names: accuracy, val_accuracy, loss, val_loss
    average: Average = "window"  # training metrics over the steps since the last check
    max_steps: int = 6000  # step budget
    # Wall-clock budget. None (the default): the step budget alone decides, so a result
    # does not depend on machine load. The 2018 study's 120 s cut is the mnist-2018 preset.
    max_seconds: float | None = None
    check_every: int = 50  # steps between accuracy checks (the study's interval)
    batch_size: int = 100
    seed: int = 0
    validate_every: int | None = None  # steps between validation passes; None: never
    val_size: int = DEFAULT_VAL_SIZE  # validation examples measured at a check (0: all)
    divergence_factor: float = 100.0  # loss above this many times the untrained loss
    stop_at_target: bool = True  # off: train the whole budget, noting when it got there

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ConfigError(f"unknown metric {self.metric!r}; choose from {', '.join(METRICS)}")
        if self.metric in ACCURACY_METRICS and not 0 < self.target <= 1:
            raise ConfigError(f"--target must be in (0, 1] for {self.metric}, got {self.target}")
        if not (math.isfinite(self.target) and self.target > 0):
            raise ConfigError(
                f"--target must be a positive loss for {self.metric}, got {self.target}"
            )
        if self.average not in AVERAGES:
            raise ConfigError(f"unknown average {self.average!r}; choose window or cumulative")
        if self.val_size < 0:
            raise ConfigError(f"--val-size must be 0 (all) or more, got {self.val_size}")
        for name in ("max_steps", "check_every", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be at least 1")
        if self.max_seconds is not None and not (
            math.isfinite(self.max_seconds) and self.max_seconds > 0
        ):
            raise ConfigError(f"--max-seconds must be positive, got {self.max_seconds}")
        if not 0 <= self.seed <= MAX_SEED:
            raise ConfigError(f"--seed must be an integer in 0..{MAX_SEED}, got {self.seed}")
        if self.validate_every is not None and self.validate_every < 1:
            raise ConfigError("--validate-every must be at least 1")
        if self.divergence_factor <= 1:
            raise ConfigError("divergence factor must be above 1")

    @property
    def goal(self) -> Goal:
        return Goal(self.metric, self.target)

    def describe_budget(self) -> str:
        """The per-run budget in words: '1500 steps', or '6000 steps or 120 s'."""
        if self.max_seconds is None:
            return f"{self.max_steps} steps"
        return f"{self.max_steps} steps or {self.max_seconds:g} s"


def as_dict(obj: Any) -> dict[str, Any]:
    """A frozen dataclass as a plain dict (for JSON and TOML round trips)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def describe_goal(train: TrainSettings) -> str:
    """The goal with how it is measured: "97% train accuracy (window average)",
    "validation loss <= 0.05 (first 1000 validation examples, or all if fewer)". The
    settings do not know the data's size, so the text allows for a smaller set."""
    goal = train.goal
    if goal.validation:
        where = (
            "all validation examples"
            if train.val_size == 0
            else f"first {train.val_size} validation examples, or all if fewer"
        )
        return f"{goal.describe()} ({where})"
    return f"{goal.describe()} ({train.average} average)"
