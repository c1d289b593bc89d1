"""summary.md of a scale study: each size's best rate, how that rate moves with size, and
the c + k·x lines of the time to the target, the same numbers `autolr scale` prints."""

from __future__ import annotations

from collections.abc import Sequence

from autolr.answers.sizefit import CONFIDENCE
from autolr.config import describe_goal
from autolr.report import style
from autolr.report.scale.data import MILLION, RateSeries, ScaleInputs, TimeSeries
from autolr.report.scale.rate_figure import two_places
from autolr.report.summary import FigureEntry, figure_section


def render(inputs: ScaleInputs, figures: Sequence[FigureEntry]) -> str:
    parts = [
        f"# Scale study `{inputs.study}`: the best rate and the time to target vs model size\n",
        _setup(inputs),
        "## Each size's best rate\n",
        _best_table(inputs),
        "## How the best rate moves with size\n",
        _slope_table(inputs.rates),
        f"Fit of log10(best rate) against log10(weights) through the rates each size's "
        f"search could not tell apart; {CONFIDENCE:.0%} bootstrap interval. An interval "
        "that holds 0 means the sizes measured cannot tell the best rate from one that "
        "stays put.\n",
        "## Time to target = c + k·x, at each size's best rate\n",
        _line_table(inputs.by_scale, inputs.by_weights),
        "c is the time that does not grow with the model (held at 0 when the free fit put "
        "it below), k the time per unit of size. Below 4 sizes no R² is given: through 2 "
        "points any line is exact, and 3 leave a single degree of freedom.\n",
        figure_section(figures),
    ]
    return "\n".join(p for p in parts if p)


def _setup(inputs: ScaleInputs) -> str:
    settings = inputs.settings
    source = f"study `{settings.source}`" if settings.source else "its source study"
    scales = ", ".join(style.scale_label(s) for s in inputs.weights)
    return (
        f"Follows up {source}: {settings.model.factory or 'the reference CNN'} at "
        f"{len(inputs.weights)} sizes ({scales}), each with a search over "
        f"{', '.join(inputs.best)} at a window of rates, trained to "
        f"{describe_goal(settings.train)} (batch {settings.train.batch_size}, "
        f"budget {settings.train.describe_budget()} per run); {len(inputs.runs)} finished "
        "runs.\n"
    )


def _best_table(inputs: ScaleInputs) -> str:
    lines = [
        "| optimizer | scale | weights | best rate | band | steps | seconds | rates tried |",
        "|---|---|---:|---:|---|---:|---:|---|",
    ]
    for optimizer, sizes in inputs.best.items():
        for b in sizes:
            edge = f" (reaches the {' and '.join(b.at_edge)} end)" if b.at_edge else ""
            band = f"{b.band[0]:.3g} .. {b.band[1]:.3g}" if b.band else "-"
            lines.append(
                f"| {optimizer} | {style.scale_label(b.scale)} | {b.weights:,} | "
                f"{'-' if b.learning_rate is None else f'{b.learning_rate:.3g}'} | "
                f"{band}{edge} | {'-' if b.steps is None else b.steps} | "
                f"{'-' if b.seconds is None else f'{b.seconds:.3g}'} | "
                f"{b.tried[0]:.3g} .. {b.tried[-1]:.3g} ({len(b.tried)}) |"
            )
    return "\n".join(lines) + "\n"


def _slope_table(rates: Sequence[RateSeries]) -> str:
    lines = [
        "| optimizer | sizes | slope per decade of weights | interval | verdict |",
        "|---|---:|---:|---|---|",
    ]
    for r in rates:
        if r.fit is None:
            lines.append(f"| {r.optimizer} | {len(r.sizes)} | - | - | reached at < 2 sizes |")
            continue
        low, high = r.fit.slope_interval
        verdict = "holds 0: no measurable drift" if r.fit.transfers else "excludes 0: drifts"
        caveat = f"; {r.fit.caveat()}" if r.fit.caveat() else ""
        lines.append(
            f"| {r.optimizer} | {len(r.fit.sizes)} | {two_places(r.fit.slope)} | "
            f"{two_places(low)} .. {two_places(high)} | {verdict}{caveat} |"
        )
    return "\n".join(lines) + "\n"


def _line_table(by_scale: Sequence[TimeSeries], by_weights: Sequence[TimeSeries]) -> str:
    lines = [
        "| optimizer | against | c (s) | k | fit |",
        "|---|---|---:|---:|---|",
    ]
    for s in [*by_scale, *by_weights]:
        if s.line is None:
            lines.append(f"| {s.optimizer} | {s.axis} | - | - | reached at < 2 sizes |")
            continue
        k = (
            f"{s.line.k * MILLION:.3g} s per M weights"
            if s.axis == "weights"
            else f"{s.line.k:.3g} s per x1"
        )
        note = f"; {s.line.c_note()}" if s.line.c_note() else ""
        lines.append(
            f"| {s.optimizer} | {s.axis} | {s.line.c:.3g} | {k} | {s.line.quality()}{note} |"
        )
    return "\n".join(lines) + "\n"
