"""autolr's view of a study inside optuna-dashboard: the report's figures as the study's
plotly graphs, and a note with `autolr best`'s answer and how to read the values.

`autolr report` publishes with the files it writes; `tune` and `find` publish when a
study completes, so the dashboard shows autolr's view without a report. Read-only
commands (best, studies, dashboard) never publish.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import optuna
import plotly.graph_objects as go
from optuna.trial import TrialState

from autolr.answers import dashboard
from autolr.answers.pbt_results import PBTRecommendation
from autolr.answers.results import Recommendation, best_reached
from autolr.report import style, to_html
from autolr.report.build import ReportResult, interactive, kind_of
from autolr.report.data import ReportError
from autolr.report.kinds import Answer, Skipped
from autolr.report.summary import follow_up_text, thin_note
from autolr.search.ties import TIE_SPAN, whole_steps
from autolr.settings import FIND, StudySettings
from autolr.store.stored import stored_settings

# optuna-dashboard 0.21 draws a study's saved plotly graphs on the page its menu calls
# History (the study's first page), under the history and timeline plots.
FIGURES_PAGE = "History"


def publish(study: optuna.Study, result: ReportResult | None = None) -> list[str]:
    """Save the figures and the note; returns the names of the figures saved. Without a
    `result` the figures are drawn here (no files are written)."""
    settings = stored_settings(study)
    dashboard.label(study, settings)
    if result is None:
        result = _draw(study)
    graphs = [(name, to_html.compact(fig)) for name, fig in result.graphs]
    drawn_before = _drawn_before(study)
    for skipped in result.skipped:  # replace a figure an earlier report saved, only
        if skipped.figure in drawn_before:
            graphs.append((skipped.figure, _placeholder(skipped.figure, skipped.reason)))
    text = note(study, settings, result.recommendation)
    dashboard.publish(study, graphs, text + "\n\n" + _figures(study, result))
    return [name for name, _ in result.graphs]


def _figures(study: optuna.Study, result: ReportResult) -> str:
    """Each figure's caption and footnote: the dashboard's cards have no room for them."""
    specs = {spec.name: spec for spec in kind_of(study).figures}
    lines = [f"### autolr's figures (on the study's {FIGURES_PAGE} page, below its own charts)", ""]
    for name, fig in result.graphs:
        spec = specs[name]
        lines.append(f"- **{spec.title}.** {spec.caption} {to_html.footnote(fig)}".rstrip())
    for skipped in result.skipped:
        lines.append(f"- **{specs[skipped.figure].title}:** not drawn ({skipped.reason}).")
    return "\n".join(lines)


def _drawn_before(study: optuna.Study) -> set[str]:
    """The figures autolr saved to the study before (its note lists them, `_figures`): a
    figure the study no longer supports replaces those; one never drawn gets no card."""
    before = dashboard.current_note(study)
    return {spec.name for spec in kind_of(study).figures if f"- **{spec.title}.** " in before}


def _draw(study: optuna.Study) -> ReportResult:
    kind = kind_of(study)
    inputs = kind.read(study)
    graphs: list[tuple[str, go.Figure]] = []
    skipped: list[Skipped] = []
    for spec in kind.figures:
        reason = spec.missing(inputs)
        if reason is None:
            graphs.append((spec.name, interactive(spec, inputs)))
        else:
            skipped.append(Skipped(spec.name, reason))
    answer = kind.answer(inputs)
    return ReportResult(Path(), (), tuple(skipped), answer, kind.bands(inputs), tuple(graphs))


def publish_quietly(study: optuna.Study) -> str | None:
    """`publish` for commands whose job is something else (tune, find): a study too small
    for a report gets no figures, and says why instead of failing the command."""
    try:
        publish(study)
    except ReportError as exc:
        return str(exc)
    return None


def _placeholder(name: str, reason: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title={"text": f"<b>{name}</b>: not drawn ({reason})"},
        template="plotly_white",
        xaxis={"visible": False},
        yaxis={"visible": False},
        height=160,
    )
    return fig


def note(study: optuna.Study, settings: StudySettings, answer: Answer) -> str:
    """The study note: the answer, then how the dashboard's values read."""
    trials = study.get_trials(deepcopy=False)
    parts = [_answer(answer, settings, trials), _reading(settings, trials)]
    return "\n\n".join(p for p in parts if p)


def _answer(answer: Answer, settings: StudySettings, trials: Sequence[Any]) -> str:
    unit = "steps" if settings.objective == "steps" else "s"
    if isinstance(answer, Recommendation):
        number = _best_trial(trials)
        low, high = answer.band
        band = style.span(low, high)
        rows = [
            "| optimizer | best rate | " + unit + " | band | reached / finished |",
            "|---|---:|---:|---|---:|",
        ]
        for name, r in answer.per_optimizer.items():
            span = "-" if r.band is None else style.span(*r.band)
            rows.append(
                f"| {name} | {'-' if r.learning_rate is None else f'{r.learning_rate:.3g}'} | "
                f"{'-' if r.value is None else f'{r.value:.4g}'} | {span}"
                f"{' (thin)' if r.thin_band else ''} | {r.reached_trials} / {r.trials} |"
            )
        return (
            f"## autolr best: {answer.optimizer} at learning rate {answer.learning_rate:.3g}\n\n"
            f"{answer.value:.4g} {unit} to {answer.goal or f'{answer.target:g} accuracy'}"
            f"{number}, batch size {answer.batch_size}. "
            f"Rates that work, within {answer.margin:g}x of the best: {band}"
            f"{thin_note(answer.band_rates) if answer.thin_band else ''}.\n\n"
            + follow_up_text(answer)
            + _card_differs(answer)
            + "\n".join(rows)
        )
    if isinstance(answer, PBTRecommendation):
        return _pbt_answer(answer, trials, unit)
    if settings.sampler == "pbt":
        return (
            "## autolr best: no answer yet\n\nNo member has reached the target. The Best "
            f"Trial card shows the member-interval with the lowest value: above "
            f"{settings.train.max_steps}, so it did not reach either."
        )
    if settings.sampler in ("grid", "tpe", "random"):
        return "## autolr best: no answer yet\n\nNo run has reached the target."
    return (
        f"## A {settings.sampler} study\n\n"
        f"It follows up {settings.source or 'another study'} and gives no answer of its own: "
        "its Best Trial card is only the lowest value below."
    )


def _card_differs(answer: Recommendation) -> str:
    """When optimizers tie, the Best Trial card shows the single fastest run, which may
    not be the recommendation: say so, and why."""
    if len(answer.tied) < 2 or answer.fastest_trial is None:
        return ""
    return (
        f"The Best Trial card shows the single fastest run (trial {answer.fastest_trial}); "
        f"{', '.join(answer.tied)} tie within the noise of the seeds, and autolr "
        f"recommends {answer.optimizer} for its wider band.\n\n"
    )


def _pbt_answer(answer: PBTRecommendation, trials: Sequence[Any], unit: str) -> str:
    """The winning lineage, its constant rate and band; its last interval is the trial
    the Best Trial card shows (the lowest value of any complete trial)."""
    number = _best_trial(trials, answer.schedule[-1].trial)
    band = style.span(*answer.band)
    return (
        f"## autolr best: {answer.optimizer} at learning rate {answer.learning_rate:.3g}\n\n"
        f"The fastest lineage of generation {answer.generation}, the first in which any "
        f"member reached {answer.goal or f'{answer.target:g} accuracy'} "
        f"({answer.reached_members} did), took {answer.value:.4g} lineage {unit}{number}, "
        "its last interval. The constant rate is the step-weighted "
        f"geometric mean of its rates; the lineage figure shows its schedule. Rates that "
        f"work ({answer.band_source()}): {band}"
        f"{thin_note(answer.band_rates) if answer.thin_band else ''}. "
        f"{answer.at_chance} member-interval(s) ended early at chance, {answer.diverged} "
        "diverged."
    )


def _best_trial(trials: Sequence[Any], answer: int | None = None) -> str:
    """Which trial is the answer (`answer`, or the best that reached), and whether the
    dashboard's Best Trial card agrees (it does, except for values stored before autolr's
    tie-break, and the time objective)."""
    by_number = {t.number: t for t in trials}
    best = best_reached(trials) if answer is None else by_number.get(answer)
    if best is None:
        return ""
    complete = [t for t in trials if t.state == TrialState.COMPLETE and t.value is not None]
    card = min(complete, key=lambda t: t.value)
    if card.number == best.number:
        return f" (trial {best.number}, the dashboard's Best Trial)"
    if card.value == best.value:
        why = "which needed as many steps: this study's values predate autolr's tie-break"
    else:  # the time objective: a run that missed at a fast pace can be worth fewer seconds
        why = "which did not reach the target but is worth fewer seconds"
    return f" (trial {best.number}; the Best Trial card shows trial {card.number}, {why})"


def _reading(settings: StudySettings, trials: Sequence[Any]) -> str:
    if settings.sampler == FIND:
        return (
            "**Reading the values.** Each trial is one optimizer's range test; its value is "
            "the lowest moving average of the loss, its intermediate values the loss at each "
            "step (the rate rises each step). The band and suggestion are in its attributes."
        )
    budget = settings.train.max_steps
    if settings.objective == "time":
        return (
            "**Reading the values.** Seconds to the target for a run that reached it; for a "
            f"run that stopped short, ({budget} + its projected steps) times its seconds per "
            "step, and 10x the budget for a diverged run (autolr/search/progress.py)."
        )
    return (
        f"**Reading the values.** A run that reached the target is worth its steps (at most "
        f"{budget}).{_fraction(trials)} A run that stopped short is worth {budget} + its "
        f"projected steps (at most 9 x {budget}), a diverged one 10 x {budget}; a pruned run "
        "keeps the value it had when it was stopped. Intermediate values are the same "
        "value at each check, had the run stopped there."
    )


def _fraction(trials: Sequence[Any]) -> str:
    """How to read a value that carries the tie-break (ties.py), with one of this study's
    own as the example; nothing when no value carries one."""
    example = min(
        (
            t
            for t in trials
            if t.user_attrs.get("reached")
            and t.value is not None
            and t.value != whole_steps(t.value)
        ),
        key=lambda t: t.value,
        default=None,
    )
    if example is None:
        return ""
    value, steps = example.value, whole_steps(example.value)
    return (
        f" Its digits after the point are not steps: read {value!r} (trial "
        f"{example.number}) as {steps:.0f} steps. The fraction, always under "
        f"{TIE_SPAN:g}, only orders runs that reached the target at the same check, as "
        "`autolr best` does: a smaller fraction cleared the target by more, or, as far, at "
        "a lower rate. So the Best Trial card is autolr's answer."
    )
