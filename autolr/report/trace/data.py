"""A trace study's trials as accuracy curves over training time (pure: no plotting).

A trace trains each optimizer at its best rate for a fixed budget, past the target, and
records the training metric at every check and the validation metric every few checks:
the 2018 study's figure 4, which asks whether reaching the target fast also generalises.
A study judged by accuracy is traced in accuracy; one judged by a loss, in that loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from optuna.trial import FrozenTrial, TrialState

from autolr.metrics import Goal
from autolr.store.history import checks as stored_checks
from autolr.store.history import column


@dataclass(frozen=True)
class Measure:
    """What a trace draws: accuracy, or loss, on the training and validation examples."""

    name: str  # "accuracy" or "loss"
    higher_is_better: bool

    @property
    def training(self) -> str:
        return self.name

    @property
    def validation(self) -> str:
        return f"val_{self.name}"


ACCURACY = Measure("accuracy", True)
LOSS = Measure("loss", False)


def measure(goal: Goal) -> Measure:
    return ACCURACY if goal.rises else LOSS


@dataclass(frozen=True)
class Curve:
    """The measure at each check: where training stood after so many steps and seconds."""

    steps: tuple[int, ...]
    seconds: tuple[float, ...]
    values: tuple[float, ...]
    higher_is_better: bool = True

    def __len__(self) -> int:
        return len(self.steps)

    def best(self) -> tuple[float, int] | None:
        """The best value (highest accuracy, lowest loss) and the first step it was seen at."""
        if not self.values:
            return None
        top = max(self.values) if self.higher_is_better else min(self.values)
        return top, self.steps[self.values.index(top)]


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

    def reached_on(self, curve: Curve) -> tuple[float, float] | None:
        """(seconds, value on `curve`) at the check that first reached the target."""
        if self.reached_step is None or self.reached_seconds is None:
            return None
        found = dict(zip(curve.steps, curve.values, strict=True))
        return self.reached_seconds, found.get(self.reached_step, math.nan)

    @property
    def reached_point(self) -> tuple[float, float] | None:
        """(seconds, training value) at the check that first reached the target."""
        return self.reached_on(self.training)

    @property
    def final_training(self) -> float | None:
        return self.training.values[-1] if len(self.training) else None

    @property
    def final_validation(self) -> float | None:
        return self.validation.values[-1] if len(self.validation) else None


def trace_runs(
    trials: Sequence[FrozenTrial],
    optimizers: Sequence[str],
    drawn: Measure = ACCURACY,
) -> list[TraceRun]:
    """Finished runs in the study's optimizer order (its source study's order)."""
    done = [t for t in trials if t.state == TrialState.COMPLETE and "optimizer" in t.params]
    order = {name: i for i, name in enumerate(optimizers)}
    done.sort(key=lambda t: (order.get(str(t.params["optimizer"]), len(order)), t.number))
    return [_trace_run(t, drawn) for t in done]


def _trace_run(trial: FrozenTrial, drawn: Measure) -> TraceRun:
    attrs = trial.user_attrs
    history = stored_checks(trial)
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
        training=_curve(history, drawn.training, drawn.higher_is_better),
        validation=_curve(history, drawn.validation, drawn.higher_is_better),
        reached_step=None if reached_step is None else int(reached_step),
        reached_seconds=None if reached_seconds is None else float(reached_seconds),
        steps=steps,
        seconds=seconds,
        diverged=bool(attrs.get("diverged")),
    )


def _curve(history: Sequence[Sequence[float]], name: str, higher_is_better: bool) -> Curve:
    """The checks where `name` was measured (and finite)."""
    measured = [(h, column(h, name)) for h in history]
    kept = [(h, v) for h, v in measured if v is not None]
    return Curve(
        steps=tuple(int(h[0]) for h, _ in kept),
        seconds=tuple(float(h[1]) for h, _ in kept),
        values=tuple(float(v) for _, v in kept),
        higher_is_better=higher_is_better,
    )
