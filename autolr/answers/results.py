"""What a finished (or partly finished) study recommends.

Pure functions over Optuna's frozen trials, so they work the same for every sampler and
are easy to check against hand-made trials.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from autolr.answers.choice import choose
from autolr.config import describe_goal
from autolr.errors import AutolrError
from autolr.metrics import Goal, final_metric
from autolr.search import followups
from autolr.search.pruning import DEFAULT_MARGIN
from autolr.search.ties import whole_steps
from autolr.settings import StudySettings
from autolr.store.history import checks, column

BAND_MARGIN = DEFAULT_MARGIN  # pruning keeps every rate within this margin: bands are exact
# A band whose edges rest on fewer rates than this is reported as such: one or two rates
# say where the target was reached, not how far either side of them it still would be.
MIN_BAND_RATES = 3


class NoResultError(AutolrError):
    """No trial of the study reached the target; `details` says how close runs came."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


@dataclass(frozen=True)
class OptimizerResult:
    learning_rate: float | None
    value: float | None  # steps (or seconds) the best rate needed
    band: tuple[float, float] | None  # lowest and highest rate within the margin
    reached_trials: int
    trials: int
    band_rates: int = 0  # distinct rates inside the band
    band_measured: bool = False  # both edges bracketed on the grid (search/bracket.py)

    @property
    def thin_band(self) -> bool:
        """Too few rates to say how far the band reaches, and its edges not measured."""
        return self.band is not None and not self.band_measured and self.band_rates < MIN_BAND_RATES


@dataclass(frozen=True)
class Recommendation:
    study: str
    objective: str
    optimizer: str
    learning_rate: float
    value: float
    band: tuple[float, float]
    margin: float
    target: float
    finished_trials: int
    per_optimizer: dict[str, OptimizerResult]
    metric: str = "accuracy"  # what the target is of (Keras's names)
    goal: str = ""  # the goal in words, with how it is measured
    batch_size: int = 100
    tied: tuple[str, ...] = ()  # optimizers tied within the seeds' noise, recommended first
    seed_steps: dict[str, list[float]] = field(default_factory=dict)  # leaders, per seed
    seed_rates: dict[str, float] = field(default_factory=dict)  # the rate each leader's seeds ran
    reason: str = ""  # why this optimizer, when seeds were run
    fastest_trial: int | None = None  # the single fastest run (optuna-dashboard's Best Trial)
    follow_up_trials: int = 0  # runs measuring the band and the ties
    follow_up_steps: int = 0  # and the steps they cost

    @property
    def band_rates(self) -> int:
        return self.per_optimizer[self.optimizer].band_rates

    @property
    def thin_band(self) -> bool:
        return self.per_optimizer[self.optimizer].thin_band

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["band"] = list(self.band)
        data["band_rates"] = self.band_rates
        data["band_thin"] = self.thin_band
        for name, result in data["per_optimizer"].items():
            result["band"] = list(result["band"]) if result["band"] else None
            result["band_thin"] = self.per_optimizer[name].thin_band
        return data


def reached(trial: FrozenTrial) -> bool:
    return trial.state == TrialState.COMPLETE and bool(trial.user_attrs.get("reached"))


def rank_key(trial: FrozenTrial, goal: Goal | None = None) -> tuple[float, float, float]:
    """Order trials that reached the target: fewest steps (or seconds) first; on a tie
    (checks come every 50 steps), the one that cleared the target by more, then the
    lower rate. (With the steps objective the value itself carries this tie-break.)"""
    value = final_metric(trial.user_attrs)
    cleared = goal.cleared(value) if goal is not None else value
    return (
        float(trial.value if trial.value is not None else float("inf")),
        -(cleared if cleared == cleared else 0.0),
        float(trial.params.get("learning_rate", 0.0)),
    )


def best_reached(trials: Sequence[FrozenTrial], goal: Goal | None = None) -> FrozenTrial | None:
    """The best trial that reached the target (`goal` None: ranked as for accuracy)."""
    good = [t for t in trials if reached(t)]
    return min(good, key=lambda t: rank_key(t, goal)) if good else None


def summarise_optimizer(
    trials: Sequence[FrozenTrial],
    margin: float,
    objective: str = "steps",
    goal: Goal | None = None,
    band_measured: bool = False,
) -> OptimizerResult:
    """Best rate, and the band of rates that reached within `margin` x the best value."""
    best = best_reached(trials, goal)
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    if best is None or best.value is None:
        return OptimizerResult(None, None, None, 0, len(finished))
    good = [t for t in finished if reached(t)]
    # As people read it (whole steps), as the band walk reads it (search/bracket.py).
    limit = margin * shown_value(best.value, objective)
    in_band = [
        t.params["learning_rate"] for t in good if shown_value(t.value or 0, objective) <= limit
    ]
    return OptimizerResult(
        learning_rate=float(best.params["learning_rate"]),
        value=shown_value(best.value, objective),
        band=(float(min(in_band)), float(max(in_band))),
        reached_trials=len(good),
        trials=len(finished),
        band_rates=len(set(in_band)),
        band_measured=band_measured,
    )


def shown_value(value: float, objective: str) -> float:
    """A reached trial's value as people read it: whole steps (the stored value carries a
    tie-break below 0.01 step, see ties.py), or seconds as stored."""
    return whole_steps(value) if objective == "steps" else float(value)


def recommend(
    study_name: str,
    settings: StudySettings,
    trials: Sequence[FrozenTrial],
    margin: float = BAND_MARGIN,
) -> Recommendation:
    """The optimizer and rate to use, with bands, or NoResultError if none reached. Best
    rates and bands come from the runs at the study's seed (the search, and the band
    measurements); the leaders' runs at other seeds decide ties (answers/choice.py)."""
    at_seed = followups.at_study_seed(trials)
    per_optimizer = {
        name: summarise_optimizer(
            [t for t in at_seed if t.params.get("optimizer") == name],
            margin,
            settings.objective,
            settings.train.goal,
            _measured(trials, name, settings),
        )
        for name in settings.optimizers
    }
    finished = sum(r.trials for r in per_optimizer.values())
    winner_trial = best_reached(
        [t for t in at_seed if t.params.get("optimizer") in per_optimizer], settings.train.goal
    )
    if winner_trial is None:
        raise nothing_reached(study_name, settings, trials, finished)
    choice = choose(
        str(winner_trial.params["optimizer"]),  # ties broken as within an optimizer
        followups.contender_list(trials, settings),
        {name: r.band for name, r in per_optimizer.items()},
    )
    winner = per_optimizer[choice.optimizer]
    assert winner.learning_rate is not None and winner.value is not None and winner.band
    extra = [t for t in trials if followups.role(t) is not None and t.state.is_finished()]
    fastest = best_reached(trials, settings.train.goal)
    return Recommendation(
        study=study_name,
        objective=settings.objective,
        optimizer=choice.optimizer,
        learning_rate=winner.learning_rate,
        value=winner.value,
        band=winner.band,
        margin=margin,
        target=settings.train.target,
        finished_trials=finished,
        per_optimizer=per_optimizer,
        metric=settings.train.metric,
        goal=describe_goal(settings.train),
        batch_size=settings.train.batch_size,
        tied=choice.tied,
        seed_steps=choice.seed_steps,
        seed_rates=choice.seed_rates,
        reason=choice.reason,
        fastest_trial=None if fastest is None else fastest.number,
        follow_up_trials=len(extra),
        follow_up_steps=sum(int(t.user_attrs.get("steps", 0)) for t in extra),
    )


def _measured(trials: Sequence[FrozenTrial], optimizer: str, settings: StudySettings) -> bool:
    """Whether `optimizer`'s band has both edges bracketed on the grid."""
    if settings.band != "measure":
        return False
    walk = followups.band_walk(trials, optimizer, settings)
    return walk.low_edge and walk.high_edge and not walk.to_run and not walk.waiting


def nothing_reached(
    study_name: str, settings: StudySettings, trials: Sequence[FrozenTrial], finished: int
) -> NoResultError:
    """Why there is no answer, and how close the runs came: the best value of the metric
    any run reached at a check (with its optimizer and rate) and a target they did reach,
    so the study can be rerun at it."""
    goal = settings.train.goal
    message = f"no trial of study {study_name!r} reached {goal.describe()} ({finished} finished)"
    seen = best_seen(trials, goal)
    if seen is None:
        return NoResultError(
            f"{message}; widen the learning-rate range, raise the budget (--max-steps) "
            "or change --target"
        )
    value, trial = seen
    reachable = reachable_target(value, goal)
    details = {
        "metric": goal.metric,
        "best_value": value,
        "optimizer": trial.params.get("optimizer"),
        "learning_rate": trial.params.get("learning_rate"),
        "trial": trial.number,
        "reachable_target": reachable,
    }
    return NoResultError(
        f"{message}; the best {goal.words()} any run reached was {goal.show(value)} "
        f"({details['optimizer']}, lr {details['learning_rate']:.3g}): rerun with "
        f"--target {reachable:g} (reached by these runs), a longer budget (--max-steps) or a "
        "wider learning-rate range",
        details,
    )


def best_seen(trials: Sequence[FrozenTrial], goal: Goal) -> tuple[float, FrozenTrial] | None:
    """The best value of the goal's metric at any check of any finished run."""
    best: tuple[float, FrozenTrial] | None = None
    for trial in trials:
        if trial.state not in (TrialState.COMPLETE, TrialState.PRUNED):
            continue
        for row in checks(trial):
            value = column(row, goal.metric)
            if value is not None and (best is None or goal.better(value, best[0])):
                best = (value, trial)
    return best


def reachable_target(value: float, goal: Goal) -> float:
    """A round target at or just short of `value`: an accuracy floored to 0.01, a loss
    raised to two significant digits."""
    if goal.rises:
        return math.floor(value * 100) / 100
    if value <= 0:
        return value
    digits = 1 - math.floor(math.log10(value))
    return math.ceil(value * 10**digits) / 10**digits
