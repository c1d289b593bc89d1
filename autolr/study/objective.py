"""The Optuna objective: one trial trains one (optimizer, learning rate) to the target.

This is the only code that suggests parameters, reports intermediate values or raises
`TrialPruned`; the trainer below it knows nothing of Optuna.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Protocol

import optuna

from autolr.config import TrainSettings
from autolr.metrics import FINAL_METRIC
from autolr.search import progress, roles, ties
from autolr.search.prior import SearchSpace, whole_range
from autolr.search.pruning import StopRules
from autolr.settings import StudySettings
from autolr.store import history
from autolr.trainer import Check, Trainer, TrainResult


class TrialListener(Protocol):
    """Hears when a trial starts and each of its checks (for progress displays)."""

    def trial_started(self, number: int, optimizer: str, learning_rate: float) -> None: ...
    def check(self, number: int, check: Check) -> None: ...


class Trainers:
    """One Trainer per model size: a scale study trains several sizes in one process, and
    each keeps its compiled steps."""

    def __init__(self, settings: StudySettings) -> None:
        self.settings = settings
        self._made: dict[tuple[float, int], Trainer] = {}

    def get(self, scale: float | None = None, seed: int | None = None) -> Trainer:
        """The trainer of the study's model at `scale`, seeded with `seed` (a follow-up's
        other seed: other initial weights and batch order); the study's by default."""
        model, train = self.settings.model, self.settings.train
        if scale is not None:
            model = dataclasses.replace(model, scale=scale)
        if seed is not None:
            train = dataclasses.replace(train, seed=seed)
        key = (model.scale, train.seed)
        if key not in self._made:
            self._made[key] = Trainer(
                model, self.settings.data, train, self.settings.own_optimizers
            )
        return self._made[key]


# Its constructor's arguments mirror the Trainer's and PBT's parts it drives: alike in
# shape, one job each.
class Objective:
    def __init__(
        self,
        settings: StudySettings,
        trainers: Trainers,
        listener: TrialListener | None = None,
        space: SearchSpace | None = None,
    ) -> None:
        self.settings = settings
        self.trainers = trainers
        self.listener = listener
        self.space = space or whole_range(settings)

    def suggest(self, trial: optuna.Trial) -> tuple[str, float]:
        """The optimizer, then a rate within that optimizer's range (the stored trial's
        distribution shows the range actually searched)."""
        optimizer = str(trial.suggest_categorical("optimizer", self.space.optimizers))
        low, high = self.space.ranges[optimizer]
        if trial.user_attrs.get(roles.ROLE_ATTR):  # a follow-up may measure beyond it
            low, high = self.settings.lr_min, self.settings.lr_max
        learning_rate = trial.suggest_float("learning_rate", low, high, log=True)
        return optimizer, float(learning_rate)

    def suggest_scale(self, trial: optuna.Trial) -> float | None:
        """Scale studies vary the model size too; other studies train one size."""
        if self.settings.sampler != "scale":
            return None
        scales = sorted({point[2] for point in self.settings.points})
        return float(trial.suggest_categorical("scale", scales))

    def __call__(self, trial: optuna.Trial) -> float:
        optimizer, learning_rate = self.suggest(trial)
        trainer = self.trainers.get(
            self.suggest_scale(trial), trial.user_attrs.get(roles.SEED_ATTR)
        )
        if self.listener is not None:
            self.listener.trial_started(trial.number, optimizer, learning_rate)
        checks: list[tuple[int, float]] = []

        def on_check(check: Check) -> bool:
            # Intermediate values are what the run would be worth if it stopped now, in
            # the objective's unit: pruners compare them, and a pruned trial keeps the last.
            checks.append((check.step, check.value))
            now = self._value_now(checks, check, pace_of(check), learning_rate)
            trial.report(now, check.step)
            if self.settings.objective == "time":  # lets stop rules read values as steps
                trial.set_user_attr(progress.PACE_ATTR, pace_of(check))
            if self.listener is not None:
                self.listener.check(trial.number, check)
            return self.settings.prune and trial.should_prune()

        result = trainer.train(optimizer, learning_rate, on_check=on_check)
        record_result(trial, result, self.settings.train)
        if result.stopped:
            reason = _stop_reason(trial)
            trial.set_user_attr("stop_reason", reason)
            raise optuna.TrialPruned(f"stopped at step {result.steps}: {STOP_REASONS[reason]}")
        return self.value(result)

    def _value_now(
        self,
        checks: list[tuple[int, float]],
        check: Check,
        seconds_per_step: float,
        learning_rate: float,
    ) -> float:
        train = self.settings.train
        reached = check.step if train.goal.reached(check.value) else None
        steps = progress.steps_value(
            checks, train.goal, train.max_steps, reached_step=reached, diverged=False
        )
        if not math.isfinite(check.loss):
            steps = progress.diverged_value(train.max_steps)
        elif reached is not None:
            steps += self._tie_break(check.value, learning_rate)
        return self._in_unit(steps, seconds_per_step)

    def value(self, result: TrainResult) -> float:
        """Steps (or seconds) to the target; for a run that stopped short, its projected
        steps above the budget (see autolr/search/progress.py)."""
        train = self.settings.train
        if self.settings.objective == "time" and result.reached_seconds is not None:
            return float(result.reached_seconds)
        steps = progress.steps_value(
            [(c.step, c.value) for c in result.history],
            train.goal,
            train.max_steps,
            reached_step=result.reached_step,
            diverged=result.diverged,
        )
        if result.reached_step is not None:
            steps += self._tie_break(result.final_value, result.learning_rate)
        return self._in_unit(steps, result.train_seconds / max(result.steps, 1))

    def _tie_break(self, value: float, learning_rate: float) -> float:
        """The fraction of a step that orders runs which reached at the same check the
        way `autolr best` does, so tools that see only the value agree (see ties.py)."""
        if self.settings.objective != "steps":
            return 0.0
        s = self.settings
        return ties.tie_break(value, s.train.goal, learning_rate, s.lr_min, s.lr_max)

    def _in_unit(self, steps: float, seconds_per_step: float) -> float:
        return steps if self.settings.objective == "steps" else steps * seconds_per_step


def pace_of(check: Check) -> float:
    """Training seconds per step so far (turns steps into the time objective's unit)."""
    return check.seconds / max(check.step, 1)


STOP_REASONS = {
    "slower": "slower than a finished run by the pruning margin",
    "stalled": "not on course to reach the target within the budget, and not closing in",
    "behind": "behind the median of finished runs at the same step",
    "stopped": "stopped by a pruner",
}


def _stop_reason(trial: optuna.Trial) -> str:
    pruner = trial.study.pruner
    reason = pruner.reason(trial.number) if isinstance(pruner, StopRules) else None
    return reason or "stopped"


def record_result(
    trial: optuna.Trial,
    result: TrainResult,
    train: TrainSettings,
    start_step: int = 0,
    stopped_as: str = "pruned",
    earlier: Sequence[tuple[int, float]] = (),
) -> None:
    """Store what a user needs to judge a trial, whatever its final state (`stopped_as`:
    the outcome of a run its callback stopped; `earlier`: a PBT lineage's checks before
    this interval, (lineage step, metric), which its projection continues)."""
    trial.set_user_attr("outcome", stopped_as if result.stopped else result.outcome)
    if not result.reached and not result.diverged:
        projected = progress.projected_steps(
            [*earlier, *((start_step + c.step, c.value) for c in result.history)], train.goal
        )
        # Beyond the cap a projection means nothing: None reads "not on course".
        on_course = projected <= progress.PROJECTION_CAP * train.max_steps
        trial.set_user_attr("projected_steps", round(projected) if on_course else None)
    trial.set_user_attr("reached", result.reached)
    trial.set_user_attr("diverged", result.diverged)
    trial.set_user_attr("steps", result.steps)
    trial.set_user_attr("train_seconds", round(result.train_seconds, 4))
    trial.set_user_attr("total_seconds", round(result.total_seconds, 4))
    trial.set_user_attr("final_accuracy", _rounded(result.final_accuracy))
    trial.set_user_attr(FINAL_METRIC, _rounded(result.final_value))
    trial.set_user_attr("weight_count", result.weight_count)
    if result.reached_step is not None and result.reached_step != result.steps:
        trial.set_user_attr("reached_step", result.reached_step)  # trained on past the target
        trial.set_user_attr("reached_seconds", round(result.reached_seconds or 0.0, 4))
    history.store(trial, result.history)


def _rounded(value: float) -> float | None:
    """A measured value for storage: rounded, and None where there is none (NaN)."""
    return round(value, 6) if math.isfinite(value) else None
