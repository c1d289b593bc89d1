"""Frozen settings shared by the trainer, the study runner and the CLI.

Nothing here imports a deep-learning framework, so commands that only read results
(`autolr best`, `autolr studies`) start in well under a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Literal

from autolr.errors import ConfigError

# Environment variables autolr reads (documented in the README).
THREADS_ENV = "AUTOLR_THREADS"  # per-process thread cap, set for --jobs workers
WORKER_INDEX_ENV = "AUTOLR_WORKER_INDEX"  # which --jobs worker this is (offsets seeds)
PARENT_ENV = "AUTOLR_PARENT_PID"  # a --jobs worker stops when this process is gone
DEBUG_ENV = "AUTOLR_DEBUG"  # show tracebacks and framework start-up output

# The six optimizers of the 2018 study, by their CLI names.
OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "adam", "adagrad", "adadelta", "rmsprop")

# Seeds reach numpy (below 2**32) after --jobs adds each worker's index: keep headroom.
MAX_SEED = 2**31 - 1

Metric = Literal["window", "cumulative"]
METRICS: tuple[str, ...] = ("window", "cumulative")


def check_optimizer(name: str) -> str:
    """Return `name` if it is one of the six optimizers, else raise a one-line error."""
    if name not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
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

    def __post_init__(self) -> None:
        if self.train_size is not None and self.train_size < 1:
            raise ConfigError(f"--train-size must be at least 1, got {self.train_size}")
        if self.data_fn is not None and ":" not in self.data_fn:
            raise ConfigError(f"--data-fn must look like module:function, got {self.data_fn!r}")

    def identity(self) -> dict[str, Any]:
        """The fields that change results (everything but the file's location)."""
        return {"train_size": self.train_size, "data_fn": self.data_fn}


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


@dataclass(frozen=True)
class TrainSettings:
    """How one trial trains and when it stops (defaults: the 2018 study's setup)."""

    target: float = 0.97  # training accuracy that counts as "trained"
    metric: Metric = "window"  # accuracy over the batches since the last check
    max_steps: int = 6000  # step budget
    # Wall-clock budget. None (the default): the step budget alone decides, so a result
    # does not depend on machine load. The 2018 study's 120 s cut is the mnist-2018 preset.
    max_seconds: float | None = None
    check_every: int = 50  # steps between accuracy checks (the study's interval)
    batch_size: int = 100
    seed: int = 0
    validate_every: int | None = None  # steps between validation passes; None: never
    divergence_factor: float = 100.0  # loss above this many times the untrained loss
    stop_at_target: bool = True  # off: train the whole budget, noting when it got there

    def __post_init__(self) -> None:
        if not 0 < self.target <= 1:
            raise ConfigError(f"--target must be in (0, 1], got {self.target}")
        if self.metric not in METRICS:
            raise ConfigError(f"unknown metric {self.metric!r}; choose window or cumulative")
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

    def describe_budget(self) -> str:
        """The per-run budget in words: '1500 steps', or '6000 steps or 120 s'."""
        if self.max_seconds is None:
            return f"{self.max_steps} steps"
        return f"{self.max_steps} steps or {self.max_seconds:g} s"


def as_dict(obj: Any) -> dict[str, Any]:
    """A frozen dataclass as a plain dict (for JSON and TOML round trips)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}
