"""summary.md of a scale study: the c + k*n fit per rate and the fastest rate per size,
the same numbers `autolr scale` prints (both from `autolr.study.scaling`)."""

from __future__ import annotations

from collections.abc import Sequence

from autolr.report import style
from autolr.report.scale.data import MILLION, RateSeries, SizeSeries
from autolr.report.summary import FigureEntry, figure_section
from autolr.study.settings import StudySettings


def render(
    study: str,
    settings: StudySettings,
    rates: Sequence[RateSeries],
    sizes: Sequence[SizeSeries],
    figures: Sequence[FigureEntry],
) -> str:
    parts = [
        f"# Scale study `{study}`: training time vs model size\n",
        _setup(settings, rates, sizes),
        "## Time to target = c + k·n, per learning rate\n",
        _fit_table(rates),
        "n is the weight count; c the seconds that do not grow with the model, k the "
        "seconds per million weights, R² the share of the variance the line explains.\n",
        "## Fastest learning rate at each model size\n",
        _fastest_table(sizes),
        _carries_over(sizes),
        figure_section(figures),
    ]
    return "\n".join(p for p in parts if p)


def _setup(
    settings: StudySettings, rates: Sequence[RateSeries], sizes: Sequence[SizeSeries]
) -> str:
    source = f"study `{settings.source}`" if settings.source else "its source study"
    runs = sum(len(r.scales) for r in rates)
    return (
        f"Follows up {source}: the reference CNN at {len(sizes)} sizes "
        f"({', '.join(style.scale_label(s.scale) for s in sizes)}) trained with "
        f"{settings.optimizers[0]} at {len(rates)} learning rates to "
        f"{settings.train.target:g} training accuracy ({settings.train.metric} metric, "
        f"budget {settings.train.describe_budget()} per run); {runs} finished runs.\n"
    )


def _fit_table(rates: Sequence[RateSeries]) -> str:
    lines = [
        "| learning rate | c (s) | k (s per million weights) | R² | reached / finished |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rates:
        counts = f"{sum(r.reached)} / {len(r.reached)}"
        if r.fit is None:
            lines.append(f"| {r.learning_rate:.3g} | - | - | - | {counts} |")
            continue
        lines.append(
            f"| {r.learning_rate:.3g} | {r.fit.c:.3g} | {r.fit.k * MILLION:.3g} | "
            f"{r.fit.r2:.3f} | {counts} |"
        )
    return "\n".join(lines) + "\n"


def _fastest_table(sizes: Sequence[SizeSeries]) -> str:
    lines = [
        "| scale | weights | fastest learning rate | seconds to target "
        "| rates with the fewest steps | rates that reached |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for s in sizes:
        reached = sum(step is not None for step in s.steps)
        seconds = s.fastest_seconds
        tied = s.tied()
        fewest = min((step for step in s.steps if step is not None), default=None)
        lines.append(
            f"| {style.scale_label(s.scale)} | {s.weights:,} | "
            f"{'-' if s.fastest is None else f'{s.fastest:.3g}'} | "
            f"{'-' if seconds is None else f'{seconds:.3g}'} | "
            f"{', '.join(f'{r:.3g}' for r in tied) or '-'}"
            f"{'' if fewest is None else f' ({fewest} steps)'} | "
            f"{reached} / {len(s.learning_rates)} |"
        )
    return "\n".join(lines) + "\n"


def _carries_over(sizes: Sequence[SizeSeries]) -> str:
    """Whether the rate found at one size is the rate at every size (the 2018 study's
    finding), counting rates tied on steps as equally fast."""
    ties = [set(s.tied()) for s in sizes if s.tied()]
    if len(ties) < 2:
        return ""
    common = set.intersection(*ties)
    if common:
        rates = ", ".join(f"{r:.3g}" for r in sorted(common))
        return (
            f"Rate(s) {rates} reached the target in the fewest steps at every size: the "
            "rate carries over as the model grows.\n"
        )
    return "No one rate was among the fastest at every size.\n"
