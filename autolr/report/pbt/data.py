"""A PBT study's member-intervals as the paths its figure draws (pure: no plotting).

Each trial is one member training one interval. A member's path is its intervals in
generation order; where it exploited a better member it continues from that member's
weights, so its accuracy jumps to the donor's, and its rate jumps to the perturbed or
resampled one. Steps are counted along the lineage (the weights' own training history),
which is what the winning schedule is stated in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from optuna.trial import FrozenTrial, TrialState

from autolr.metrics import Goal, final_metric
from autolr.search import pbt
from autolr.search.chance import CHANCE, STOP_REASON
from autolr.store.history import checks as stored_checks
from autolr.store.history import column

EXPLOITS = ("exploit-perturb", "exploit-resample")
ACCURACY = Goal()


@dataclass(frozen=True)
class Segment:
    """One member-interval: a member trained `steps` steps at one optimizer and rate."""

    trial: int
    member: int
    generation: int
    start: int  # lineage steps before this interval
    steps: int
    optimizer: str
    learning_rate: float
    action: str  # start | continue | exploit-perturb | exploit-resample
    donor: int | None  # the member whose weights it copied (exploits only)
    parent: int | None  # the trial whose weights it started from (None: fresh weights)
    start_value: float | None  # of the weights it started from (the parent's end)
    checks: tuple[tuple[int, float], ...]  # (lineage step, the study's metric)
    reached: bool
    diverged: bool
    # (lineage step, gap): how far each check still was from a perfect score, 1 - accuracy
    # or the loss itself (autolr/metrics.py): what the figure draws, on a log scale.
    gaps: tuple[tuple[int, float], ...] = ()
    stop_reason: str | None = None  # "chance" or "diverged": the interval ended early

    @property
    def end(self) -> int:
        return self.start + self.steps

    @property
    def exploited(self) -> bool:
        return self.action in EXPLOITS

    @property
    def at_chance(self) -> bool:
        """Ended its interval early, having learned nothing (autolr/search/chance.py)."""
        return self.stop_reason == CHANCE

    @property
    def end_gap(self) -> float | None:
        return self.gaps[-1][1] if self.gaps else None

    @property
    def value(self) -> float | None:
        """The study's metric at the end of the interval."""
        return self.checks[-1][1] if self.checks else None


def segments(trials: Sequence[FrozenTrial], goal: Goal = ACCURACY) -> list[Segment]:
    """Every finished member-interval, by member then generation, with the study's
    metric at each of its checks."""
    done = {
        t.number: t
        for t in trials
        if t.state == TrialState.COMPLETE and pbt.MEMBER in t.user_attrs and t.params
    }
    found = [_segment(t, done, goal) for t in done.values()]
    return sorted(found, key=lambda s: (s.member, s.generation))


def _segment(trial: FrozenTrial, done: dict[int, FrozenTrial], goal: Goal) -> Segment:
    attrs = trial.user_attrs
    start = int(attrs.get(pbt.LINEAGE_STEPS, 0))
    parent_number = attrs.get(pbt.PARENT)
    parent = done.get(parent_number) if parent_number is not None else None
    donor = attrs.get(pbt.DONOR)
    measured = [(int(h[0]), column(h, goal.metric)) for h in stored_checks(trial)]
    checks = tuple((start + step, value) for step, value in measured if value is not None)
    final = final_metric(attrs)
    if not checks and final == final:
        checks = ((start + int(attrs.get("steps", 0)), final),)
    return Segment(
        trial=trial.number,
        member=int(attrs[pbt.MEMBER]),
        generation=int(attrs[pbt.GENERATION]),
        start=start,
        steps=int(attrs.get("steps", 0)),
        optimizer=str(trial.params["optimizer"]),
        learning_rate=float(trial.params["learning_rate"]),
        action=str(attrs.get(pbt.ACTION, "start")),
        donor=None if donor is None else int(donor),
        parent=None if parent is None else parent.number,
        start_value=_final(parent),
        checks=checks,
        reached=bool(attrs.get("reached")),
        diverged=bool(attrs.get("diverged")),
        gaps=tuple((step, goal.gap(value)) for step, value in checks),
        stop_reason=attrs.get(STOP_REASON),
    )


def _final(trial: FrozenTrial | None) -> float | None:
    value = math.nan if trial is None else final_metric(trial.user_attrs)
    return None if math.isnan(value) else value


def by_member(found: Sequence[Segment]) -> dict[int, list[Segment]]:
    """Each member's intervals in generation order, members in order."""
    members: dict[int, list[Segment]] = {}
    for segment in sorted(found, key=lambda s: (s.member, s.generation)):
        members.setdefault(segment.member, []).append(segment)
    return members
