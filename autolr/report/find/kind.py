"""How a range-test study (NAME-find) is reported: one figure and a summary table."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

import optuna

from autolr.report import style
from autolr.report.data import ReportError
from autolr.report.find import figure
from autolr.report.find.data import FindCurve, find_curves
from autolr.report.kinds import FigureSpec, ReportKind, always
from autolr.report.summary import FigureEntry, figure_section
from autolr.search import lr_range
from autolr.settings import StudySettings
from autolr.store.stored import stored_settings

FIND_TITLE = "learning-rate range test"


@dataclass(frozen=True)
class FindInputs:
    study: str
    settings: StudySettings
    curves: tuple[FindCurve, ...]

    @property
    def title(self) -> str:
        return style.title(self.study, FIND_TITLE)

    @property
    def subtitle(self) -> str:
        s = self.settings
        return (
            f"{s.model.describe()}, batch {s.train.batch_size}: rate rising from "
            f"{s.lr_min:g} to {s.lr_max:g} over {s.find_steps} steps, one run per optimizer"
        )

    @property
    def note(self) -> str:
        return (
            "Band: [r/10, 3r], r where the moving average is lowest (less its lag); "
            "suggestion: r (Adam's family, RMSProp: r/4). A test stops at "
            f"{lr_range.DIVERGENCE_FACTOR:g}x its lowest average."
        )


def read(study: optuna.Study) -> FindInputs:
    settings = stored_settings(study)
    curves = tuple(find_curves(study.get_trials(deepcopy=False), settings))
    if not curves:
        raise ReportError(
            f"range-test study {study.study_name!r} has no finished test yet: let "
            f"`autolr find --study {shlex.quote(settings.source or 'STUDY')}` run"
        )
    return FindInputs(study.study_name, settings, curves)


def _summary(inputs: FindInputs, entries: Sequence[FigureEntry]) -> str:
    lines = [
        f"# {inputs.title}",
        "",
        inputs.subtitle + ".",
        "",
        "| optimizer | suggestion | band | steps | verdict |",
        "|---|---|---|---|---|",
    ]
    for c in inputs.curves:
        v = c.verdict
        band = f"{v.band[0]:.3g} .. {v.band[1]:.3g}" if v.band else "-"
        suggestion = f"{v.suggestion:.3g}" if v.suggestion is not None else "-"
        lines.append(f"| {c.optimizer} | {suggestion} | {band} | {c.steps} | {v.reason} |")
    lines += ["", inputs.note, "", figure_section(entries)]
    return "\n".join(lines) + "\n"


FIGURES: tuple[FigureSpec[FindInputs], ...] = (
    FigureSpec(
        "range_test",
        "Loss against learning rate",
        "Training loss while the learning rate rises one step at a time, per optimizer: "
        "thin lines are per-step losses, thick lines their moving average. The row below "
        "gives each optimizer's band (widened 3x each way, where `autolr tune` searches) "
        "and suggested rate, or says it has no usable valley.",
        always,
        lambda i: figure.loss_figure(i.curves, i.title, i.subtitle, i.note),
    ),
)

FIND_REPORT = ReportKind(read=read, figures=FIGURES, summary=_summary, answer=lambda i: None)
