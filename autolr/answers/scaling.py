"""A scale study's runs, read per model size: each optimizer's best rate at each size.

The 2018 study's model-size experiment trained the reference CNN at several sizes to
its threshold. `autolr scale` does that with a short search at every size, so that the
best rate can be followed as the model grows (`autolr.answers.sizefit` fits it). Pure
functions over stored trials.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optuna.trial import FrozenTrial, TrialState

from autolr.answers.results import BAND_MARGIN, summarise_optimizer
from autolr.config import reference_weight_count

__all__ = ["SizeBest", "best_by_size", "reference_weight_count", "scale_runs"]


@dataclass(frozen=True)
class ScaleRun:
    optimizer: str
    scale: float
    learning_rate: float
    weights: int
    reached: bool
    seconds: float  # training seconds to the target (or spent, if not reached)
    steps: int  # steps to the target (or trained, if not reached)


def scale_runs(trials: Sequence[FrozenTrial]) -> list[ScaleRun]:
    runs = []
    for trial in trials:
        if trial.state != TrialState.COMPLETE or "scale" not in trial.params:
            continue
        attrs = trial.user_attrs
        runs.append(
            ScaleRun(
                optimizer=str(trial.params["optimizer"]),
                scale=float(trial.params["scale"]),
                learning_rate=float(trial.params["learning_rate"]),
                weights=int(attrs.get("weight_count", 0)),
                reached=bool(attrs.get("reached")),
                seconds=float(attrs.get("reached_seconds", attrs.get("train_seconds", 0.0))),
                steps=int(attrs.get("reached_step", attrs.get("steps", 0))),
            )
        )
    return sorted(runs, key=lambda r: (r.optimizer, r.scale, r.learning_rate))


@dataclass(frozen=True)
class SizeBest:
    """One optimizer at one model size: the rate that reached the target soonest, and the
    band of rates within the margin of it (as `autolr best` ranks a study's runs)."""

    optimizer: str
    scale: float
    weights: int
    tried: tuple[float, ...]  # every rate that finished at this size, ascending
    learning_rate: float | None  # None: no rate reached the target at this size
    band: tuple[float, float] | None
    steps: int | None  # of the best rate
    seconds: float | None

    def size(self, axis: str) -> float:
        """The size on a fit's axis: the weight count, or the scale factor."""
        return float(self.weights if axis == "weights" else self.scale)

    @property
    def at_edge(self) -> tuple[str, ...]:
        """Which ends of the rates tried the band touches: the best rate there may lie
        beyond what was tried ("low", "high")."""
        if self.band is None or len(self.tried) < 2:
            return ()
        edges = []
        if self.band[0] <= self.tried[0]:
            edges.append("low")
        if self.band[1] >= self.tried[-1]:
            edges.append("high")
        return tuple(edges)


def best_by_size(
    trials: Sequence[FrozenTrial], margin: float = BAND_MARGIN
) -> dict[str, list[SizeBest]]:
    """Per optimizer, its best rate at each size, smallest size first."""
    runs = scale_runs(trials)
    by_optimizer: dict[str, list[SizeBest]] = {}
    for optimizer, scale in sorted({(r.optimizer, r.scale) for r in runs}):
        own = [r for r in runs if (r.optimizer, r.scale) == (optimizer, scale)]
        result = summarise_optimizer(
            [
                t
                for t in trials
                if t.params.get("optimizer") == optimizer and t.params.get("scale") == scale
            ],
            margin,
        )
        best = next((r for r in own if r.learning_rate == result.learning_rate), None)
        by_optimizer.setdefault(optimizer, []).append(
            SizeBest(
                optimizer=optimizer,
                scale=scale,
                weights=max(r.weights for r in own),
                tried=tuple(sorted({r.learning_rate for r in own})),
                learning_rate=result.learning_rate,
                band=result.band,
                steps=None if best is None else best.steps,
                seconds=None if best is None else best.seconds,
            )
        )
    return by_optimizer
