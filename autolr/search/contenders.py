"""Which optimizers tie within noise: the leaders' best rates run again at other seeds.

Steps to the target move with the seed by a check or two (a rate that reached at 250
steps on one seed can need 350 on another), so "fastest" among optimizers a check apart
is noise. After a search, each leading optimizer (its best run within the band margin of
the overall best, or within `NOISE_CHECKS` checks of it, whichever is wider: on a model
that reaches in 150 steps, 1.5x is a single check, less than the noise) trains its best
rate again with `EXTRA_SEEDS` more seeds (new initial weights and batch order).
Optimizers are ranked by their median steps across the seeds; one is tied with the
fastest when each one's median lies within the spread of the other's seeds (between its
fastest and slowest seed): each could be the other, as far as the seeds can tell.
Comparing medians with the larger of the two spreads, as first built, let a noisy
optimizer tie whose every seed was slower than every seed of the fastest (while an
equally slow, steady one did not), and one slow seed of the fastest tie it with
everything up to that seed: on the MLP, AdamW at 250, 350, 250 steps tied with Adadelta
at 350, 350, 350, whose wider band then won, at 1.4x the steps. Among tied optimizers
autolr recommends the one whose measured band is widest: the safest when the model, the
data or the batch size change a little.

Pure functions of stored results, so every worker decides alike.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

EXTRA_SEEDS = 2  # the leaders' best rates are trained at this many more seeds
NOISE_CHECKS = 2  # a seed moves a run's steps by up to this many checks


def extra_seeds(seed: int) -> tuple[int, ...]:
    """The seeds a leader's best rate is run again with (after the study's own)."""
    return tuple(seed + k for k in range(1, EXTRA_SEEDS + 1))


@dataclass(frozen=True)
class Contender:
    optimizer: str
    learning_rate: float  # its best rate at the study's seed
    steps: tuple[float, ...]  # the run's steps at each seed, the study's first

    @property
    def median(self) -> float:
        return float(statistics.median(self.steps))


def noise_steps(objective: str, check_every: int) -> int:
    """How far past the best a run still leads: `NOISE_CHECKS` checks, where values are
    steps; nothing under the time objective, whose seconds are not checks (the margin
    alone decides there). The search's stop rule lets runs go this far too."""
    return NOISE_CHECKS * check_every if objective == "steps" else 0


def leaders(best_steps: Mapping[str, float], margin: float, noise: float) -> list[str]:
    """Optimizers whose best run needed at most `margin` times the overall best, or at
    most `noise` (see `noise_steps`) more, fastest first: the ones that could turn out
    tied. (On the 3-seed convnet grid, AdamW at 0.0147 took 250, 150 and 150 steps: a
    seed moved it by two checks, while 1.5x of 150 is one.)"""
    if not best_steps:
        return []
    fastest = min(best_steps.values())
    limit = max(margin * fastest, fastest + noise)
    close = [name for name, steps in best_steps.items() if steps <= limit]
    return sorted(close, key=lambda name: (best_steps[name], name))


def ranked(contenders: Sequence[Contender]) -> list[Contender]:
    """By median steps across seeds, then the study seed's steps, then name."""
    return sorted(contenders, key=lambda c: (c.median, c.steps[0], c.optimizer))


def tied(contenders: Sequence[Contender]) -> list[Contender]:
    """The contenders tied with the one of lowest median (itself included, first): those
    whose median lies within its seeds' spread while its median lies within theirs."""
    order = ranked(contenders)
    if not order:
        return []
    top = order[0]
    return [c for c in order if c.median <= max(top.steps) and min(c.steps) <= top.median]
