"""What a range-test figure is drawn from: each optimizer's curve and verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import optuna
from optuna.trial import TrialState

from autolr.answers.range_tests import curve, verdict_of
from autolr.search import lr_range
from autolr.settings import StudySettings


@dataclass(frozen=True)
class FindCurve:
    optimizer: str
    rates: tuple[float, ...]
    losses: tuple[float, ...]  # raw per-step loss (steps whose loss was not finite left out)
    smoothed: tuple[float, ...]  # the rule's moving average, at the same rates
    verdict: lr_range.RangeVerdict
    steps: int


def find_curves(
    trials: Sequence[optuna.trial.FrozenTrial], settings: StudySettings
) -> list[FindCurve]:
    """Finished range tests in the study's optimizer order."""
    done = {
        t.params["optimizer"]: t
        for t in trials
        if t.state == TrialState.COMPLETE and "valley" in t.user_attrs
    }
    curves = []
    for name in settings.optimizers:
        if name not in done:
            continue
        trial = done[name]
        rates, losses = curve(trial, settings)
        smoothed = lr_range.smooth(losses, settings.lr_min, settings.lr_max, settings.find_steps)
        curves.append(
            FindCurve(
                name,
                tuple(rates),
                tuple(losses),
                tuple(smoothed),
                verdict_of(trial),
                int(trial.user_attrs.get("steps", len(losses))),
            )
        )
    return curves


def loss_ceiling(curves: Sequence[FindCurve]) -> float:
    """Top of the loss axis: a little above the highest start level, so a divergence's
    spike does not squash every valley into the floor."""
    starts = [c.verdict.start_loss for c in curves if c.verdict.start_loss == c.verdict.start_loss]
    return 1.6 * max(starts) if starts else 5.0


def loss_at(c: FindCurve, rate: float) -> float:
    """The moving average at the recorded rate nearest `rate` (where a marker sits)."""
    if not c.smoothed:
        return 0.0
    nearest = min(range(len(c.rates)), key=lambda i: abs(c.rates[i] - rate))
    return c.smoothed[nearest]
