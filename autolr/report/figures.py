"""The figures of a grid, TPE or random study, described once (see `chart`).

1. Time to target against the rate, a panel per measure (seconds, steps), with every
   run that did not reach the target in a strip above, marked by its cause, and the
   recommended rate and its band marked.
2. The fastest and slowest optimizer at each rate, and how many reached it there.
3. The success band per optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autolr.answers.results import BAND_MARGIN, MIN_BAND_RATES, Recommendation
from autolr.report import marks, style
from autolr.report.bands import BandRow
from autolr.report.chart import (
    Axis,
    Bars,
    Chart,
    KeyEntry,
    Line,
    Look,
    Mark,
    Panel,
    Points,
    Segments,
    Text,
)
from autolr.report.data import (
    BINS_PER_DECADE,
    MEASURES,
    Envelope,
    Measure,
    Run,
    curves,
    envelope,
)
from autolr.settings import StudySettings

SPREAD_GREY = "#c8c8c8"
TICK_SIZE = 22  # a reached rate's tick, taller than the band's bar (11) and the star (15)
REACHED_GREY = "#595959"


def time_to_target(
    runs: Sequence[Run], settings: StudySettings, study: str, rec: Recommendation
) -> Chart:
    """Figure 1. Grid rates are joined by lines (neighbours were measured); TPE and random
    rates get markers only, as a line between them would invent a curve."""
    joined = style.joins_points(settings)
    unreached = [r for r in runs if not r.reached]
    strip = bool(unreached)
    panels = []
    stacked_any = False
    for col, measure in enumerate(MEASURES):
        row = 1 if strip else 0
        own: list[Mark] = marks.recommended(rec)
        stacked = {} if joined else _stacked(runs, settings, measure)
        stacked_any = stacked_any or bool(stacked)
        for series in curves(runs, settings.optimizers, measure):
            name = series.optimizer
            shape = Line if joined else Points
            at = zip(series.numbers, series.learning_rates, series.values, strict=True)
            ys = tuple(stacked.get((n, r), v) for n, r, v in at)
            own.append(
                shape(
                    series.learning_rates,
                    ys,
                    Look(
                        style.colour(name),
                        dash=style.dash(name),
                        symbol=style.symbol(name),
                        size=4.5 if joined else 6,
                    ),
                    legend=name,
                    group=name,
                    hover=[_reached_hover(r, measure) for r in _sorted(runs, name)],
                    tag=f"reached:{name}",
                )
            )
        values = [r.value(measure) for r in runs if r.reached]
        panels.append(
            Panel(
                own,
                marks.rate_axis(settings),
                marks.value_axis(style.MEASURE_LABELS[measure], values),
                title="" if strip else style.PANEL_TITLES[measure],
                row=row,
                col=col,
            )
        )
        if strip:
            panels.append(
                marks.unreached_strip(unreached, settings, col, style.PANEL_TITLES[measure])
            )
    causes = sorted({r.cause for r in unreached if r.cause}, key=marks.cause_order)
    return Chart(
        style.title(study, style.TIME_TITLE),
        style.subtitle(settings, len(runs)),
        panels,
        rows=2 if strip else 1,
        cols=2,
        heights=(0.6 + 0.35 * len(causes), 4) if strip else None,
        size=(12.0, 5.2 + (0.9 + 0.3 * len(causes) if strip else 0)),
        legend_title="optimizer",
        key=marks.recommended_key(rec) + [marks.cause_key(c) for c in causes],
        footnote=_time_note(settings, unreached, stacked_any),
    )


MOST_MOVES = 4  # a marker moves at most this many marker heights


def _stacked(
    runs: Sequence[Run], settings: StudySettings, measure: Measure
) -> dict[tuple[int, float], float]:
    """Scattered runs a marker apart in rate and value would hide each other: each later
    (slower) one moves a marker height, at most 4: seconds up, away from the faster run;
    steps down, but no lower than the check before, since a run counted at a check
    reached the target somewhere after the previous one. Hover gives every value. (Trial
    number, rate) -> the value drawn, for the runs moved."""
    reached = sorted(
        (r for r in runs if r.reached), key=lambda r: (r.value(measure), r.learning_rate)
    )
    values = [r.value(measure) for r in reached]
    if len(values) < 2 or min(values) <= 0:
        return {}
    span = math.log10(max(values) / min(values) * 1.25**2)  # as `marks.value_axis` pads
    step = span * marks.MARKER_SHARE * (-1 if measure == "steps" else 1)
    gap_x = marks.marker_gap(settings)
    placed: list[tuple[float, float]] = []
    moved: dict[tuple[int, float], float] = {}
    for run in reached:
        x, y = math.log10(run.learning_rate), math.log10(run.value(measure))
        moves = MOST_MOVES
        if measure == "steps":
            floor = max(run.value(measure) - CHECK_SHARE * settings.train.check_every, 1.0)
            moves = min(moves, int((y - math.log10(floor)) / -step))
        drawn = y
        for _ in range(moves):
            if not any(abs(x - px) < gap_x and abs(drawn - py) < abs(step) for px, py in placed):
                break
            drawn += step
        placed.append((x, drawn))
        if drawn != y:
            moved[run.number, run.learning_rate] = 10**drawn
    return moved


CHECK_SHARE = 0.8  # how far below its count a stacked step count may be drawn


def _rate(run: Run) -> float:
    return run.learning_rate


def _sorted(runs: Sequence[Run], optimizer: str) -> list[Run]:
    return sorted((r for r in runs if r.optimizer == optimizer), key=lambda r: r.learning_rate)


def _reached_hover(run: Run, measure: Measure) -> str:
    if not run.reached:
        return run.story()
    unit = style.MEASURE_UNITS[measure]
    return (
        f"{run.optimizer} lr {run.learning_rate:.3g}: {run.value(measure):.4g} {unit} to the "
        f"target (trial {run.number})"
    )


def _time_note(settings: StudySettings, unreached: Sequence[Run], stacked: bool) -> str:
    """What is drawn beyond the lines: the strip of runs that missed, and the stop rules
    behind its rows, each said only when drawn."""
    if unreached:
        note = (
            "Every run is drawn: those that reached the target below, the others in the "
            "strip above, one row per cause (hover for the step it stopped at and its "
            "projection)."
        )
    else:
        note = "Every run reached the target."
    rules = {r.stop_reason for r in unreached if r.outcome == "pruned"}
    said = [STOP_RULES[rule] for rule in STOP_RULES if rule in rules]
    if said:
        note += f" Pruned: {'; '.join(said)} (autolr/search/pruning)."
    if not style.joins_points(settings):
        note += " TPE and random rates are markers only: a line would invent a curve."
    if stacked:
        note += (
            " Runs that reached the target a marker apart are stacked, so none hides "
            "another: seconds upwards, step counts downwards within their check (a run "
            "counted at a check reached the target after the one before); hover for each."
        )
    return note


# What each stop rule means, as the footnote says it of a row drawn for it.
STOP_RULES = {
    "slower": f"slower = past {BAND_MARGIN:g}x the best run's steps (exact for the bands)",
    "stalled": "stalled = not on course for the target (a heuristic)",
    "behind": "behind = worse than the median finished run at the same step (a heuristic)",
}


def envelope_figure(runs: Sequence[Run], settings: StudySettings, study: str) -> Chart:
    """Figure 2: per rate, the fastest (filled) and slowest (open) optimizer that reached
    the target there, and below, how many optimizers reached it at that rate."""
    joined = style.joins_points(settings)
    panels = []
    for col, measure in enumerate(MEASURES):
        env = envelope(runs, measure)
        top = _spread(env, joined) + _extremes(env, settings, measure)
        values = [v for v in env.fastest + env.slowest if not math.isnan(v)]
        panels.append(
            Panel(
                top,
                marks.rate_axis(settings, labels=False),
                marks.value_axis(style.MEASURE_LABELS[measure], values),
                title=style.PANEL_TITLES[measure],
                col=col,
            )
        )
        n = len(settings.optimizers)
        panels.append(
            Panel(
                _counts(env, joined),
                marks.rate_axis(settings),
                Axis(
                    "optimizers",
                    range=(0, n),
                    ticks=list(range(0, n + 1, max(1, math.ceil(n / 3)))),
                ),
                row=1,
                col=col,
            )
        )
    key = [
        KeyEntry("fastest (filled)", Look("#4d4d4d", symbol="circle"), marks="fastest:"),
        KeyEntry(
            "slowest (open)", Look("#4d4d4d", symbol="circle", fill="white"), marks="slowest:"
        ),
        KeyEntry("spread", Look(SPREAD_GREY, width=4), "line", marks="spread"),
        KeyEntry("reached", Look(REACHED_GREY), "patch", marks="reached"),
        KeyEntry("tried, did not reach", Look("#ffffff", edge="#8c8c8c"), "patch", marks="tried"),
    ]
    # A Chart is described by keywords; each figure's differ (find/figure.py's too).
    return Chart(
        style.title(study, style.ENVELOPE_TITLE),
        style.subtitle(settings, len(runs)),
        panels,
        rows=2,
        cols=2,
        heights=(4, 1),
        size=(12.0, 6.4),
        legend_title="optimizer",
        key=key,
        footnote=_envelope_note(joined),
    )


def _spread(env: Envelope, joined: bool) -> list[Mark]:
    """Grid: the fastest and slowest as lines, the spread shaded between. Scattered
    rates: a grey link from each bin's fastest run to its slowest, at their real rates."""
    if joined:
        from autolr.report.chart import Area

        dark = "#262626"
        return [
            Area(
                env.learning_rates, env.fastest, env.slowest, "#969696", opacity=0.25, tag="spread"
            ),
            Line(env.learning_rates, env.fastest, Look(dark, width=1.4)),
            Line(env.learning_rates, env.slowest, Look(dark, width=1.0, dash="dash")),
        ]
    pieces = [
        ((fr, f), (sr, s))
        for fr, f, sr, s, n in zip(
            env.fastest_rate, env.fastest, env.slowest_rate, env.slowest, env.reached, strict=True
        )
        if n > 1
    ]
    return [Segments(pieces, Look(SPREAD_GREY, width=3), tag="spread")]


def _extremes(env: Envelope, settings: StudySettings, measure: Measure) -> list[Mark]:
    unit = style.MEASURE_UNITS[measure]
    found: list[Mark] = []
    for name in settings.optimizers:
        colour, symbol = style.colour(name), style.symbol(name)
        rows = zip(env.fastest_rate, env.fastest, env.fastest_optimizer, strict=True)
        fast = [(r, v) for r, v, o in rows if o == name]
        rows2 = zip(env.slowest_rate, env.slowest, env.slowest_optimizer, env.reached, strict=True)
        slow = [(r, v) for r, v, o, n in rows2 if o == name and n > 1]
        for points, fill, role in ((fast, None, "fastest"), (slow, "white", "slowest")):
            if points:
                found.append(
                    Points(
                        [r for r, _ in points],
                        [v for _, v in points],
                        Look(colour, symbol=symbol, size=7, fill=fill, edge_width=1.3),
                        legend=name,
                        group=name,
                        hover=[f"{role}: {name} at lr {r:.3g}, {v:.4g} {unit}" for r, v in points],
                        tag=f"{role}:{name}",
                    )
                )
    return found


def _counts(env: Envelope, joined: bool) -> list[Mark]:
    """Bars: a little narrower than a grid step; for scattered rates, the bin's width,
    which shows how the rates were grouped."""
    half = 10 ** ((0.3 if joined else 0.5) / BINS_PER_DECADE)
    lefts = [r / half for r in env.learning_rates]
    rights = [r * half for r in env.learning_rates]
    # The open bars show above the grey ones only where some optimizer tried and missed.
    missed = [i for i, (t, n) in enumerate(zip(env.tried, env.reached, strict=True)) if t > n]
    return [
        Bars(
            [lefts[i] for i in missed],
            [rights[i] for i in missed],
            [env.tried[i] for i in missed],
            "#ffffff",
            edge="#8c8c8c",
            tag="tried",
        ),
        Bars(lefts, rights, env.reached, REACHED_GREY, tag="reached"),
    ]


def _envelope_note(joined: bool) -> str:
    if joined:
        return "A gap: no optimizer reached the target at that rate."
    return (
        f"TPE and random rates are compared within bins of 1/{BINS_PER_DECADE} decade (the "
        "2018 grid's spacing; the count bars show each bin's width). Markers sit at the "
        "runs' real rates; an optimizer with several runs in a bin counts with its best."
    )


def bands_figure(
    rows: Sequence[BandRow], runs: Sequence[Run], settings: StudySettings, study: str
) -> Chart:
    """Figure 3: per optimizer, the rates that reached the target (thin line, ticks), the
    band within the margin of its best (thick bar) and its best rate (star); the numbers
    in a column on the right."""
    unit = style.MEASURE_UNITS["steps" if settings.objective == "steps" else "seconds"]
    found: list[Mark] = []
    for row in rows:
        found += _band_row(row, unit, settings)
    names = [r.optimizer for r in rows]
    height = 2.4 + 0.55 * len(rows)
    key = [
        KeyEntry(
            "reached the target", Look("#595959", width=2, opacity=0.45), "line", marks="reached:"
        ),
        KeyEntry(
            f"band: within {BAND_MARGIN:g}x of best",
            Look("#595959", width=9),
            "line",
            marks="band:",
        ),
        KeyEntry("best rate", Look("#595959", symbol="star", size=12, edge="black")),
    ]
    return Chart(
        style.title(study, style.BANDS_TITLE),
        style.subtitle(settings, len(runs)),
        [Panel(found, marks.rate_axis(settings), Axis(categories=names, grid=False))],
        size=(12.0, height),
        key=key,
        right_column=True,
        key_below=True,
        footnote=(
            f'A band resting on fewer than {MIN_BAND_RATES} rates is marked "thin": one or two '
            "rates say where the target was reached, not how far either side of them it would be."
        ),
    )


def _band_row(row: BandRow, unit: str, settings: StudySettings) -> list[Mark]:
    name, colour = row.optimizer, style.colour(row.optimizer)
    if row.reached_range is None or row.band is None or row.best_rate is None:
        middle = math.sqrt(settings.lr_min * settings.lr_max)
        return [Text(middle, name, style.never_reached(row.trials), colour="#737373")]
    low, high = row.band
    thin = f" (thin: {row.band_rates} rate{'s' if row.band_rates != 1 else ''})" if row.thin else ""
    band_text = style.span(low, high)
    summary = f"{row.best_rate:.3g} ({row.best_value:.4g} {unit})\n{band_text}{thin}"
    # Two lines per optimizer alike in shape: the rates that reached (thin) and its band (thick).
    return [
        Line(
            row.reached_range,
            [name, name],
            Look(colour, width=2, opacity=0.45),
            group=name,
            tag=f"reached:{name}",
        ),
        Line(
            row.band,
            [name, name],
            Look(colour, width=11, opacity=0.85),
            group=name,
            tag=f"band:{name}",
        ),
        # Over the band and taller than it (and than the star), so none is hidden.
        Points(
            row.reached_rates,
            [name] * len(row.reached_rates),
            Look(colour, symbol="tick", size=TICK_SIZE),
            group=name,
            hover=[f"{name} reached the target at lr {r:.3g}" for r in row.reached_rates],
            tag=f"reached-rates:{name}",
        ),
        Points(
            [row.best_rate],
            [name],
            Look(colour, symbol="star", size=15, edge="black"),
            group=name,
            hover=(
                f"{name}: best lr {row.best_rate:.3g} ({row.best_value:.4g} {unit})\n"
                f"band {band_text}{thin}\nreached at {row.reached_trials} of {row.trials} runs"
            ),
        ),
        Text(None, name, summary),
    ]
