"""How a PBT study is reported: its member-intervals and answer read once, the lineage
figure, and the summary. A study with no winner yet still gets both."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

import optuna

from autolr.answers.pbt_results import PBTRecommendation, recommend_pbt
from autolr.answers.results import NoResultError
from autolr.report import style
from autolr.report.data import ReportError
from autolr.report.kinds import FigureSpec, ReportKind, always
from autolr.report.pbt import figure, summary
from autolr.report.pbt.data import Segment, segments
from autolr.report.summary import FigureEntry
from autolr.settings import StudySettings
from autolr.store.stored import stored_settings


@dataclass(frozen=True)
class PBTInputs:
    study: str
    settings: StudySettings
    segments: tuple[Segment, ...]  # every finished member-interval
    recommendation: PBTRecommendation | None  # None: no member reached the target yet
    winner: tuple[Segment, ...]  # the winning lineage, first interval first

    @property
    def title(self) -> str:
        return style.title(self.study, style.PBT_TITLE)

    @property
    def subtitle(self) -> str:
        p = self.settings.pbt
        return style.target_subtitle(
            self.settings,
            self.settings.model.describe(),
            f"population {p.population}, exploit every {p.interval} steps · "
            f"{len(self.segments)} member-intervals",
        )


def read(study: optuna.Study) -> PBTInputs:
    """The study's intervals and answer, or a one-line ReportError if none has finished."""
    name = study.study_name
    settings = stored_settings(study)
    trials = study.get_trials(deepcopy=False)
    found = tuple(segments(trials, settings.train.goal))
    if not found:
        raise ReportError(
            f"PBT study {name!r} has no finished member-interval yet: let "
            f"`autolr tune --study {shlex.quote(name)}` run longer"
        )
    try:
        rec: PBTRecommendation | None = recommend_pbt(name, settings, trials)
    except NoResultError:
        rec = None  # the summary says so; the population's paths are still worth a look
    by_trial = {s.trial: s for s in found}
    winner = () if rec is None else tuple(by_trial[i.trial] for i in rec.schedule)
    return PBTInputs(name, settings, found, rec, winner)


def _summary(inputs: PBTInputs, entries: Sequence[FigureEntry]) -> str:
    return summary.render(
        inputs.study, inputs.settings, inputs.segments, inputs.recommendation, entries
    )


FIGURES: tuple[FigureSpec[PBTInputs], ...] = (
    FigureSpec(
        "lineages",
        "Learning rate and the study's metric of each member",
        "Every member's learning rate (left, log scale) and the study's metric (right: an "
        "accuracy on a log scale of 1 - accuracy, so the region where members compete is "
        "readable; a loss on a log scale) "
        "against the steps its weights have trained: a colour per member, a line style per "
        "optimizer. The key says what else is drawn: exploits (a dotted link from donor to "
        "receiver, and whether the copy perturbed the rate or resampled optimizer and "
        "rate), intervals that diverged or sat at chance (ended early after their first "
        "checks, or too short to end early; both are replaced at the next exploit), and "
        "the fastest lineage of the first generation in which any member reached the "
        "target, whose schedule is the study's answer.",
        always,
        lambda i: figure.lineage_figure(i.segments, i.winner, i.settings, i.title, i.subtitle),
    ),
)

PBT_REPORT = ReportKind(
    read=read, figures=FIGURES, summary=_summary, answer=lambda i: i.recommendation
)
