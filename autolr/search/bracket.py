"""Measuring an optimizer's band: which rates to train next, bracketing its edges.

The 2018 study's band is every rate that reaches the target within 1.5x of the best
run's steps. A search (TPE, random, PBT) learns where the best rate is, not how far the
band reaches either side: its runs cluster near the best, and heuristic stops cut some
short. So after the search, the band's edges are measured on the study's grid (six rates a
decade), walking out in each direction, one grid rate at a time, from the farthest rate
known to be in the band (the best, or any run that reached within the margin: the band
reported is every such run's rate, so the rates between need no run of their own) until
a rate falls out of the band (it misses the target, or needs more than the margin times
the best's steps). Only the exact stop applies to these runs (slower than the margin),
so no heuristic can cut the band; a search run that ended out of the band by an exact
verdict between the farthest in-band rate and the next grid rate brackets that side too.

Pure: which grid rates to run is a function of the optimizer's finished runs, so every
worker, after any crash, asks for the same ones. When a faster run turns up, the band is
measured again around it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

GRID_PER_DECADE = 6  # the 2018 study's resolution: 10 ** (1/6) between grid rates
_SAME_RATE = 1e-6  # relative: a rate this close to a grid rate is that grid rate


@dataclass(frozen=True)
class Run:
    """One finished run of the optimizer at the study's seed: its rate, and its steps to
    the target (None: it did not reach it, or was stopped)."""

    rate: float
    steps: float | None
    exact: bool = True  # False: a heuristic stopped it, so its verdict cannot bound a band


@dataclass(frozen=True)
class Walk:
    """What the band still needs: grid rates to run, and whether runs still going could
    change that (then the walk waits for them)."""

    to_run: tuple[float, ...]
    waiting: bool
    low_edge: bool  # a rate below the band was measured out of it
    high_edge: bool


def grid_rate(index: int) -> float:
    """The grid's rate at `index`: 10 ** (index / 6) (index 0 is a rate of 1)."""
    return float(10 ** (index / GRID_PER_DECADE))


def grid_index(rate: float) -> float:
    return math.log10(rate) * GRID_PER_DECADE


def walk(
    runs: Sequence[Run],
    running: Sequence[float],
    margin: float,
    lr_min: float,
    lr_max: float,
) -> Walk:
    """The grid rates to train next to bracket the band of the optimizer whose finished
    runs are `runs` (`running`: rates being trained now). Nothing to run when no run has
    reached the target."""
    reached = [r for r in runs if r.steps is not None]
    if not reached:
        return Walk((), False, False, False)
    best = min(reached, key=lambda r: (r.steps, r.rate))
    assert best.steps is not None
    limit = margin * best.steps
    inside = [_index(r.rate) for r in reached if _in_band(r, limit)]
    outside = [_index(r.rate) for r in runs if r.exact and not _in_band(r, limit)]
    pending = {round(grid_index(rate), 6) for rate in running if _on_grid(rate)}
    low = math.ceil(grid_index(lr_min) - _SAME_RATE)
    high = math.floor(grid_index(lr_max) + _SAME_RATE)
    needed: list[float] = []
    waiting = False
    edges = []
    for step in (1, -1):  # up, then down
        if step == 1:  # the first grid rate above the highest rate in the band
            farthest = max(inside)
            index = math.floor(farthest + _SAME_RATE) + 1
            beyond = [i for i in outside if farthest < i < index + _SAME_RATE]
        else:  # and below the lowest
            farthest = min(inside)
            index = math.ceil(farthest - _SAME_RATE) - 1
            beyond = [i for i in outside if index - _SAME_RATE < i < farthest]
        if beyond:
            edge = True  # measured out of the band within a grid step: bracketed
        elif not low <= index <= high:
            edge = True  # the range ends here: nothing further to measure
        elif round(float(index), 6) in pending:
            edge, waiting = False, True
        else:
            edge = False
            needed.append(grid_rate(index))
        edges.append(edge)
    return Walk(tuple(needed), waiting, low_edge=edges[1], high_edge=edges[0])


@dataclass(frozen=True)
class Climb:
    """Where the search for an optimizer's fastest grid rate stands: rates to run, and
    whether runs still going decide the next step (then it waits for them)."""

    to_run: tuple[float, ...]
    waiting: bool


def climb(
    runs: Sequence[Run], running: Sequence[float], start: Run, lr_min: float, lr_max: float
) -> Climb:
    """Downhill on the grid from `start` (an optimizer's best search run, which can sit a
    grid step or more beside its fastest rate): train the grid rates on either side; when
    one reached in fewer steps, go on from it; stop where neither side is faster. Steps
    are whole checks, so a neighbour as fast is not a step down (a plateau is not walked).
    `runs`: the optimizer's finished runs at the study's seed; a run a heuristic stopped
    tells nothing and is run again at its grid rate."""
    known: dict[int, float] = {}
    for run in runs:
        if _on_grid(run.rate) and (run.exact or run.steps is not None):
            index = round(grid_index(run.rate))
            steps = math.inf if run.steps is None else run.steps
            known[index] = min(steps, known.get(index, math.inf))
    pending = {round(grid_index(rate)) for rate in running if _on_grid(rate)}
    low = math.ceil(grid_index(lr_min) - _SAME_RATE)
    high = math.floor(grid_index(lr_max) + _SAME_RATE)
    at, steps = _index(start.rate), math.inf if start.steps is None else start.steps
    while True:
        below, above = math.ceil(at - _SAME_RATE) - 1, math.floor(at + _SAME_RATE) + 1
        sides = [i for i in (below, above) if low <= i <= high]
        unknown = [i for i in sides if i not in known]
        if unknown:
            return Climb(
                tuple(grid_rate(i) for i in unknown if i not in pending),
                any(i in pending for i in unknown),
            )
        faster = [i for i in sides if known[i] < steps]
        if not faster:
            return Climb((), False)
        at = min(faster, key=lambda i: (known[i], i))
        steps = known[at]


def _in_band(run: Run, limit: float) -> bool:
    return run.steps is not None and run.steps <= limit


def _index(rate: float) -> float:
    """A rate's grid index, snapped to the grid rate it is (within rounding) one of."""
    index = grid_index(rate)
    return float(round(index)) if _on_grid(rate) else index


def _on_grid(rate: float) -> bool:
    index = grid_index(rate)
    return abs(index - round(index)) < _SAME_RATE * GRID_PER_DECADE * 10
