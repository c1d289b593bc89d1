"""How a trace study is reported: read its runs once, one figure, and the summary."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

import optuna

from autolr.report import style
from autolr.report.data import ReportError
from autolr.report.kinds import FigureSpec, ReportKind
from autolr.report.summary import FigureEntry
from autolr.report.trace import figure, summary
from autolr.report.trace.data import Measure, TraceRun, measure, trace_runs
from autolr.settings import StudySettings
from autolr.store.stored import stored_settings


@dataclass(frozen=True)
class TraceInputs:
    study: str
    settings: StudySettings
    runs: tuple[TraceRun, ...]
    drawn: Measure

    @property
    def title(self) -> str:
        return style.title(self.study, style.TRACE_TITLE)

    @property
    def subtitle(self) -> str:
        source = f"trace of {self.settings.source}" if self.settings.source else "trace"
        return style.target_subtitle(
            self.settings,
            self.settings.model.describe(),
            f"{source}, {self.settings.train.max_steps} steps per optimizer",
        )


def read(study: optuna.Study) -> TraceInputs:
    """The trace's finished runs, or a one-line ReportError if none has finished."""
    settings = stored_settings(study)
    drawn = measure(settings.train.goal)
    runs = tuple(trace_runs(study.get_trials(deepcopy=False), settings.optimizers, drawn))
    if not runs:
        source = settings.source or "SOURCE"
        raise ReportError(
            f"trace study {study.study_name!r} has no finished run yet: let "
            f"`autolr trace --study {shlex.quote(source)}` run"
        )
    return TraceInputs(study.study_name, settings, runs, drawn)


def _no_history(inputs: TraceInputs) -> str | None:
    if any(len(r.training) for r in inputs.runs):
        return None
    return "no run recorded a check"


def _summary(inputs: TraceInputs, entries: Sequence[FigureEntry]) -> str:
    return summary.render(inputs.study, inputs.settings, inputs.runs, entries)


FIGURES: tuple[FigureSpec[TraceInputs], ...] = (
    FigureSpec(
        "accuracy_over_time",
        "Accuracy over training time",
        "Validation accuracy (left; the 2018 study's figure 4) and training accuracy "
        "(right; for a study judged by a loss, that loss on a log scale) against training "
        "time, one line per optimizer at its best rate. The dashed line is the target, on "
        "the panel of the metric the runs were judged by; the key marks the check at which "
        "a run first reached it, where one did.",
        _no_history,
        lambda i: figure.accuracy_figure(i.runs, i.settings, i.title, i.subtitle, i.drawn),
    ),
)

TRACE_REPORT = ReportKind(read=read, figures=FIGURES, summary=_summary, answer=lambda i: None)
