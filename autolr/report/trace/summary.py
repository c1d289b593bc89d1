"""summary.md of a trace: per optimizer, when it reached the target and how well it
generalised by the end (the numbers `autolr trace` prints, and the best validation)."""

from __future__ import annotations

from collections.abc import Sequence

from autolr.config import describe_goal
from autolr.report.summary import FigureEntry, figure_section
from autolr.report.trace.data import TraceRun, measure
from autolr.settings import StudySettings


def render(
    study: str,
    settings: StudySettings,
    runs: Sequence[TraceRun],
    figures: Sequence[FigureEntry],
) -> str:
    parts = [
        f"# Trace `{study}`: {settings.train.goal.words()} over training time\n",
        _setup(settings, runs),
        _findings(runs, measure(settings.train.goal).name),
        "## Per optimizer\n",
        _table(runs, measure(settings.train.goal).higher_is_better),
        figure_section(figures),
    ]
    return "\n".join(p for p in parts if p)


def _setup(settings: StudySettings, runs: Sequence[TraceRun]) -> str:
    source = f"study `{settings.source}`" if settings.source else "its source study"
    train = settings.train
    every = f"every {train.validate_every} steps" if train.validate_every else "never"
    return (
        f"Follows up {source}: each optimizer at its best rate, trained for "
        f"{train.max_steps} steps whether or not it reached the target, to see how it "
        f"goes on. {settings.model.describe()}, to {describe_goal(train)}, checked every "
        f"{train.check_every} steps; validation measured {every}; {len(runs)} finished "
        "runs.\n"
    )


def _findings(runs: Sequence[TraceRun], name: str) -> str:
    lines = []
    reached = [r for r in runs if r.reached_seconds is not None]
    if reached:
        first = min(reached, key=lambda r: (r.reached_seconds or 0.0, r.number))
        lines.append(
            f"First to the target: **{first.label}** (step {first.reached_step}, "
            f"{first.reached_seconds:.3g} s)."
        )
    else:
        lines.append("No run reached the target.")
    validated = [r for r in runs if r.final_validation is not None]
    if validated:
        sign = 1.0 if validated[0].validation.higher_is_better else -1.0
        best = max(validated, key=lambda r: (sign * (r.final_validation or 0.0), -r.number))
        lines.append(
            f"Best validation {name} at the end: **{best.label}** ({best.final_validation:.4g})."
        )
    return " ".join(lines) + "\n"


def _table(runs: Sequence[TraceRun], accuracy: bool) -> str:
    lines = [
        "| optimizer | learning rate | reached the target at | steps trained "
        "| final training value | final validation value | best validation value |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for r in runs:
        best = r.validation.best()
        lines.append(
            f"| {r.optimizer} | {r.learning_rate:.3g} | {_reached(r)} | {r.steps} | "
            f"{_shown(r.final_training, accuracy)} | {_shown(r.final_validation, accuracy)} | "
            f"{'-' if best is None else f'{_shown(best[0], accuracy)} (step {best[1]})'} |"
        )
    return "\n".join(lines) + "\n"


def _reached(run: TraceRun) -> str:
    if run.reached_step is None or run.reached_seconds is None:
        return "diverged" if run.diverged else "never"
    return f"step {run.reached_step} ({run.reached_seconds:.3g} s)"


def _shown(value: float | None, accuracy: bool) -> str:
    """An accuracy to 4 places, a loss to 4 significant digits."""
    if value is None:
        return "-"
    return f"{value:.4f}" if accuracy else f"{value:.4g}"
