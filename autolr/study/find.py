"""`autolr find`: the learning-rate range test, stored as a study of its own (NAME-find).

One trial per optimizer, planned like a grid point, so the test runs once per study,
resumes after a kill, can be shared by workers, and shows up in `studies`, `report` and
the dashboard. Each trial reports its raw loss at every step as an intermediate value
(the rate at step i is the i-th of `lr_range.ramp`), stores the verdict as user
attributes, and its value is the lowest smoothed loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import optuna
from optuna.trial import FrozenTrial, TrialState

from autolr.config import TrainSettings
from autolr.study import lr_range
from autolr.study.settings import FIND, StudySettings


def find_study_name(study: str) -> str:
    """NAME-find, checked like any study name (a long NAME can make it too long)."""
    from autolr.names import check_study_name

    return check_study_name(f"{study}-find", "--study (its range test is stored as STUDY-find)")


def find_settings(study: str, settings: StudySettings) -> StudySettings:
    """What the range test of `study` depends on, and nothing else: its optimizers, rate
    range, model, data, batch size and seed. (The target or step budget do not change it,
    so changing them later reuses the same test.)"""
    return StudySettings(
        sampler=FIND,
        optimizers=settings.optimizers,
        lr_min=settings.lr_min,
        lr_max=settings.lr_max,
        prune=False,
        train=TrainSettings(batch_size=settings.train.batch_size, seed=settings.train.seed),
        model=settings.model,
        data=settings.data,
        source=study,
        find_steps=settings.find_steps,
    )


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


def verdict_of(trial: FrozenTrial) -> lr_range.RangeVerdict:
    """The stored verdict of one finished range-test trial."""
    attrs = trial.user_attrs
    band = attrs.get("band")
    return lr_range.RangeVerdict(
        valley=bool(attrs.get("valley")),
        suggestion=attrs.get("suggestion"),
        band=(float(band[0]), float(band[1])) if band else None,
        start_loss=_float(attrs.get("start_loss")),
        lowest_loss=_float(attrs.get("lowest_loss")),
        lowest_rate=attrs.get("lowest_rate"),
        reason=str(attrs.get("reason", "")),
    )


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


def verdicts(trials: Sequence[FrozenTrial]) -> dict[str, lr_range.RangeVerdict]:
    """Each optimizer's verdict, from a find study's finished trials."""
    return {
        str(t.params["optimizer"]): verdict_of(t)
        for t in trials
        if t.state == TrialState.COMPLETE and "valley" in t.user_attrs
    }


def curve(trial: FrozenTrial, settings: StudySettings) -> tuple[list[float], list[float]]:
    """The recorded (rates, raw losses) of one range test; a diverged step has no loss."""
    rates = lr_range.ramp(settings.lr_min, settings.lr_max, settings.find_steps)
    steps = sorted(trial.intermediate_values)
    return [rates[s - 1] for s in steps], [trial.intermediate_values[s] for s in steps]
