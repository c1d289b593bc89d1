"""How a scale study is reported: its sizes read once, four figures, the summary."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

import optuna

from autolr.answers.scaling import best_by_size, scale_runs
from autolr.report import style
from autolr.report.data import ReportError
from autolr.report.kinds import FigureSpec, ReportKind
from autolr.report.scale import figure, rate_figure, summary
from autolr.report.scale.data import (
    RATE_TITLE,
    SEARCH_TITLE,
    TIME_TITLES,
    ScaleInputs,
    by_size,
    rate_series,
    sizes,
    time_series,
)
from autolr.report.summary import FigureEntry
from autolr.store.stored import stored_settings

RATE_AXIS = "weights"  # the report fits the rate against the weight count, for any model


def read(study: optuna.Study) -> ScaleInputs:
    """The study's sizes, fits and runs, or a one-line ReportError if none ran."""
    settings = stored_settings(study)
    trials = study.get_trials(deepcopy=False)
    runs = scale_runs(trials)
    if not runs:
        source = settings.source or "SOURCE"
        raise ReportError(
            f"scale study {study.study_name!r} has no finished run yet: let "
            f"`autolr scale --study {shlex.quote(source)}` run"
        )
    best = best_by_size(trials)
    first = next(iter(best))
    return ScaleInputs(
        study.study_name,
        settings,
        tuple(runs),
        best,
        tuple(time_series(best, "scale")),
        tuple(time_series(best, "weights")),
        tuple(rate_series(best, RATE_AXIS)),
        tuple(by_size(runs, best[first], "steps" if settings.objective == "steps" else "seconds")),
        sizes(best),
    )


def _no_line(inputs: ScaleInputs) -> str | None:
    if any(s.line is not None for s in inputs.by_weights):
        return None
    return "no optimizer reached the target at two or more model sizes: no line to fit"


def _no_rate_fit(inputs: ScaleInputs) -> str | None:
    if any(s.fit is not None for s in inputs.rates):
        return None
    return "no optimizer reached the target at two or more model sizes: no rate to follow"


def _no_comparison(inputs: ScaleInputs) -> str | None:
    if all(len(s.learning_rates) < 2 for s in inputs.sizes):
        return "only one learning rate was tried at each size (give `autolr scale` more --lrs)"
    if all(s.fastest is None for s in inputs.sizes):
        return "no run reached the target"
    return None


def _summary(inputs: ScaleInputs, entries: Sequence[FigureEntry]) -> str:
    return summary.render(inputs, entries)


def _title(inputs: ScaleInputs, what: str) -> str:
    return style.title(inputs.study, what)


def _search_title(inputs: ScaleInputs) -> str:
    return _title(inputs, f"{SEARCH_TITLE} ({next(iter(inputs.best))})")


FIGURES: tuple[FigureSpec[ScaleInputs], ...] = (
    FigureSpec(
        "rate_vs_size",
        "Best learning rate vs model size",
        "Each size's best rate (marker) and the rates its search could not tell apart "
        "(bar), a colour per optimizer, with the fit log(rate) = a + b·log(weights) and its "
        "95% bootstrap interval (shaded). A slope whose interval holds 0 means the rate "
        "found on one size serves the others. `autolr best --for-scale S --figure DIR` "
        "draws it with the size asked about.",
        _no_rate_fit,
        lambda i: rate_figure.rate_vs_size(i.rates, None, _title(i, RATE_TITLE), i.subtitle()),
    ),
    FigureSpec(
        "time_vs_scale",
        "Training time to target vs the scale factor (the 2018 study's axis)",
        "Seconds to the target at each size's best rate against the scale factor, as the "
        "2018 study drew it (weight counts along the top), with the line c + k·scale: solid "
        "over the sizes measured, dashed back to 0; the key says what else is drawn (its "
        "95% bootstrap interval, from 3 sizes; sizes where no rate reached the target).",
        _no_line,
        lambda i: figure.time_vs_size(
            i.by_scale, i.weights, _title(i, TIME_TITLES["scale"]), i.subtitle()
        ),
    ),
    FigureSpec(
        "time_vs_weights",
        "Training time to target vs the weight count",
        "The same runs against the weight count n, with the line c + k·n: c is the cost "
        "that does not grow with the model (held at 0 if the free fit made it negative), k "
        "the cost per weight. Below 4 sizes no R² is given.",
        _no_line,
        lambda i: figure.time_vs_size(
            i.by_weights, i.weights, _title(i, TIME_TITLES["weights"]), i.subtitle()
        ),
    ),
    FigureSpec(
        "time_vs_rate",
        "Each size's search",
        "Steps (or seconds) to the target against the learning rate for the first "
        "optimizer, a line per model size; the star is that size's best rate. Stars at "
        "one rate mean the rate found on the small model carries over to the large one.",
        _no_comparison,
        lambda i: figure.time_vs_rate(i.sizes, _search_title(i), i.subtitle()),
    ),
)

SCALE_REPORT = ReportKind(read=read, figures=FIGURES, summary=_summary, answer=lambda i: None)
