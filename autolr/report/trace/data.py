"""A trace study's trials as accuracy curves over training time (pure: no plotting).

A trace trains each optimizer at its best rate for a fixed budget, past the target, and
records training accuracy at every check and validation accuracy every few checks: the
2018 study's figure 4, which asks whether reaching the target fast also generalises.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from optuna.trial import FrozenTrial, TrialState

from autolr.store.history import checks as stored_checks

VALIDATION = 4  # index of val_accuracy in a stored check: [step, s, acc, loss, val]


@dataclass(frozen=True)
class Curve:
    """Accuracy at each check: where training stood after so many steps and seconds."""

    steps: tuple[int, ...]
    seconds: tuple[float, ...]
    accuracy: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.steps)

    def best(self) -> tuple[float, int] | None:
        """The highest accuracy and the first step it was seen at."""
        if not self.accuracy:
            return None
        top = max(self.accuracy)
        return top, self.steps[self.accuracy.index(top)]


@dataclass(frozen=True)
class TraceRun:
    """One optimizer trained at one rate for the whole budget."""

    number: int
    optimizer: str
    learning_rate: float
    training: Curve
    validation: Curve  # only the checks where validation ran
    reached_step: int | None  # first check at or above the target; None if never
    reached_seconds: float | None
    steps: int
    seconds: float
    diverged: bool

    @property
    def label(self) -> str:
        return f"{self.optimizer}, lr {self.learning_rate:.3g}"

    @property
    def reached_point(self) -> tuple[float, float] | None:
        """(seconds, training accuracy) at the check that first reached the target."""
        if self.reached_step is None or self.reached_seconds is None:
            return None
        found = dict(zip(self.training.steps, self.training.accuracy, strict=True))
        return self.reached_seconds, found.get(self.reached_step, math.nan)

    @property
    def final_accuracy(self) -> float | None:
        return self.training.accuracy[-1] if len(self.training) else None

    @property
    def final_validation(self) -> float | None:
        return self.validation.accuracy[-1] if len(self.validation) else None


def trace_runs(trials: Sequence[FrozenTrial], optimizers: Sequence[str]) -> list[TraceRun]:
    """Finished runs in the study's optimizer order (its source study's order)."""
    done = [t for t in trials if t.state == TrialState.COMPLETE and "optimizer" in t.params]
    order = {name: i for i, name in enumerate(optimizers)}
    done.sort(key=lambda t: (order.get(str(t.params["optimizer"]), len(order)), t.number))
    return [_trace_run(t) for t in done]


def _trace_run(trial: FrozenTrial) -> TraceRun:
    attrs = trial.user_attrs
    history = [h for h in stored_checks(trial) if h[2] is not None]
    validated = [h for h in history if len(h) > VALIDATION and h[VALIDATION] is not None]
    steps, seconds = int(attrs.get("steps", 0)), float(attrs.get("train_seconds", 0.0))
    reached = bool(attrs.get("reached"))
    # `reached_step` is stored only when the run trained on past the target; a run that
    # reached it at its very last check has it in `steps`.
    reached_step = attrs.get("reached_step", steps if reached else None)
    reached_seconds = attrs.get("reached_seconds", seconds if reached else None)
    return TraceRun(
        number=trial.number,
        optimizer=str(trial.params["optimizer"]),
        learning_rate=float(trial.params["learning_rate"]),
        training=_curve(history, 2),
        validation=_curve(validated, VALIDATION),
        reached_step=None if reached_step is None else int(reached_step),
        reached_seconds=None if reached_seconds is None else float(reached_seconds),
        steps=steps,
        seconds=seconds,
        diverged=bool(attrs.get("diverged")),
    )


def _curve(history: Sequence[Sequence[float]], column: int) -> Curve:
    return Curve(
        steps=tuple(int(h[0]) for h in history),
        seconds=tuple(float(h[1]) for h in history),
        accuracy=tuple(float(h[column]) for h in history),
    )
