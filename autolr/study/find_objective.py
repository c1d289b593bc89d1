"""The range test as an Optuna objective (imports Keras; `answers.range_tests` reads results
without)."""

from __future__ import annotations

import math

import optuna

from autolr.search import lr_range
from autolr.study.objective import Objective
from autolr.trainer import Check
from autolr.trainer.range_test import range_test

PROGRESS_EVERY = 10  # steps between progress updates to the display


class FindObjective(Objective):
    """One range test for the trial's optimizer."""

    def __call__(self, trial: optuna.Trial) -> float:
        settings = self.settings
        optimizer = str(trial.suggest_categorical("optimizer", list(settings.optimizers)))
        rates = lr_range.ramp(settings.lr_min, settings.lr_max, settings.find_steps)
        smoother = lr_range.Smoother(settings.lr_min, settings.lr_max, settings.find_steps)
        if self.listener is not None:
            self.listener.trial_started(trial.number, optimizer, settings.lr_min)

        def on_step(step: int, rate: float, loss: float) -> bool:
            smoothed = smoother.add(loss)
            if self.listener is not None and step % PROGRESS_EVERY == 0:
                self.listener.check(trial.number, Check(step, 0.0, math.nan, smoothed))
            return smoother.diverged(smoothed)

        run = range_test(self.trainers.get(), optimizer, rates, on_step)
        for step, loss in enumerate(run.losses, start=1):
            if math.isfinite(loss):
                trial.report(loss, step)
        verdict = lr_range.read_curve(
            run.learning_rates,
            run.losses,
            settings.lr_min,
            settings.lr_max,
            settings.find_steps,
            optimizer,
        )
        record_verdict(trial, run.steps, run.train_seconds, run.weight_count, verdict)
        return verdict.lowest_loss if math.isfinite(verdict.lowest_loss) else math.inf


def record_verdict(
    trial: optuna.Trial,
    steps: int,
    seconds: float,
    weight_count: int,
    verdict: lr_range.RangeVerdict,
) -> None:
    """Store a range test's verdict (and its steps, counted like every trial's)."""
    trial.set_user_attr("steps", steps)  # counted like every trial's steps
    trial.set_user_attr("train_seconds", round(seconds, 4))
    trial.set_user_attr("weight_count", weight_count)
    trial.set_user_attr("outcome", "range test")
    for key, value in verdict.to_json().items():
        trial.set_user_attr(key, _json_number(value))


def _json_number(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
