"""Which optimizer to recommend when several tie within the noise of the seeds.

The leaders' best rates ran again at more seeds (search/contenders.py); optimizers whose
median steps lie within the spread of the fastest's seeds, while their seeds' spread
holds its median, are tied. Among them the
one with the widest measured band is recommended: with the same speed, the rate that
stays safe when the model, the data or the batch size change a little.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autolr.search import contenders


@dataclass(frozen=True)
class Choice:
    optimizer: str
    tied: tuple[str, ...]  # the recommended one first
    seed_steps: dict[str, list[float]]  # per leader: its best rate's steps at each seed
    reason: str
    # per leader: the rate those seeds ran (its best search rate; a band run found later
    # can be as fast at another rate, and that one is the optimizer's shown best rate)
    seed_rates: dict[str, float]


def decades(band: tuple[float, float] | None) -> float:
    """A band's width in decades of rate (0 for none, or a single rate)."""
    return 0.0 if band is None else math.log10(band[1] / band[0])


def choose(
    fastest: str,
    found: Sequence[contenders.Contender],
    bands: Mapping[str, tuple[float, float] | None],
) -> Choice:
    """The recommendation: the fastest optimizer when no seeds were run (or only one
    optimizer led), else the widest band among those tied by median steps."""
    if len(found) < 2:
        return Choice(
            fastest,
            (fastest,),
            {c.optimizer: list(c.steps) for c in found},
            "",
            {c.optimizer: c.learning_rate for c in found},
        )
    order = contenders.ranked(found)
    tied = contenders.tied(found)
    width = {c.optimizer: round(decades(bands.get(c.optimizer)), 6) for c in tied}
    pick = max(tied, key=lambda c: (width[c.optimizer], -order.index(c)))
    as_wide = [
        c.optimizer for c in tied if c is not pick and width[c.optimizer] == width[pick.optimizer]
    ]
    steps = {c.optimizer: list(c.steps) for c in order}
    medians = ", ".join(f"{c.optimizer} {c.median:g}" for c in order)
    if len(tied) == 1:
        reason = f"fastest by median steps over {len(pick.steps)} seeds ({medians})"
    else:
        names = ", ".join(c.optimizer for c in tied)
        reason = (
            f"{names} tie within the seeds' noise (median steps over {len(pick.steps)} seeds: "
            f"{medians}); {pick.optimizer} has the widest measured band "
            f"({decades(bands.get(pick.optimizer)):.2f} decades)"
        )
        if as_wide:  # equally wide: the ranking (median, then the study seed's steps) decides
            reason += (
                f", as wide as {' and '.join(as_wide)}'s, and ranks ahead (by median steps, "
                "then the study seed's steps, then name)"
            )
    ordered = (pick.optimizer, *(c.optimizer for c in tied if c is not pick))
    rates = {c.optimizer: c.learning_rate for c in order}
    return Choice(pick.optimizer, ordered, steps, reason, rates)
