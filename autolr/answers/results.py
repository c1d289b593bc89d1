"""What a finished (or partly finished) study recommends.

Pure functions over Optuna's frozen trials, so they work the same for every sampler and
are easy to check against hand-made trials.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from autolr.errors import AutolrError
from autolr.search.pruning import DEFAULT_MARGIN
from autolr.search.ties import whole_steps
from autolr.settings import StudySettings

BAND_MARGIN = DEFAULT_MARGIN  # pruning keeps every rate within this margin: bands are exact
# A band whose edges rest on fewer rates than this is reported as such: one or two rates
# say where the target was reached, not how far either side of them it still would be.
MIN_BAND_RATES = 3


class NoResultError(AutolrError):
    """No trial of the study reached the target."""


@dataclass(frozen=True)
class OptimizerResult:
    learning_rate: float | None
    value: float | None  # steps (or seconds) the best rate needed
    band: tuple[float, float] | None  # lowest and highest rate within the margin
    reached_trials: int
    trials: int
    band_rates: int = 0  # distinct rates inside the band

    @property
    def thin_band(self) -> bool:
        return self.band is not None and self.band_rates < MIN_BAND_RATES


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


def rank_key(trial: FrozenTrial) -> tuple[float, float, float]:
    """Order trials that reached the target: fewest steps (or seconds) first; on a tie
    (checks come every 50 steps), the one that cleared the target by more, then the
    lower rate."""
    return (
        float(trial.value if trial.value is not None else float("inf")),
        -float(trial.user_attrs.get("final_accuracy", 0.0)),
        float(trial.params.get("learning_rate", 0.0)),
    )


def best_reached(trials: Sequence[FrozenTrial]) -> FrozenTrial | None:
    good = [t for t in trials if reached(t)]
    return min(good, key=rank_key) if good else None


def summarise_optimizer(
    trials: Sequence[FrozenTrial], margin: float, objective: str = "steps"
) -> OptimizerResult:
    """Best rate, and the band of rates that reached within `margin` x the best value."""
    best = best_reached(trials)
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    if best is None or best.value is None:
        return OptimizerResult(None, None, None, 0, len(finished))
    good = [t for t in finished if reached(t)]
    in_band = [t.params["learning_rate"] for t in good if (t.value or 0) <= margin * best.value]
    return OptimizerResult(
        learning_rate=float(best.params["learning_rate"]),
        value=shown_value(best.value, objective),
        band=(float(min(in_band)), float(max(in_band))),
        reached_trials=len(good),
        trials=len(finished),
        band_rates=len(set(in_band)),
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
    """The fastest optimizer and rate, with bands, or NoResultError if none reached."""
    per_optimizer = {
        name: summarise_optimizer(
            [t for t in trials if t.params.get("optimizer") == name], margin, settings.objective
        )
        for name in settings.optimizers
    }
    finished = sum(r.trials for r in per_optimizer.values())
    winner_trial = best_reached([t for t in trials if t.params.get("optimizer") in per_optimizer])
    if winner_trial is None:
        raise NoResultError(
            f"no trial of study {study_name!r} reached the target {settings.train.target:g} "
            f"({finished} finished); widen the learning-rate range, raise the budget "
            "(--max-steps) or lower --target"
        )
    optimizer = str(winner_trial.params["optimizer"])  # ties broken as within an optimizer
    winner = per_optimizer[optimizer]
    assert winner.learning_rate is not None and winner.value is not None and winner.band
    return Recommendation(
        study=study_name,
        objective=settings.objective,
        optimizer=optimizer,
        learning_rate=winner.learning_rate,
        value=winner.value,
        band=winner.band,
        margin=margin,
        target=settings.train.target,
        finished_trials=finished,
        per_optimizer=per_optimizer,
    )
