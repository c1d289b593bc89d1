"""summary.md: the study's answer in prose and tables, with the figures embedded.

Markdown so it reads well on GitHub, in an editor and pasted into a paper draft; every
number in it comes from `recommend` (via the band rows) or from the runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from autolr.answers.results import MIN_BAND_RATES, Recommendation
from autolr.config import describe_goal
from autolr.report import style
from autolr.report.bands import BandRow, common_band
from autolr.report.data import OUTCOMES, Run
from autolr.settings import StudySettings


@dataclass(frozen=True)
class FigureEntry:
    """A figure as the summary shows it: where it is, or why it is not there."""

    title: str
    caption: str
    png: str | None  # file name beside summary.md; None when skipped
    html: str | None
    skipped: str | None = None  # why the figure could not be drawn


def render(
    rec: Recommendation,
    rows: Sequence[BandRow],
    runs: Sequence[Run],
    settings: StudySettings,
    figures: Sequence[FigureEntry],
) -> str:
    unit = "steps" if settings.objective == "steps" else "s"
    parts = [
        f"# Study `{rec.study}`: optimizer and learning rate\n",
        _setup(settings, runs),
        _answer(rec, rows, unit),
        "## Success band per optimizer\n",
        _band_table(rows, "steps" if settings.objective == "steps" else "seconds", rec.margin),
        _band_notes(settings, runs, rec.margin),
        "## Outcomes per optimizer\n",
        _outcome_table(runs, settings.optimizers),
        figure_section(figures),
    ]
    return "\n".join(parts)


def _setup(settings: StudySettings, runs: Sequence[Run]) -> str:
    return (
        f"{settings.model.describe()} trained to {describe_goal(settings.train)}, batch size "
        f"{settings.train.batch_size}, budget {settings.train.describe_budget()} "
        f"per run; {settings.sampler} sampler over "
        f"{', '.join(settings.optimizers)} at learning rates {settings.lr_min:g} to "
        f"{settings.lr_max:g}; {len(runs)} finished runs; objective: {settings.objective}.\n"
    )


def _answer(rec: Recommendation, rows: Sequence[BandRow], unit: str) -> str:
    text = (
        f"**Use {rec.optimizer} at learning rate {rec.learning_rate:.3g}** "
        f"({rec.value:.4g} {unit} to the target). Its rates within {rec.margin:g}x of that: "
        f"{_span(rec.band)}{thin_note(rec.band_rates) if rec.thin_band else ''}.\n\n"
    )
    text += follow_up_text(rec)
    shared = common_band(rows)
    if shared is not None:
        text += f"Every optimizer's band contains the rates {shared[0]:.3g} to {shared[1]:.3g}.\n"
    else:
        text += (
            "No single learning rate is in every optimizer's band: the rate has to be "
            "chosen together with the optimizer.\n"
        )
    return text


def follow_up_text(rec: Recommendation) -> str:
    """What the follow-ups found: why this optimizer among those tied, how the band was
    measured, and what that cost (nothing when the study measured none)."""
    text = ""
    if rec.reason:
        text += f"Why {rec.optimizer}: {rec.reason}.\n\n"
    if rec.per_optimizer[rec.optimizer].band_measured:
        text += (
            "Its band's edges were measured on the study's grid (six rates a decade), "
            "walking out from the farthest rates known to be in it until a rate fell out "
            "of the band.\n\n"
        )
    if rec.follow_up_trials:
        text += (
            f"Measuring the band and the ties took {rec.follow_up_trials} runs, "
            f"{rec.follow_up_steps:,} steps.\n\n"
        )
    return text


def _band_table(rows: Sequence[BandRow], measure: str, margin: float) -> str:
    lines = [
        f"| optimizer | best rate | {measure} at best | band (within {margin:g}x of best) "
        "| rates that reached | reached / finished |",
        "|---|---:|---:|---|---|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.optimizer} | {_rate(r.best_rate)} | "
            f"{'-' if r.best_value is None else f'{r.best_value:.4g}'} | {_span(r.band)}"
            f"{' (thin)' if r.thin else ''} | "
            f"{_span(r.reached_range)} | {r.reached_trials} / {r.trials} |"
        )
    return "\n".join(lines) + "\n"


def _band_notes(settings: StudySettings, runs: Sequence[Run], margin: float) -> str:
    note = (
        f"The band is every rate that reached the target within {margin:g}x of its "
        "optimizer's best value (as `autolr best` reports it). A band resting on fewer "
        f"than {MIN_BAND_RATES} rates is marked thin."
    )
    if settings.prune:
        note += " " + _stops_note(settings, runs, margin)
    return note + "\n"


def _stops_note(settings: StudySettings, runs: Sequence[Run], margin: float) -> str:
    """Whether the early stops can have cost the bands: only the `slower` rule is exact
    (it stops a run past `margin` x the best run's steps: outside the band it is compared
    with, its own optimizer's in a grid, the answer's in a sampled search)."""
    stops = Counter(r.stop_reason or "another pruner" for r in runs if r.outcome == "pruned")
    if not stops:
        return "Pruning was on, but no run was stopped early: the bands are as measured."
    if set(stops) == {"slower"}:
        exact = (
            "so the bands are exact"
            if settings.sampler == "grid"
            else "so the answer's band is exact (another optimizer's band may miss rates "
            "stopped for being slower than the answer's best run)"
        )
        return (
            f"Every stopped run ({stops['slower']}) was past {margin:g}x the steps of the "
            f"best finished run (`slower`), {exact}; slow rates may be missing from "
            '"rates that reached".'
        )
    heuristic = ", ".join(f"{n} {why}" for why, n in sorted(stops.items()) if why != "slower")
    return (
        f"Runs stopped by heuristic rules ({heuristic}) might have reached the target "
        "within the margin had they gone on, so a band may be narrower than the truth "
        "(`autolr/search/pruning`; `--no-prune` measures every run to its end)."
    )


def _outcome_table(runs: Sequence[Run], optimizers: Sequence[str]) -> str:
    """Runs per optimizer and outcome; pruned runs also by the rule that stopped them."""
    counts = Counter((r.optimizer, r.outcome) for r in runs)
    lines = [
        "| optimizer | reached | diverged | out of budget | cut by time | pruned |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in optimizers:
        cells = [str(counts[name, o]) for o in OUTCOMES]
        reasons = Counter(
            r.stop_reason or "other" for r in runs if r.optimizer == name and r.outcome == "pruned"
        )
        if reasons:
            cells[-1] += " (" + ", ".join(f"{n} {why}" for why, n in sorted(reasons.items())) + ")"
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def figure_section(figures: Sequence[FigureEntry]) -> str:
    """The "Figures" section every kind of report ends with."""
    return "\n".join(["## Figures\n", *(_figure(f) for f in figures)])


def _figure(entry: FigureEntry) -> str:
    if entry.skipped is not None:
        return f"### {entry.title}\n\nNot drawn: {entry.skipped}.\n"
    text = f"### {entry.title}\n\n{entry.caption}\n"
    if entry.png is not None:
        text += f"\n![{entry.title}]({entry.png})\n"
    if entry.html is not None:
        text += f"\nInteractive version: [{entry.html}]({entry.html})\n"
    return text


def thin_note(rates: int) -> str:
    """What a band from too few rates is worth, said where the band is given."""
    return (
        f" (a thin band: {rates} rate{'' if rates == 1 else 's'} within the margin, too few "
        "to say how far it reaches; try rates either side)"
    )


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _span(span: tuple[float, float] | None) -> str:
    if span is None:
        return "-"
    low, high = span
    return style.span(low, high).removesuffix(" only")
