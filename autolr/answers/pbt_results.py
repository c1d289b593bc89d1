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
population did not test how far it reaches. Then, with `--band measure` (the default),
the study measures it as a search's band is measured (search/followups.py): the constant
rate trained alone at the study's seed, then the grid rates either side until each edge
falls out of the band. That measured band is then the answer's band (`band_measured`;
not measured when the constant rate missed the target alone: `constant_rate_steps`).
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
from autolr.search import followups, pbt
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
    # The answer's band: measured with constant-rate runs when the population's was thin
    # and --band measure (band_measured), else the population's.
    band: tuple[float, float]
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
    # The constant rates of the members that reached within the margin of the winner.
    population_band: tuple[float, float] = (0.0, 0.0)
    band_measured: bool = False  # both edges bracketed on the grid by constant-rate runs
    # The constant rate trained alone (a band run): its steps, or None when it missed the
    # target within the budget; not run (absent) when the band was not measured.
    constant_rate_steps: float | None = None
    constant_rate_trained: bool = False
    follow_up_trials: int = 0
    follow_up_steps: int = 0

    @property
    def thin_band(self) -> bool:
        return not self.band_measured and self.band_rates < MIN_BAND_RATES

    def band_source(self) -> str:
        """Where the answer's band comes from, in words (the console, summary and dashboard
        say the same): its measured edges, or the population's members; and, when the band
        was measured, what the constant rate took trained alone."""
        if self.band_measured:
            alone = f"; the constant rate alone took {self.constant_rate_steps:g} steps"
            return (
                f"constant-rate {self.optimizer} runs within {self.margin:g}x of the fastest, "
                f"edges measured on the grid (6 rates a decade), {self.follow_up_trials} runs"
                + (alone if self.constant_rate_steps is not None else "")
            )
        text = (
            f"the constant rates of the {self.optimizer} members that reached within "
            f"{self.margin:g}x of the best"
        )
        if self.constant_rate_trained and self.constant_rate_steps is None:
            text += (
                "; trained alone, the constant rate missed the target within the budget, so no "
                "band around it could be measured: follow the lineage's schedule"
            )
        return text

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sampler"] = "pbt"
        data["band"] = list(self.band)
        data["band_thin"] = self.thin_band
        data["band_source"] = "measured" if self.band_measured else "population"
        data["population_band"] = list(self.population_band)
        for name, result in data["per_optimizer"].items():
            result["band"] = list(result["band"]) if result["band"] else None
            result["band_thin"] = self.per_optimizer[name].thin_band
        return data


def recommend_pbt(
    study_name: str, settings: StudySettings, trials: Sequence[FrozenTrial]
) -> PBTRecommendation:
    """The fastest lineage of the first generation in which any member reached."""
    members = [t for t in trials if pbt.MEMBER in t.user_attrs]
    band_runs = [t for t in followups.population_band_runs(trials) if t.state.is_finished()]
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
    measured = _measured_band(trials, settings, winner.optimizer)
    alone = [
        t
        for t in band_runs
        if t.params.get("optimizer") == winner.optimizer
        and abs(float(t.params["learning_rate"]) / winner.learning_rate - 1) < 1e-9
    ]
    alone_steps = None
    if alone and pbt.reached(alone[0]):
        alone_steps = float(alone[0].user_attrs["steps"])
    # Its fields mirror Recommendation's (answers/results.py): best, report and the
    # dashboard read either; what fills them differs.
    return PBTRecommendation(
        study=study_name,
        optimizer=winner.optimizer,
        learning_rate=winner.learning_rate,
        final_learning_rate=schedule[-1].learning_rate,
        band=measured[0] if measured else own.band or (winner.learning_rate,) * 2,
        population_band=own.band or (winner.learning_rate, winner.learning_rate),
        value=shown_value(winner.value, settings.objective),
        target=settings.train.target,
        schedule=schedule,
        per_optimizer=per_optimizer,
        metric=settings.train.metric,
        goal=describe_goal(settings.train),
        batch_size=settings.train.batch_size,
        objective=settings.objective,
        band_rates=measured[1] if measured else own.band_rates,
        generation=population.first_reached_generation() or 0,
        reached_members=len(lineages),
        at_chance=sum(t.user_attrs.get(STOP_REASON) == CHANCE for t in members),
        diverged=sum(bool(t.user_attrs.get("diverged")) for t in members),
        band_measured=measured is not None,
        constant_rate_steps=alone_steps,
        constant_rate_trained=bool(alone),
        follow_up_trials=len(band_runs),
        follow_up_steps=sum(int(t.user_attrs.get("steps", 0)) for t in band_runs),
    )


def band_to_measure(
    settings: StudySettings, trials: Sequence[FrozenTrial]
) -> tuple[str, float] | None:
    """The optimizer and constant rate whose band the study measures after its population
    is done: the answer's, when the members alone leave its band thin (decided from the
    members only, so it never changes as band runs finish); None otherwise."""
    members = [t for t in trials if pbt.MEMBER in t.user_attrs]
    try:
        answer = recommend_pbt("", settings, members)
    except NoResultError:
        return None
    return (answer.optimizer, answer.learning_rate) if answer.thin_band else None


def _measured_band(
    trials: Sequence[FrozenTrial], settings: StudySettings, optimizer: str
) -> tuple[tuple[float, float], int] | None:
    """The band of the constant-rate runs, once both its edges are bracketed on the grid:
    every rate that reached within the margin of the fastest of those runs."""
    if settings.band != "measure":
        return None
    walk = followups.band_walk(trials, optimizer, settings)
    if not (walk.low_edge and walk.high_edge) or walk.to_run or walk.waiting:
        return None
    reached = [
        t
        for t in followups.population_band_runs(trials)
        if t.params.get("optimizer") == optimizer and pbt.reached(t)
    ]
    if not reached:
        return None
    best = min(float(t.user_attrs["steps"]) for t in reached)
    rates = [
        float(t.params["learning_rate"])
        for t in reached
        if float(t.user_attrs["steps"]) <= BAND_MARGIN * best
    ]
    return (min(rates), max(rates)), len(set(rates))


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
