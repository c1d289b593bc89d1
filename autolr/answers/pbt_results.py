"""What a PBT study recommends: the winning lineage's schedule, one constant rate, a band.

The study ends with the first generation in which any member reached the target, trained
to its end (autolr/search/pbt.py). The answer is the fastest lineage among that
generation's members that reached: fewest lineage steps, ties broken as `autolr best`
breaks them (rank_key: the value's tie-break, ties.py). That is also the lowest value of
any complete trial, so optuna-dashboard's Best Trial card names the same trial.

A lineage is a schedule (rates changed every interval). Many users want one number to
put in a config file, so each lineage is reduced to its constant rate: the step-weighted
geometric mean of the rates it used with its final optimizer (the same average log step
size). The band is the constant rates of every member that reached with the winner's
optimizer within BAND_MARGIN x the winner's lineage steps, as `autolr best` defines a
band for the other samplers. A band of fewer than MIN_BAND_RATES rates is thin: the
population did not test how far it reaches. `measured_band` is where a measured band
(runs at rates either side, issue 17) will go; until one is measured it is None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from autolr.answers.results import (
    BAND_MARGIN,
    MIN_BAND_RATES,
    NoResultError,
    OptimizerResult,
    rank_key,
    shown_value,
)
from autolr.config import describe_goal
from autolr.metrics import Goal, final_metric
from autolr.search import pbt
from autolr.search.chance import CHANCE, STOP_REASON
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
    stop_reason: str | None = None  # "chance" or "diverged": the interval ended early


@dataclass(frozen=True)
class Lineage:
    """One member that reached the target: its last interval and its constant rate."""

    trial: FrozenTrial
    optimizer: str
    learning_rate: float  # the constant rate its schedule reduces to
    value: float  # lineage steps (or seconds) to the target, as stored (tie-break included)


@dataclass(frozen=True)
class PBTRecommendation:
    study: str
    optimizer: str
    learning_rate: float  # the winner's constant rate (step-weighted geometric mean)
    final_learning_rate: float
    band: tuple[float, float]  # constant rates of the members that reached within the margin
    value: float  # lineage steps (or seconds) to the target
    target: float
    schedule: tuple[Interval, ...]
    per_optimizer: dict[str, OptimizerResult]
    metric: str = "accuracy"
    goal: str = ""
    batch_size: int = 100
    objective: str = "steps"
    band_rates: int = 1  # distinct rates inside the band
    margin: float = BAND_MARGIN
    generation: int = 0  # the first generation in which a member reached (the answer's)
    reached_members: int = 1  # members that reached in that generation, any optimizer
    at_chance: int = 0  # member-intervals that ended early at chance
    diverged: int = 0
    # Filled by a measured-band run (issue 17: rates either side of the answer, trained as
    # part of the study) when there is one; None: the band is the population's only.
    measured_band: tuple[float, float] | None = None

    @property
    def thin_band(self) -> bool:
        return self.measured_band is None and self.band_rates < MIN_BAND_RATES

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sampler"] = "pbt"
        data["band"] = list(self.band)
        data["band_thin"] = self.thin_band
        data["band_source"] = "measured" if self.measured_band else "population"
        data["measured_band"] = list(self.measured_band) if self.measured_band else None
        for name, result in data["per_optimizer"].items():
            result["band"] = list(result["band"]) if result["band"] else None
            result["band_thin"] = self.per_optimizer[name].thin_band
        return data


def recommend_pbt(
    study_name: str, settings: StudySettings, trials: Sequence[FrozenTrial]
) -> PBTRecommendation:
    """The fastest lineage of the first generation in which any member reached."""
    members = [t for t in trials if pbt.MEMBER in t.user_attrs]
    goal = settings.train.goal
    population = pbt.Population(members, settings)
    lineages = [_reduced(members, t) for t in population.winners()]
    if not lineages:
        intervals = [t for t in members if t.state == TrialState.COMPLETE]
        raise NoResultError(
            f"no member of PBT study {study_name!r} reached {goal.describe()} "
            f"({len(intervals)} intervals finished); raise --max-steps or --population, or "
            "narrow the learning-rate range"
        )
    winner = min(lineages, key=lambda lin: rank_key(lin.trial, goal))
    schedule = tuple(_interval(t) for t in pbt.lineage(members, winner.trial))
    per_optimizer = _per_optimizer(lineages, members, settings)
    own = per_optimizer[winner.optimizer]  # its best is the winner
    return PBTRecommendation(
        study=study_name,
        optimizer=winner.optimizer,
        learning_rate=winner.learning_rate,
        final_learning_rate=schedule[-1].learning_rate,
        band=own.band or (winner.learning_rate, winner.learning_rate),
        value=shown_value(winner.value, settings.objective),
        target=settings.train.target,
        schedule=schedule,
        per_optimizer=per_optimizer,
        metric=settings.train.metric,
        goal=describe_goal(settings.train),
        batch_size=settings.train.batch_size,
        objective=settings.objective,
        band_rates=own.band_rates,
        generation=population.first_reached_generation() or 0,
        reached_members=len(lineages),
        at_chance=sum(t.user_attrs.get(STOP_REASON) == CHANCE for t in members),
        diverged=sum(bool(t.user_attrs.get("diverged")) for t in members),
    )


def constant_rate(schedule: Sequence[Interval]) -> float:
    """The step-weighted geometric mean of the rates a schedule used with its final
    optimizer: the constant rate with the same average log step size."""
    used = [i for i in schedule if i.optimizer == schedule[-1].optimizer]
    weight = sum(i.steps for i in used)
    if weight == 0 or len({i.learning_rate for i in used}) == 1:
        return used[-1].learning_rate  # one rate is its own constant, exactly
    return math.exp(sum(i.steps * math.log(i.learning_rate) for i in used) / weight)


def _reduced(members: Sequence[FrozenTrial], last: FrozenTrial) -> Lineage:
    schedule = [_interval(t) for t in pbt.lineage(members, last)]
    assert last.value is not None
    return Lineage(last, schedule[-1].optimizer, constant_rate(schedule), float(last.value))


def _within(lineages: Sequence[Lineage], best: Lineage, margin: float) -> list[Lineage]:
    """Lineages with `best`'s optimizer that reached within `margin` x its steps."""
    return [
        lin
        for lin in lineages
        if lin.optimizer == best.optimizer and lin.value <= margin * best.value
    ]


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
        stop_reason=attrs.get(STOP_REASON),
    )


def _per_optimizer(
    lineages: Sequence[Lineage], members: Sequence[FrozenTrial], settings: StudySettings
) -> dict[str, OptimizerResult]:
    """Per optimizer: its fastest lineage's constant rate and steps, and the band of the
    constant rates that reached within the margin of it (as `best` gives for a search)."""
    summary = {}
    goal: Goal = settings.train.goal
    for name in settings.optimizers:
        own = [lin for lin in lineages if lin.optimizer == name]
        intervals = sum(
            t.state == TrialState.COMPLETE and t.params.get("optimizer") == name for t in members
        )
        if not own:
            summary[name] = OptimizerResult(None, None, None, 0, intervals)
            continue
        best = min(own, key=lambda lin: rank_key(lin.trial, goal))
        rates = [lin.learning_rate for lin in _within(own, best, BAND_MARGIN)]
        summary[name] = OptimizerResult(
            learning_rate=best.learning_rate,
            value=shown_value(best.value, settings.objective),
            band=(min(rates), max(rates)),
            reached_trials=len(own),
            trials=intervals,
            band_rates=len(set(rates)),
        )
    return summary
