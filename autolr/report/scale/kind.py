"""How a scale study is reported: its runs and fits read once, two figures, the summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import optuna

from autolr.report import style
from autolr.report.data import ReportError
from autolr.report.kinds import FigureSpec, ReportKind
from autolr.report.scale import interactive, static, summary
from autolr.report.scale.data import RateSeries, SizeSeries, by_rate, by_size, sizes
from autolr.report.summary import FigureEntry
from autolr.study.catalog import stored_settings
from autolr.study.scaling import ScaleRun, fastest_rate_by_scale, fits_by_rate, scale_runs
from autolr.study.settings import StudySettings


@dataclass(frozen=True)
class ScaleInputs:
    study: str
    settings: StudySettings
    runs: tuple[ScaleRun, ...]
    rates: tuple[RateSeries, ...]  # with each rate's c + k*n fit
    sizes: tuple[SizeSeries, ...]  # with each size's fastest rate
    weights: dict[float, int]  # per scale

    def subtitle(self) -> str:
        scales = ", ".join(style.scale_label(s) for s in self.weights)
        return style.target_subtitle(
            self.settings,
            f"reference CNN at {scales}",
            f"{self.settings.optimizers[0]} · {len(self.runs)} finished runs",
        )


def read(study: optuna.Study) -> ScaleInputs:
    """The study's runs, fits and fastest rates, or a one-line ReportError if none ran."""
    settings = stored_settings(study)
    runs = scale_runs(study.get_trials(deepcopy=False))
    if not runs:
        source = settings.source or "SOURCE"
        raise ReportError(
            f"scale study {study.study_name!r} has no finished run yet: let "
            f"`autolr scale --study {source}` run"
        )
    return ScaleInputs(
        study.study_name,
        settings,
        tuple(runs),
        tuple(by_rate(runs, fits_by_rate(runs))),
        tuple(by_size(runs, fastest_rate_by_scale(runs))),
        sizes(runs),
    )


def _no_fit(inputs: ScaleInputs) -> str | None:
    if any(s.fit is not None for s in inputs.rates):
        return None
    return "no learning rate reached the target at two or more model sizes: no line to fit"


def _no_comparison(inputs: ScaleInputs) -> str | None:
    if len(inputs.rates) < 2:
        return "only one learning rate was tried (give `autolr scale` several --lrs)"
    if all(s.fastest is None for s in inputs.sizes):
        return "no run reached the target"
    return None


def _summary(inputs: ScaleInputs, entries: Sequence[FigureEntry]) -> str:
    return summary.render(inputs.study, inputs.settings, inputs.rates, inputs.sizes, entries)


def _title(inputs: ScaleInputs, what: str) -> str:
    return style.title(inputs.study, what)


FIGURES: tuple[FigureSpec[ScaleInputs], ...] = (
    FigureSpec(
        "time_vs_size",
        "Training time to target vs model size",
        "Seconds to the target against the model's weight count n (scale factors along "
        "the top), a colour per learning rate, with the least-squares line c + k·n through "
        "the runs that reached it: c is the cost that does not grow with the model, k the "
        "cost per weight. Open markers did not reach the target (the time they spent).",
        _no_fit,
        lambda i: static.time_vs_size_figure(
            i.rates, i.weights, _title(i, style.SCALE_TIME_TITLE), i.subtitle()
        ),
        lambda i: interactive.time_vs_size_figure(
            i.rates, i.weights, _title(i, style.SCALE_TIME_TITLE), i.subtitle()
        ),
    ),
    FigureSpec(
        "time_vs_rate",
        "Fastest learning rate at each model size",
        "Seconds to the target against the learning rate, a line per model size; the star "
        "is the fastest rate at that size. Stars at one rate mean the rate found on the "
        "small model carries over to the large one.",
        _no_comparison,
        lambda i: static.time_vs_rate_figure(
            i.sizes, _title(i, style.SCALE_RATE_TITLE), i.subtitle()
        ),
        lambda i: interactive.time_vs_rate_figure(
            i.sizes, _title(i, style.SCALE_RATE_TITLE), i.subtitle()
        ),
    ),
)

SCALE_REPORT = ReportKind(read=read, figures=FIGURES, summary=_summary, answer=lambda i: None)
