"""summary.md of a PBT study: the winning schedule and the one constant rate it reduces
to (both from `recommend_pbt`, as `autolr best` gives them), and what the population
did; or, before any member reached the target, how far it got."""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Sequence

from autolr.answers.pbt_results import Interval, PBTRecommendation
from autolr.config import describe_goal
from autolr.metrics import Goal
from autolr.report import style
from autolr.report.pbt.data import EXPLOITS, Segment
from autolr.report.summary import FigureEntry, figure_section, thin_note
from autolr.search.pbt import generations
from autolr.settings import StudySettings

ACTIONS = ("start", "continue", *EXPLOITS)


def render(
    study: str,
    settings: StudySettings,
    found: Sequence[Segment],
    rec: PBTRecommendation | None,
    figures: Sequence[FigureEntry],
) -> str:
    parts = [
        f"# PBT study `{study}`: a learning-rate schedule\n",
        _setup(settings, found),
        _answer(rec) if rec is not None else _no_winner(study, settings, found),
    ]
    if rec is not None:
        parts += ["## Winning schedule\n", _schedule(rec.schedule, settings.train.goal)]
    parts += [
        "## Per optimizer\n",
        _optimizers(found, settings.optimizers, settings.train.goal),
        "## What the population did\n",
        _actions(found),
        figure_section(figures),
    ]
    return "\n".join(parts)


def _setup(settings: StudySettings, found: Sequence[Segment]) -> str:
    p, train = settings.pbt, settings.train
    done = len({s.generation for s in found})
    return (
        f"{settings.model.describe()} trained to {describe_goal(train)} (batch "
        f"{train.batch_size}); a population of {p.population} members over "
        f"{', '.join(settings.optimizers)} at learning rates {settings.lr_min:g} to "
        f"{settings.lr_max:g}, the bottom {p.quantile:.0%} copying the top {p.quantile:.0%} every "
        f"{p.interval} steps, for up to {generations(settings)} generations "
        f"({train.max_steps} steps); {len(found)} member-intervals finished over {done} "
        "generation(s).\n"
    )


def _answer(rec: PBTRecommendation) -> str:
    last = rec.schedule[-1]
    unit = "steps" if rec.objective == "steps" else "seconds"
    band = style.span(*rec.band)
    thin = thin_note(rec.band_rates) if rec.thin_band else ""
    return (
        f"**Use {rec.optimizer} at learning rate {rec.learning_rate:.3g}** for a constant "
        f"rate: the step-weighted geometric mean of the schedule of the fastest lineage "
        f"({rec.value:.4g} lineage {unit}) in generation {rec.generation}, the first in which "
        f"any member reached the target ({rec.reached_members} did; the study trained that "
        f"generation to its end, so the answer does not depend on which member finished "
        f"first). Its schedule ended at {rec.final_learning_rate:.3g} after "
        f"{last.start_step + last.steps} steps; to follow it instead, use the table below.\n\n"
        f"Rates that work: {band}: {rec.band_source()}{thin}.\n"
    )


def _no_winner(study: str, settings: StudySettings, found: Sequence[Segment]) -> str:
    goal = settings.train.goal
    text = f"**No member reached {goal.describe()} yet.**"
    scored = [s for s in found if s.value is not None]
    if scored:
        best = min(scored, key=lambda s: (s.end_gap or 0.0, s.trial))
        text += (
            f" The closest so far: member {best.member} at generation "
            f"{best.generation} ({best.optimizer}, lr {best.learning_rate:.3g}), "
            f"{goal.words()} {goal.show(best.value or 0.0)} after {best.end} steps."
        )
    last = generations(settings) - 1
    if sum(s.generation == last for s in found) >= settings.pbt.population:
        return (
            text + f" The study ran all {last + 1} generations: start a new one with a larger "
            "--max-steps or --population, or a lower --target.\n"
        )
    return text + f" Let `autolr tune --study {shlex.quote(study)}` run on.\n"


def _schedule(schedule: Sequence[Interval], goal: Goal) -> str:
    lines = [
        "| generation | member | lineage steps | optimizer | learning rate | action "
        f"| {goal.words()} at end |",
        "|---:|---:|---|---|---:|---|---:|",
    ]
    for i in schedule:
        lines.append(
            f"| {i.generation} | {i.member} | {i.start_step} to {i.start_step + i.steps} | "
            f"{i.optimizer} | {i.learning_rate:.3g} | {i.action} | {goal.show(i.final_value)} |"
        )
    return "\n".join(lines) + "\n"


def _optimizers(found: Sequence[Segment], optimizers: Sequence[str], goal: Goal) -> str:
    lines = [
        f"| optimizer | intervals | rates tried | best {goal.words()} | at rate |",
        "|---|---:|---|---:|---:|",
    ]
    for name in optimizers:
        own = [s for s in found if s.optimizer == name]
        scored = [s for s in own if s.value is not None]
        if not scored:
            lines.append(f"| {name} | {len(own)} | - | - | - |")
            continue
        rates = [s.learning_rate for s in own]
        best = min(scored, key=lambda s: (s.end_gap or 0.0, s.trial))
        lines.append(
            f"| {name} | {len(own)} | {min(rates):.3g} to {max(rates):.3g} | "
            f"{goal.show(best.value or 0.0)} | {best.learning_rate:.3g} |"
        )
    return "\n".join(lines) + "\n"


def _actions(found: Sequence[Segment]) -> str:
    counts = Counter(s.action for s in found)
    diverged = sum(s.diverged for s in found)
    chance = [s for s in found if s.at_chance]
    cells = [f"{counts[a]} {a}" for a in ACTIONS if counts[a]]
    trained = sum(s.steps for s in chance)
    return (
        f"Member-intervals by action: {', '.join(cells)}; {diverged} diverged; "
        f"{len(chance)} at chance ({trained} steps trained in all). An exploit "
        "copies a better member's weights (and optimizer state), then perturbs its rate or "
        "resamples the optimizer and rate. A member that diverges, or sits at chance through "
        "its first checks, ends its interval early; it is replaced at the next exploit "
        "whatever the quantile says, as is one whose every check in a shorter interval sat "
        "at chance.\n"
    )
