"""Pieces of description the fixed-rate figures share: the rate and value axes, the
strip of runs that did not reach the target, and the recommended rate with its band."""

from __future__ import annotations

import math
from collections.abc import Sequence

from autolr.answers.results import Recommendation
from autolr.report import style
from autolr.report.chart import Axis, KeyEntry, Look, Mark, Panel, Points, Rule, Span, Symbol
from autolr.report.data import BINS_PER_DECADE, CAUSES, Run
from autolr.settings import StudySettings

# Half a grid step either side of the range, so the first and last rates are not clipped.
EDGE = 10 ** (1 / (2 * BINS_PER_DECADE))

# How each cause is marked: a shape of its own (the colour stays the optimizer's).
CAUSE_SYMBOLS: dict[str, Symbol] = {
    "diverged": "x",
    "budget": "square",
    "time": "diamond",
    "pruned: slower": "triangle-down",
    "pruned: stalled": "circle",
    "pruned: behind": "triangle-up",
    "pruned": "cross",
}
CAUSE_LABELS = {
    "diverged": "diverged",
    "budget": "out of budget",
    "time": "cut by time",
    "pruned: slower": "pruned: slower",
    "pruned: stalled": "pruned: stalled",
    "pruned: behind": "pruned: behind",
    "pruned": "pruned",
}


def cause_order(cause: str) -> int:
    return CAUSES.index(cause)


def cause_look(cause: str, colour: str = "#4d4d4d") -> Look:
    symbol = CAUSE_SYMBOLS[cause]
    line_like = symbol in ("x", "cross")
    return Look(colour, symbol=symbol, size=7, fill=None if line_like else "white", edge_width=1.4)


def cause_key(cause: str) -> KeyEntry:
    return KeyEntry(CAUSE_LABELS[cause], cause_look(cause))


def rate_axis(settings: StudySettings, labels: bool = True) -> Axis:
    """The learning-rate axis: log, the study's range (half a grid step wider), round
    ticks for a few decades and powers of ten for a wide range."""
    ticks = style.rate_ticks(settings)
    return Axis(
        style.LEARNING_RATE,
        log=True,
        range=(settings.lr_min / EDGE, settings.lr_max * EDGE),
        ticks=ticks,
        powers=ticks is None,
        show_labels=labels,
    )


def value_axis(label: str, values: Sequence[float]) -> Axis:
    """A log axis of steps or seconds with plain 1-2-5 ticks (2, 3, 300 read faster than
    2x10^0), padded a little beyond the data."""
    shown = [v for v in values if not math.isnan(v) and v > 0]
    if not shown:
        return Axis(label, log=True)
    low, high = min(shown), max(shown)
    return Axis(
        label,
        log=True,
        range=(low / 1.25, high * 1.25),
        ticks=style.nice_log_ticks(low, high),
    )


def unreached_strip(runs: Sequence[Run], settings: StudySettings, col: int, title: str) -> Panel:
    """Above a time-to-target panel: each run that did not reach the target, at its rate,
    one row per cause, in its optimizer's colour and its cause's shape. Runs a marker
    apart or less are stacked within their row, so none hides another."""
    causes = sorted({r.cause for r in runs if r.cause}, key=cause_order)
    found: list[Mark] = []
    gap = marker_gap(settings)
    for row, cause in enumerate(causes):
        in_row = sorted((r for r in runs if r.cause == cause), key=lambda r: r.learning_rate)
        levels = stack_levels([r.learning_rate for r in in_row], gap)
        at = {id(r): row + STACK_STEP * level for r, level in zip(in_row, levels, strict=True)}
        for name in settings.optimizers:
            own = [r for r in in_row if r.optimizer == name]
            if own:
                found.append(
                    Points(
                        [r.learning_rate for r in own],
                        [at[id(r)] for r in own],
                        cause_look(cause, style.colour(name)),
                        group=name,
                        hover=[r.story() for r in own],
                        tag=f"unreached:{cause}",
                    )
                )
    return Panel(
        found,
        rate_axis(settings, labels=False),
        # The rows are the same in both columns: labelled once, on the left.
        Axis(
            range=(-0.5, len(causes) - 0.5),
            reversed=True,
            ticks=list(range(len(causes))),
            tick_labels=[CAUSE_LABELS[c] for c in causes],
            grid=False,
            show_labels=col == 0,
        ),
        title=f"{title}: did not reach the target",
        row=0,
        col=col,
    )


# A marker is about this share of a rate axis wide in the narrowest place a figure is
# shown (a panel of a dashboard card, ~220 px, markers ~11 px).
MARKER_SHARE = 1 / 18
STACK_STEP = 0.22  # a stacked strip's levels, in rows: 2 either side still fit in one
LEVELS = (0, 1, -1, 2, -2)


def marker_gap(settings: StudySettings) -> float:
    """How many decades of rate one marker covers: closer points would hide each other."""
    low, high = rate_axis(settings).range or (settings.lr_min, settings.lr_max)
    return math.log10(high / low) * MARKER_SHARE


def stack_levels(rates: Sequence[float], gap: float, order: Sequence[int] = LEVELS) -> list[int]:
    """A level per rate (the first of `order` with room) so that no two rates within
    `gap` decades of each other share one: a stacked strip. Past as many alike as there
    are levels, the least crowded level."""
    placed: dict[int, list[float]] = {level: [] for level in order}
    levels = []
    for rate in rates:
        where = math.log10(rate)

        def room(level: int, where: float = where) -> float:
            return min((abs(where - x) for x in placed[level]), default=math.inf)

        level = next((lv for lv in order if room(lv) >= gap), max(order, key=room))
        placed[level].append(where)
        levels.append(level)
    return levels


def recommended(rec: Recommendation) -> list[Mark]:
    """`autolr best`'s rate (a dashed line) and its band (shaded), in its colour."""
    colour = style.colour(rec.optimizer)
    low, high = rec.band
    return [
        Span("x", low, high, colour, opacity=0.12, tag="band"),
        Rule("x", rec.learning_rate, Look(colour, width=1.4, dash="dash"), tag="recommended"),
    ]


def recommended_key(rec: Recommendation) -> list[KeyEntry]:
    colour = style.colour(rec.optimizer)
    low, high = rec.band
    thin = f", thin: {rec.band_rates} rate{'s' if rec.band_rates != 1 else ''}"
    band = style.span(low, high)
    return [
        KeyEntry(
            f"recommended: {rec.optimizer} {rec.learning_rate:.3g}",
            Look(colour, width=1.4, dash="dash"),
            "line",
        ),
        KeyEntry(
            f"its band: {band}{thin if rec.thin_band else ''}",
            Look(colour, opacity=0.25),
            "patch",
            marks="band",
        ),
    ]
