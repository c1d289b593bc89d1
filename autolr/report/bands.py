"""The success band per optimizer, as table rows: `autolr best`'s answer plus the rates seen.

The best rate and the band come from `recommend` (the one definition of a band); this
module only adds the widest range of rates that reached the target at all, which the
figure draws behind the band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autolr.answers.results import Recommendation
from autolr.report.data import Run


@dataclass(frozen=True)
class BandRow:
    optimizer: str
    best_rate: float | None  # None: no run of this optimizer reached the target
    best_value: float | None  # steps (or seconds, per the study's objective) at best_rate
    band: tuple[float, float] | None  # rates within the margin of the best value
    reached_range: tuple[float, float] | None  # lowest and highest rate that reached at all
    reached_rates: tuple[float, ...]  # every rate that reached, sorted
    reached_trials: int
    trials: int
    band_rates: int = 0  # distinct rates inside the band
    thin: bool = False  # fewer than MIN_BAND_RATES of them: say so wherever it is shown


def band_rows(rec: Recommendation, runs: Sequence[Run]) -> list[BandRow]:
    """One row per optimizer of the study, in the study's order."""
    rows = []
    for name, result in rec.per_optimizer.items():
        rates = tuple(sorted(r.learning_rate for r in runs if r.optimizer == name and r.reached))
        rows.append(
            BandRow(
                optimizer=name,
                best_rate=result.learning_rate,
                best_value=result.value,
                band=result.band,
                reached_range=(rates[0], rates[-1]) if rates else None,
                reached_rates=rates,
                reached_trials=result.reached_trials,
                trials=result.trials,
                band_rates=result.band_rates,
                thin=result.thin_band,
            )
        )
    return rows


def common_band(rows: Sequence[BandRow]) -> tuple[float, float] | None:
    """The rates inside every optimizer's band, if any: the 2018 study's point is that
    there usually are none, so a rate cannot be chosen without choosing the optimizer."""
    bands = [r.band for r in rows if r.band is not None]
    if not bands or len(bands) < len(rows):
        return None
    low, high = max(b[0] for b in bands), min(b[1] for b in bands)
    return (low, high) if low <= high else None
