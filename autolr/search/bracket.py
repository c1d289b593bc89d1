"""Measuring an optimizer's band: which rates to train next, bracketing out from its best.

The 2018 study's band is every rate that reaches the target within 1.5x of the best
run's steps. A search (TPE, random, PBT) learns where the best rate is, not how far the
band reaches either side: its runs cluster near the best, and heuristic stops cut some
short. So after the search, the band's edges are measured on the study's grid (six rates a
decade), walking out from the best rate one grid rate at a time in each direction until a
rate falls out of the band (it misses the target, or needs more than the margin times
the best's steps). Only the exact stop applies to these runs (slower than the margin),
so no heuristic can cut the band.

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
    measured = {round(grid_index(r.rate), 6): r for r in runs if r.exact and _on_grid(r.rate)}
    pending = {round(grid_index(rate), 6) for rate in running if _on_grid(rate)}
    low = math.ceil(grid_index(lr_min) - _SAME_RATE)
    high = math.floor(grid_index(lr_max) + _SAME_RATE)
    needed: list[float] = []
    waiting = False
    edges = []
    for step in (1, -1):  # up, then down, from the best rate
        if step == 1:  # the first grid rate above the best's
            index = math.floor(grid_index(best.rate) + _SAME_RATE) + 1
        else:  # and below it
            index = math.ceil(grid_index(best.rate) - _SAME_RATE) - 1
        edge = False
        while low <= index <= high:
            key = float(index)
            if key in pending:
                waiting = True
                break
            run = measured.get(key)
            if run is None:
                needed.append(grid_rate(index))
                break
            if run.steps is None or run.steps > limit:
                edge = True  # measured out of the band: this side is bracketed
                break
            index += step
        else:
            edge = True  # the range ends here: nothing further to measure
        edges.append(edge)
    return Walk(tuple(needed), waiting, low_edge=edges[1], high_edge=edges[0])


def _on_grid(rate: float) -> bool:
    index = grid_index(rate)
    return abs(index - round(index)) < _SAME_RATE * GRID_PER_DECADE * 10
