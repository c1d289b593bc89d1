"""One PBT member-interval: start from the parent's checkpoint, train one interval, save a
checkpoint for the next generation (see autolr/search/pbt.py for who inherits what).

Two things set it apart from an ordinary trial:
- Its values continue its lineage: steps count the weights' whole training, and the
  projection behind an unreached value (progress.py) is fitted to the lineage's checks,
  its ancestors' included. Each interval fitting only its own checks made a member's
  intermediate values jump from 9x the budget (one check: no pace yet) to its real
  projection and back at every interval.
- It ends early when it has shown nothing: diverged (the trainer stops it), or at chance
  after its first checks (autolr/search/chance.py). Either is stored as `stop_reason`,
  only the steps it trained count, and the next exploit replaces it. An interval too
  short to be stopped (fewer checks than the rule waits for) whose every check sat at
  chance is labelled "chance" too, and replaced alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from autolr.errors import TrialFailed
from autolr.search import pbt, progress, roles
from autolr.search.chance import (
    CHANCE,
    CHANCE_CHECKS,
    DIVERGED,
    STOP_REASON,
    at_chance,
    chance_level,
)
from autolr.search.prior import SearchSpace
from autolr.settings import StudySettings
from autolr.store import checkpoints, history
from autolr.store.artifacts_db import ArtifactStore
from autolr.study.objective import Objective, Trainers, TrialListener, pace_of, record_result
from autolr.trainer import Check, StateMismatch, TrainingState, TrainResult


class PBTObjective(Objective):
    """Trains the member-interval the PBT sampler decided (its lineage in user attrs)."""

    def __init__(
        self,
        settings: StudySettings,
        trainers: Trainers,
        store: ArtifactStore,
        listener: TrialListener | None = None,
        space: SearchSpace | None = None,
    ) -> None:
        super().__init__(settings, trainers, listener, space)
        self.store = store
        self._chance: float | None = None

    def chance(self) -> float:
        """The study's metric at chance on this data (computed once)."""
        if self._chance is None:
            self._chance = chance_level(self.trainers.get().dataset, self.settings.train.metric)
        return self._chance

    def __call__(self, trial: optuna.Trial) -> float:
        if trial.user_attrs.get(roles.ROLE_ATTR):  # a band run: one constant rate, from scratch
            return super().__call__(trial)
        optimizer, learning_rate = self.suggest(trial)
        # The sampler wrote this interval's lineage to the storage after the Trial object
        # cached its attributes, so read them back from the study.
        trials = trial.study.get_trials(deepcopy=False)
        attrs = trials[trial.number].user_attrs
        start_step = int(attrs[pbt.LINEAGE_STEPS])
        start = self._start(trial, attrs)
        if self.listener is not None:
            self.listener.trial_started(trial.number, optimizer, learning_rate)
        goal = self.settings.train.goal
        earlier = lineage_checks(trials, attrs.get(pbt.PARENT), goal.metric)
        checks = list(earlier)
        own: list[float] = []

        def on_check(check: Check) -> bool:
            lineage_check = dataclasses.replace(check, step=start_step + check.step)
            checks.append((lineage_check.step, check.value))
            own.append(check.value)
            now = self._value_now(checks, lineage_check, pace_of(check), learning_rate)
            trial.report(now, lineage_check.step)
            if self.listener is not None:
                self.listener.check(trial.number, check)
            # PBT replaces pruning with exploitation; it only ends an interval at chance.
            return not goal.reached(check.value) and at_chance(own, goal, self.chance())

        result = self._train(optimizer, learning_rate, on_check, start, start_step, attrs)
        assert result.state is not None
        artifact = checkpoints.save(self.store, trial.study.study_name, trial.number, result.state)
        trial.set_user_attr(pbt.CHECKPOINT, artifact)
        trial.set_user_attr("end_fingerprint", checkpoints.fingerprint(result.state))
        record_result(trial, result, self.settings.train, start_step, CHANCE, earlier)
        reason = self._why_replaced(result, own)
        if reason is not None:
            trial.set_user_attr(STOP_REASON, reason)
        return self._interval_value(result, checks, start_step, learning_rate, attrs)

    def _why_replaced(self, result: TrainResult, own: Sequence[float]) -> str | None:
        """ "diverged", or "chance" for an interval stopped at chance, or one too short to
        be stopped (fewer than CHANCE_CHECKS checks) whose every check sat at chance."""
        if result.diverged:
            return DIVERGED
        if result.stopped:
            return CHANCE
        short = 0 < len(own) < CHANCE_CHECKS
        goal = self.settings.train.goal
        if short and not result.reached and at_chance(own, goal, self.chance(), len(own)):
            return CHANCE
        return None

    def _start(self, trial: optuna.Trial, attrs: dict[str, Any]) -> TrainingState | None:
        """The parent's weights (and optimizer state, unless resampled), or None."""
        if not attrs.get(pbt.PARENT_CHECKPOINT):
            return None
        start = checkpoints.load(self.store, attrs[pbt.PARENT_CHECKPOINT])
        trial.set_user_attr("start_fingerprint", checkpoints.fingerprint(start))
        if not attrs.get(pbt.KEEP_OPTIMIZER_STATE):
            start = dataclasses.replace(start, optimizer_values=())  # fresh optimizer
        return start

    def _train(
        self,
        optimizer: str,
        learning_rate: float,
        on_check: Any,
        start: TrainingState | None,
        start_step: int,
        attrs: dict[str, Any],
    ) -> TrainResult:
        interval = min(self.settings.pbt.interval, self.settings.train.max_steps - start_step)
        try:
            return self.trainers.get().train(
                optimizer,
                learning_rate,
                on_check=on_check,
                start=start,
                start_step=start_step,
                max_steps=interval,
                keep_state=True,
            )
        except StateMismatch as exc:
            checkpoint = attrs[pbt.PARENT_CHECKPOINT]
            raise TrialFailed(f"checkpoint {checkpoint} does not fit the model: {exc}") from exc

    def _interval_value(
        self,
        result: TrainResult,
        checks: Sequence[tuple[int, float]],
        start_step: int,
        learning_rate: float,
        attrs: dict[str, Any],
    ) -> float:
        """The lineage's value at the interval's end: lineage steps to the target, or the
        unreached value projected from the lineage's checks."""
        if self.settings.objective == "time" and result.reached_seconds is not None:
            return float(attrs.get(pbt.LINEAGE_SECONDS, 0.0)) + result.reached_seconds
        train = self.settings.train
        reached = None if result.reached_step is None else start_step + result.reached_step
        steps = progress.steps_value(
            checks, train.goal, train.max_steps, reached_step=reached, diverged=result.diverged
        )
        if result.reached_step is not None:
            steps += self._tie_break(result.final_value, learning_rate)
        return self._in_unit(steps, result.train_seconds / max(result.steps, 1))


def lineage_checks(
    trials: Sequence[FrozenTrial], parent: int | None, metric: str
) -> list[tuple[int, float]]:
    """(lineage step, metric) at every check of the lineage that ends with trial `parent`
    (its ancestors first), from their stored histories; [] for a fresh start."""
    if parent is None:
        return []
    by_number = {t.number: t for t in trials}
    found: list[tuple[int, float]] = []
    for ancestor in pbt.lineage(trials, by_number[parent]):
        start = int(ancestor.user_attrs.get(pbt.LINEAGE_STEPS, 0))
        for row in history.checks(ancestor):
            value = history.column(row, metric)
            if value is not None:  # unmeasured, or not finite: no pace to read
                found.append((start + int(row[0]), value))
    return found
