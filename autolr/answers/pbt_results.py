"""What a PBT study recommends: the winning lineage's schedule, and one constant rate.

PBT's answer is a schedule (rates changed every interval along the lineage that reached
the target first). Many users want one number to put in a config file, so it is reduced
to the step-weighted geometric mean of the rates the lineage used with its final
optimizer: the constant rate with the same average log step size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from autolr.answers.results import MIN_BAND_RATES, NoResultError, best_reached, shown_value
from autolr.config import describe_goal
from autolr.metrics import final_metric
from autolr.search import pbt
from autolr.settings import StudySettings


@dataclass(frozen=True)
class Interval:
    trial: int
    generation: int
    member: int
    start_step: int
    steps: int
    optimizer: str
    learning_rate: float
    action: str
    final_value: float  # the study's metric at the interval's end (NaN: not measured)


@dataclass(frozen=True)
class PBTRecommendation:
    study: str
    optimizer: str
    learning_rate: float  # step-weighted geometric mean along the lineage
    final_learning_rate: float
    band: tuple[float, float]  # lowest and highest rate the lineage used (final optimizer)
    value: float  # lineage steps (or seconds) to the target
    target: float
    schedule: tuple[Interval, ...]
    per_optimizer: dict[str, dict[str, Any]]
    metric: str = "accuracy"
    goal: str = ""
    batch_size: int = 100

    @property
    def band_rates(self) -> int:
        """Distinct rates the lineage used with its final optimizer."""
        return len({i.learning_rate for i in self.schedule if i.optimizer == self.optimizer})

    @property
    def thin_band(self) -> bool:
        return self.band_rates < MIN_BAND_RATES

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sampler"] = "pbt"
        data["band"] = list(self.band)
        data["band_rates"] = self.band_rates
        data["band_thin"] = self.thin_band
        return data


def recommend_pbt(
    study_name: str, settings: StudySettings, trials: Sequence[FrozenTrial]
) -> PBTRecommendation:
    winner = best_reached([t for t in trials if pbt.MEMBER in t.user_attrs], settings.train.goal)
    if winner is None:
        intervals = [t for t in trials if t.state == TrialState.COMPLETE]
        raise NoResultError(
            f"no member of PBT study {study_name!r} reached the target "
            f"{settings.train.target:g} ({len(intervals)} intervals finished); raise "
            "--max-steps or --population, or narrow the learning-rate range"
        )
    schedule = tuple(_interval(t) for t in pbt.lineage(trials, winner))
    final = schedule[-1]
    used = [i for i in schedule if i.optimizer == final.optimizer]
    weight = sum(i.steps for i in used) or 1
    mean_log = sum(i.steps * math.log(i.learning_rate) for i in used) / weight
    rates = [i.learning_rate for i in used]
    assert winner.value is not None
    return PBTRecommendation(
        study=study_name,
        optimizer=final.optimizer,
        learning_rate=math.exp(mean_log),
        final_learning_rate=final.learning_rate,
        band=(min(rates), max(rates)),
        value=shown_value(winner.value, settings.objective),
        target=settings.train.target,
        schedule=schedule,
        per_optimizer=_per_optimizer(trials, settings),
        metric=settings.train.metric,
        goal=describe_goal(settings.train),
        batch_size=settings.train.batch_size,
    )


def _interval(trial: FrozenTrial) -> Interval:
    attrs = trial.user_attrs
    return Interval(
        trial=trial.number,
        generation=int(attrs[pbt.GENERATION]),
        member=int(attrs[pbt.MEMBER]),
        start_step=int(attrs[pbt.LINEAGE_STEPS]),
        steps=int(attrs.get("steps", 0)),
        optimizer=str(trial.params["optimizer"]),
        learning_rate=float(trial.params["learning_rate"]),
        action=str(attrs.get(pbt.ACTION)),
        final_value=final_metric(attrs),
    )


def _per_optimizer(
    trials: Sequence[FrozenTrial], settings: StudySettings
) -> dict[str, dict[str, Any]]:
    """Across the whole population: the rate of each optimizer's most accurate interval,
    and the range of rates it was tried at."""
    summary: dict[str, dict[str, Any]] = {}
    for name in settings.optimizers:
        used = [
            t
            for t in trials
            if t.state == TrialState.COMPLETE
            and t.params.get("optimizer") == name
            and pbt.MEMBER in t.user_attrs
        ]
        if not used:
            summary[name] = {
                "learning_rate": None,
                "band": None,
                "value": None,
                "reached_trials": 0,
                "intervals": 0,
            }
            continue
        best = max(used, key=lambda t: _score(t, settings))
        rates = [float(t.params["learning_rate"]) for t in used]
        reached = [t for t in used if t.user_attrs.get("reached")]
        summary[name] = {
            "learning_rate": float(best.params["learning_rate"]),
            "band": [min(rates), max(rates)],
            "value": min(
                shown_value(t.value, settings.objective) for t in reached if t.value is not None
            )
            if reached
            else None,
            "reached_trials": len(reached),
            "intervals": len(used),
        }
    return summary


def _score(trial: FrozenTrial, settings: StudySettings) -> float:
    """How good an interval's end was, higher better, whatever the metric's direction."""
    value = final_metric(trial.user_attrs)
    if value != value:
        return -math.inf
    return value if settings.train.goal.rises else -value
