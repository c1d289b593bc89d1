"""A trace as one figure: validation (the 2018 study's figure 4) and training accuracy
against training time, one line per optimizer at its best rate, on one accuracy scale,
so the gap between training and validation reads straight across."""

from __future__ import annotations

from collections.abc import Sequence

from autolr.report import style
from autolr.report.chart import Axis, Chart, KeyEntry, Line, Look, Mark, Panel, Points, Rule
from autolr.report.trace.data import Curve, TraceRun
from autolr.settings import StudySettings

PANELS = (style.VALIDATION_ACCURACY, style.TRAINING_ACCURACY)
TOP = 1.003  # a little above 1, so a curve at 1 is not hidden by the frame


def accuracy_figure(
    runs: Sequence[TraceRun], settings: StudySettings, title: str, subtitle: str
) -> Chart:
    target = settings.train.target
    finals = [a for r in runs for a in (r.final_accuracy, r.final_validation) if a is not None]
    floor = style.accuracy_floor(target, finals)
    end = max((max(r.training.seconds, default=0.0) for r in runs), default=1.0)
    panels = []
    for col, which in enumerate(("validation", "training")):
        found: list[Mark] = [Rule("y", target, Look(style.TARGET_GREY, width=1, dash="dash"))]
        for run in runs:
            curve = run.validation if which == "validation" else run.training
            found.append(_line(run, curve, which))
        if which == "training":
            found += [_reached(run, target) for run in runs if run.reached_point is not None]
        panels.append(
            Panel(
                found,
                Axis(style.TRAINING_TIME, range=(0, end * 1.03)),
                Axis("accuracy" if col == 0 else "", range=(floor, TOP)),
                title=PANELS[col],
                col=col,
            )
        )
    key = [
        KeyEntry(
            f"target {target:g} (training)", Look(style.TARGET_GREY, width=1, dash="dash"), "line"
        ),
        KeyEntry("reached the target", Look("#999999", size=9, edge="black"), marks="reached:"),
    ]
    return Chart(
        title,
        subtitle,
        panels,
        cols=2,
        legend_title="optimizer, rate",
        key=key,
        footnote=_note(runs, settings, floor),
    )


def _line(run: TraceRun, curve: Curve, which: str) -> Line:
    return Line(
        curve.seconds,
        curve.accuracy,
        Look(
            style.colour(run.optimizer),
            dash=style.dash(run.optimizer),
            symbol=style.symbol(run.optimizer),
            size=3.5,
            opacity=0.9,
        ),
        legend=run.label,
        group=run.optimizer,
        hover=[
            f"{run.label}\nstep {step}, {seconds:.3g} s\n{which} accuracy {accuracy:.4f}"
            for step, seconds, accuracy in zip(
                curve.steps, curve.seconds, curve.accuracy, strict=True
            )
        ],
        tag=f"{which}:{run.optimizer}",
    )


def _reached(run: TraceRun, target: float) -> Points:
    """Where the run first reached the target, on the training panel."""
    assert run.reached_point is not None
    seconds, accuracy = run.reached_point
    return Points(
        [seconds],
        [accuracy],
        Look(style.colour(run.optimizer), symbol=style.symbol(run.optimizer), size=9, edge="black"),
        group=run.optimizer,
        hover=(
            f"{run.label}: reached the target {target:g} at step {run.reached_step} "
            f"({seconds:.3g} s)"
        ),
        tag=f"reached:{run.optimizer}",
    )


def _note(runs: Sequence[TraceRun], settings: StudySettings, floor: float) -> str:
    every = settings.train.validate_every
    note = (
        f"Each run trains {max((r.steps for r in runs), default=0)} steps (past the target); "
        f"training accuracy every {settings.train.check_every} steps"
    )
    note += f", validation every {every} steps." if every else "."
    if floor > 0:
        note += f" The accuracy axis starts at {floor:g}, near the target."
    diverged = [r.optimizer for r in runs if r.diverged]
    if diverged:
        note += f" Diverged: {', '.join(diverged)}."
    return note
