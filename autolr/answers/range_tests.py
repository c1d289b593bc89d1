"""What a stored range test (NAME-find) says: each optimizer's verdict and its curve.

Pure reading of finished trials, without Keras; the verdicts are written by
`autolr.study.find_objective` and judged by the rule in `autolr.search.lr_range`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from optuna.trial import FrozenTrial, TrialState

from autolr.search import lr_range
from autolr.settings import StudySettings


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
