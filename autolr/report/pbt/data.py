"""A PBT study's member-intervals as the paths its figure draws (pure: no plotting).

Each trial is one member training one interval. A member's path is its intervals in
generation order; where it exploited a better member it continues from that member's
weights, so its accuracy jumps to the donor's, and its rate jumps to the perturbed or
resampled one. Steps are counted along the lineage (the weights' own training history),
which is what the winning schedule is stated in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optuna.trial import FrozenTrial, TrialState

from autolr.search import pbt
from autolr.store.history import checks as stored_checks

EXPLOITS = ("exploit-perturb", "exploit-resample")


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
    start_accuracy: float | None  # of the weights it started from (the parent's end)
    checks: tuple[tuple[int, float], ...]  # (lineage step, training accuracy)
    reached: bool
    diverged: bool

    @property
    def end(self) -> int:
        return self.start + self.steps

    @property
    def exploited(self) -> bool:
        return self.action in EXPLOITS

    @property
    def accuracy(self) -> float | None:
        """Training accuracy at the end of the interval."""
        return self.checks[-1][1] if self.checks else None


def segments(trials: Sequence[FrozenTrial]) -> list[Segment]:
    """Every finished member-interval, by member then generation."""
    done = {
        t.number: t
        for t in trials
        if t.state == TrialState.COMPLETE and pbt.MEMBER in t.user_attrs and t.params
    }
    found = [_segment(t, done) for t in done.values()]
    return sorted(found, key=lambda s: (s.member, s.generation))


def _segment(trial: FrozenTrial, done: dict[int, FrozenTrial]) -> Segment:
    attrs = trial.user_attrs
    start = int(attrs.get(pbt.LINEAGE_STEPS, 0))
    parent_number = attrs.get(pbt.PARENT)
    parent = done.get(parent_number) if parent_number is not None else None
    donor = attrs.get(pbt.DONOR)
    history = [h for h in stored_checks(trial) if h[2] is not None]
    checks = tuple((start + int(h[0]), float(h[2])) for h in history)
    if not checks and "final_accuracy" in attrs:
        checks = ((start + int(attrs.get("steps", 0)), float(attrs["final_accuracy"])),)
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
        start_accuracy=_final(parent),
        checks=checks,
        reached=bool(attrs.get("reached")),
        diverged=bool(attrs.get("diverged")),
    )


def _final(trial: FrozenTrial | None) -> float | None:
    if trial is None or trial.user_attrs.get("final_accuracy") is None:
        return None
    return float(trial.user_attrs["final_accuracy"])


def by_member(found: Sequence[Segment]) -> dict[int, list[Segment]]:
    """Each member's intervals in generation order, members in order."""
    members: dict[int, list[Segment]] = {}
    for segment in sorted(found, key=lambda s: (s.member, s.generation)):
        members.setdefault(segment.member, []).append(segment)
    return members
