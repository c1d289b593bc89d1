"""The Optuna objective: one trial trains one (optimizer, learning rate) to the target.

This is the only code that suggests parameters, reports intermediate values or raises
`TrialPruned`; the trainer below it knows nothing of Optuna.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import optuna

from autolr.errors import TrialFailed
from autolr.study import checkpoints, pbt
from autolr.study.artifacts_db import ArtifactStore
from autolr.study.settings import StudySettings
from autolr.trainer import Check, StateMismatch, Trainer, TrainResult


class TrialListener(Protocol):
    """Hears when a trial starts and each of its checks (for progress displays)."""

    def trial_started(self, number: int, optimizer: str, learning_rate: float) -> None: ...
    def check(self, number: int, check: Check) -> None: ...


class Trainers:
    """One Trainer per model size: a scale study trains several sizes in one process, and
    each keeps its compiled steps."""

    def __init__(self, settings: StudySettings) -> None:
        self.settings = settings
        self._by_scale: dict[float, Trainer] = {}

    def get(self, scale: float | None = None) -> Trainer:
        model = self.settings.model
        if scale is not None:
            model = dataclasses.replace(model, scale=scale)
        if model.scale not in self._by_scale:
            self._by_scale[model.scale] = Trainer(model, self.settings.data, self.settings.train)
        return self._by_scale[model.scale]


class Objective:
    def __init__(
        self, settings: StudySettings, trainers: Trainers, listener: TrialListener | None = None
    ) -> None:
        self.settings = settings
        self.trainers = trainers
        self.listener = listener

    def suggest(self, trial: optuna.Trial) -> tuple[str, float]:
        optimizer = trial.suggest_categorical("optimizer", list(self.settings.optimizers))
        learning_rate = trial.suggest_float(
            "learning_rate", self.settings.lr_min, self.settings.lr_max, log=True
        )
        return str(optimizer), float(learning_rate)

    def suggest_scale(self, trial: optuna.Trial) -> float | None:
        """Scale studies vary the model size too; other studies train one size."""
        if self.settings.sampler != "scale":
            return None
        scales = sorted({point[2] for point in self.settings.points})
        return float(trial.suggest_categorical("scale", scales))

    def __call__(self, trial: optuna.Trial) -> float:
        optimizer, learning_rate = self.suggest(trial)
        trainer = self.trainers.get(self.suggest_scale(trial))
        if self.listener is not None:
            self.listener.trial_started(trial.number, optimizer, learning_rate)

        def on_check(check: Check) -> bool:
            # Intermediate value: training error, so lower is better as for the objective
            # (TPE ranks pruned trials by it).
            trial.report(1.0 - check.accuracy, check.step)
            if self.listener is not None:
                self.listener.check(trial.number, check)
            return self.settings.prune and trial.should_prune()

        result = trainer.train(optimizer, learning_rate, on_check=on_check)
        record_result(trial, result)
        if result.stopped:
            raise optuna.TrialPruned(
                f"still below target at step {result.steps}: slower than its optimizer's best"
            )
        return self.value(result)

    def value(self, result: TrainResult) -> float:
        """Steps (or seconds) to the target; the budget cap when it was not reached."""
        if result.reached_step is None or result.reached_seconds is None:
            return self.settings.budget
        if self.settings.objective == "steps":
            return float(result.reached_step)
        return float(result.reached_seconds)


class PBTObjective(Objective):
    """One member-interval: start from the parent's checkpoint, train one interval,
    save a checkpoint for the next generation (see pbt.py for who inherits what)."""

    def __init__(
        self,
        settings: StudySettings,
        trainers: Trainers,
        store: ArtifactStore,
        listener: TrialListener | None = None,
    ) -> None:
        super().__init__(settings, trainers, listener)
        self.store = store

    def __call__(self, trial: optuna.Trial) -> float:
        optimizer, learning_rate = self.suggest(trial)
        # The sampler wrote this interval's lineage to the storage after the Trial object
        # cached its attributes, so read them back from the study.
        attrs = trial.study.get_trials(deepcopy=False)[trial.number].user_attrs
        start_step = int(attrs[pbt.LINEAGE_STEPS])
        start = None
        if attrs.get(pbt.PARENT_CHECKPOINT):
            start = checkpoints.load(self.store, attrs[pbt.PARENT_CHECKPOINT])
            trial.set_user_attr("start_fingerprint", checkpoints.fingerprint(start))
            if not attrs.get(pbt.KEEP_OPTIMIZER_STATE):
                start = dataclasses.replace(start, optimizer_values=())  # fresh optimizer
        if self.listener is not None:
            self.listener.trial_started(trial.number, optimizer, learning_rate)

        def on_check(check: Check) -> bool:
            trial.report(1.0 - check.accuracy, start_step + check.step)
            if self.listener is not None:
                self.listener.check(trial.number, check)
            return False  # PBT replaces pruning with exploitation

        interval = min(self.settings.pbt.interval, self.settings.train.max_steps - start_step)
        try:
            result = self.trainers.get().train(
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
        assert result.state is not None
        artifact = checkpoints.save(self.store, trial.study.study_name, trial.number, result.state)
        trial.set_user_attr(pbt.CHECKPOINT, artifact)
        trial.set_user_attr("end_fingerprint", checkpoints.fingerprint(result.state))
        record_result(trial, result)
        if result.reached_step is None or result.reached_seconds is None:
            return self.settings.budget
        if self.settings.objective == "steps":  # the lineage's, not just this interval's
            return float(start_step + result.reached_step)
        return float(attrs.get(pbt.LINEAGE_SECONDS, 0.0)) + result.reached_seconds


def record_result(trial: optuna.Trial, result: TrainResult) -> None:
    """Store what a user needs to judge a trial, whatever its final state."""
    trial.set_user_attr("reached", result.reached)
    trial.set_user_attr("diverged", result.diverged)
    trial.set_user_attr("steps", result.steps)
    trial.set_user_attr("train_seconds", round(result.train_seconds, 4))
    trial.set_user_attr("total_seconds", round(result.total_seconds, 4))
    trial.set_user_attr("final_accuracy", round(result.final_accuracy, 6))
    trial.set_user_attr("weight_count", result.weight_count)
    if result.reached_step is not None and result.reached_step != result.steps:
        trial.set_user_attr("reached_step", result.reached_step)  # trained on past the target
        trial.set_user_attr("reached_seconds", round(result.reached_seconds or 0.0, 4))
    trial.set_user_attr(
        "history",
        [
            [c.step, round(c.seconds, 4), round(c.accuracy, 6), _finite(c.loss)]
            + ([round(c.val_accuracy, 6)] if c.val_accuracy is not None else [])
            for c in result.history
        ],
    )


def _finite(value: float) -> float | None:
    """JSON has no NaN or infinity; a diverged loss is stored as null."""
    return round(value, 6) if value == value and abs(value) != float("inf") else None
