"""Trials as tidy runs, and the series the figures draw from them (pure: no plotting).

Everything here works on values, not on a study, so the figures of a grid, TPE or random
study come from the same code, and tests can check the numbers by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from optuna.trial import FrozenTrial, TrialState

from autolr.answers.results import reached
from autolr.errors import AutolrError
from autolr.settings import StudySettings

Measure = Literal["seconds", "steps"]
MEASURES: tuple[Measure, ...] = ("seconds", "steps")
Outcome = Literal["reached", "diverged", "budget", "time", "pruned"]
OUTCOMES: tuple[Outcome, ...] = ("reached", "diverged", "budget", "time", "pruned")
# Why a run did not reach the target, as the figures mark it: its outcome, and for a
# pruned run the rule that stopped it (see autolr/search/pruning).
CAUSES: tuple[str, ...] = (
    "diverged",
    "budget",
    "time",
    "pruned: slower",
    "pruned: stalled",
    "pruned: behind",
    "pruned",
)

# The 2018 grid has 6 rates per decade. Irregular (TPE, random) rates are snapped to the
# same grid to compare optimizers "at one rate"; grid studies land on their own rates.
BINS_PER_DECADE = 6


class ReportError(AutolrError):
    """The study cannot be reported on (too few trials, nothing reached, unknown sampler)."""


@dataclass(frozen=True)
class Run:
    """One finished trial: one optimizer trained at one fixed learning rate."""

    number: int
    optimizer: str
    learning_rate: float
    outcome: Outcome
    steps: int | None  # steps trained: to the target if reached, else to the stop
    seconds: float | None  # training seconds, likewise
    final_metric: float | None  # the study's metric at the last check
    stop_reason: str | None = None  # which rule pruned it (slower, stalled, behind)
    projected_steps: int | None = None  # unreached: steps it would have needed, if known

    @property
    def reached(self) -> bool:
        return self.outcome == "reached"

    @property
    def cause(self) -> str | None:
        """Why it did not reach the target (one of CAUSES); None if it did."""
        if self.reached:
            return None
        if self.outcome == "pruned":
            found = f"pruned: {self.stop_reason}"
            return found if found in CAUSES else "pruned"
        return self.outcome

    def story(self) -> str:
        """What happened to the run, in words (hover text)."""
        head = f"{self.optimizer} lr {self.learning_rate:.3g} (trial {self.number})"
        at = f"step {self.steps}" if self.steps is not None else "an unknown step"
        if self.reached:
            return f"{head}: reached the target at {at}"
        what = {
            "diverged": f"diverged at {at}",
            "budget": f"ran out of budget at {at}",
            "time": f"cut by --max-seconds at {at}",
        }.get(self.outcome, f"pruned at {at} ({self.stop_reason or 'by a pruner'})")
        if self.outcome == "diverged":
            return f"{head}: {what}"
        projected = (
            f"projected {self.projected_steps} steps to the target"
            if self.projected_steps is not None
            else "not on course (projected beyond 8x the budget)"
        )
        ended = f", ended at {self.final_metric:.4g}" if self.final_metric is not None else ""
        return f"{head}: {what}{ended}; {projected}"

    def value(self, measure: Measure) -> float:
        """Steps or seconds to the target; NaN (a gap in a line) if not reached."""
        return self._trained(measure) if self.reached else math.nan

    def _trained(self, measure: Measure) -> float:
        found = self.steps if measure == "steps" else self.seconds
        return float(found) if found is not None else math.nan


def fixed_rate_runs(trials: Sequence[FrozenTrial]) -> list[Run]:
    """Finished trials (complete or pruned) as runs; running, waiting and failed ones have
    no result to show."""
    finished = [
        t
        for t in trials
        if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
        and "optimizer" in t.params
        and "learning_rate" in t.params
    ]
    return [_run(t) for t in sorted(finished, key=lambda t: t.number)]


def _run(trial: FrozenTrial) -> Run:
    attrs = trial.user_attrs
    return Run(
        number=trial.number,
        optimizer=str(trial.params["optimizer"]),
        learning_rate=float(trial.params["learning_rate"]),
        outcome=_outcome(trial),
        steps=int(attrs["steps"]) if "steps" in attrs else None,
        seconds=float(attrs["train_seconds"]) if "train_seconds" in attrs else None,
        final_metric=_optional_float(attrs.get("final_metric", attrs.get("final_accuracy"))),
        stop_reason=attrs.get("stop_reason"),
        projected_steps=attrs.get("projected_steps"),
    )


def _outcome(trial: FrozenTrial) -> Outcome:
    """The stored outcome (studies since the progress-aware objective), else inferred."""
    if reached(trial):
        return "reached"
    if trial.state == TrialState.PRUNED:
        return "pruned"
    stored = trial.user_attrs.get("outcome")
    if stored in ("diverged", "budget", "time"):
        return stored
    return "diverged" if trial.user_attrs.get("diverged") else "budget"


def _optional_float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


# How each fixed-rate sampler's trials become runs. Trace, scale and PBT studies are not
# searches over fixed rates (a PBT member even changes its rate while it trains): `build`
# sends them to their own reports (autolr/report/trace, scale, pbt), never through here.
RUN_READERS: dict[str, Callable[[Sequence[FrozenTrial]], list[Run]]] = {
    "grid": fixed_rate_runs,
    "tpe": fixed_rate_runs,
    "random": fixed_rate_runs,
}


def read_runs(settings: StudySettings, trials: Sequence[FrozenTrial]) -> list[Run]:
    reader = RUN_READERS.get(settings.sampler)
    if reader is None:
        raise ReportError(f"a {settings.sampler} study's trials are not fixed-rate runs")
    return reader(trials)


@dataclass(frozen=True)
class Series:
    """One optimizer's runs sorted by rate; NaN values break the line where a run did not
    reach the target, as the 2018 figures leave those rates out."""

    optimizer: str
    learning_rates: tuple[float, ...]
    values: tuple[float, ...]
    numbers: tuple[int, ...]  # trial numbers, for hover text

    @property
    def reached_points(self) -> int:
        return sum(not math.isnan(v) for v in self.values)


def curves(runs: Sequence[Run], optimizers: Sequence[str], measure: Measure) -> list[Series]:
    """One series per optimizer that has finished runs, in the study's optimizer order."""
    series = []
    for name in optimizers:
        own = sorted((r for r in runs if r.optimizer == name), key=lambda r: r.learning_rate)
        if own:
            series.append(
                Series(
                    optimizer=name,
                    learning_rates=tuple(r.learning_rate for r in own),
                    values=tuple(r.value(measure) for r in own),
                    numbers=tuple(r.number for r in own),
                )
            )
    return series


@dataclass(frozen=True)
class Envelope:
    """At each rate, the fastest and slowest optimizer that reached the target there."""

    learning_rates: tuple[float, ...]
    fastest: tuple[float, ...]  # NaN where no optimizer reached the target
    slowest: tuple[float, ...]
    fastest_optimizer: tuple[str | None, ...]
    slowest_optimizer: tuple[str | None, ...]
    reached: tuple[int, ...]  # optimizers that reached the target at this rate
    tried: tuple[int, ...]  # optimizers with a finished run at this rate
    # The real rates of the fastest and slowest runs (TPE and random rates fall anywhere
    # in their bin; on a grid they are the bin's rate). NaN where none reached.
    fastest_rate: tuple[float, ...] = ()
    slowest_rate: tuple[float, ...] = ()

    @property
    def rates_with_a_result(self) -> int:
        return sum(n > 0 for n in self.reached)

    @property
    def shared_rates(self) -> int:
        """Rates where two or more optimizers reached the target: where there is a fastest
        and a slowest to tell apart."""
        return sum(n > 1 for n in self.reached)

    def fastest_at(self, optimizer: str) -> list[tuple[float, float]]:
        """(rate, value) where `optimizer` was the fastest."""
        rows = zip(self.learning_rates, self.fastest, self.fastest_optimizer, strict=True)
        return [(rate, value) for rate, value, name in rows if name == optimizer]

    def slowest_at(self, optimizer: str) -> list[tuple[float, float]]:
        """(rate, value) where `optimizer` was the slowest of two or more that reached (one
        alone counts only as the fastest)."""
        rows = zip(
            self.learning_rates, self.slowest, self.slowest_optimizer, self.reached, strict=True
        )
        return [(rate, value) for rate, value, name, n in rows if name == optimizer and n > 1]


def rate_bin(learning_rate: float) -> int:
    """Index of the nearest rate on the study grid (10^(k/6))."""
    return round(BINS_PER_DECADE * math.log10(learning_rate))


def envelope(runs: Sequence[Run], measure: Measure) -> Envelope:
    """Fastest and slowest optimizer per rate bin; an optimizer with several runs in a bin
    (TPE) counts with its best one, so it is compared at its best near that rate."""
    best: dict[int, dict[str, tuple[float, float]]] = {}  # bin -> optimizer -> (value, rate)
    for run in runs:
        per_optimizer = best.setdefault(rate_bin(run.learning_rate), {})
        found = (run.value(measure), run.learning_rate)
        previous = per_optimizer.get(run.optimizer)
        if previous is None or math.isnan(previous[0]) or found[0] < previous[0]:
            per_optimizer[run.optimizer] = found
    bins = sorted(best)
    rows = [_envelope_row(best[k]) for k in bins]
    return Envelope(
        learning_rates=tuple(10 ** (k / BINS_PER_DECADE) for k in bins),
        fastest=tuple(r[0] for r in rows),
        slowest=tuple(r[1] for r in rows),
        fastest_optimizer=tuple(r[2] for r in rows),
        slowest_optimizer=tuple(r[3] for r in rows),
        reached=tuple(r[4] for r in rows),
        tried=tuple(len(best[k]) for k in bins),
        fastest_rate=tuple(r[5] for r in rows),
        slowest_rate=tuple(r[6] for r in rows),
    )


EnvelopeRow = tuple[float, float, str | None, str | None, int, float, float]


def _envelope_row(values: dict[str, tuple[float, float]]) -> EnvelopeRow:
    ok = {name: v for name, v in values.items() if not math.isnan(v[0])}
    if not ok:
        return math.nan, math.nan, None, None, 0, math.nan, math.nan
    fastest = min(ok, key=lambda name: ok[name][0])
    slowest = max(ok, key=lambda name: ok[name][0])
    return ok[fastest][0], ok[slowest][0], fastest, slowest, len(ok), ok[fastest][1], ok[slowest][1]
