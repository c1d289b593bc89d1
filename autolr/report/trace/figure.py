"""A trace as one figure: validation (the 2018 study's figure 4) and training accuracy (or
loss, for a study judged by a loss) against training time, one line per optimizer at its
best rate, on one scale, so the gap between training and validation reads straight
across."""

from __future__ import annotations

from collections.abc import Sequence

from autolr.report import style
from autolr.report.chart import Axis, Chart, KeyEntry, Line, Look, Mark, Panel, Points, Rule
from autolr.report.trace.data import ACCURACY, Curve, Measure, TraceRun
from autolr.settings import StudySettings

TOP = 1.003  # a little above 1, so a curve at 1 is not hidden by the frame


def accuracy_figure(
    runs: Sequence[TraceRun],
    settings: StudySettings,
    title: str,
    subtitle: str,
    drawn: Measure = ACCURACY,
) -> Chart:
    goal = settings.train.goal
    target = goal.target
    finals = [a for r in runs for a in (r.final_training, r.final_validation) if a is not None]
    floor = style.accuracy_floor(target, finals) if drawn.higher_is_better else 0.0
    end = max((max(r.training.seconds, default=0.0) for r in runs), default=1.0)
    # The target is drawn on the panel of the metric the runs were judged by.
    judged = "validation" if goal.validation else "training"
    panels = []
    for col, which in enumerate(("validation", "training")):
        found: list[Mark] = []
        if which == judged:
            found.append(Rule("y", target, Look(style.TARGET_GREY, width=1, dash="dash")))
        for run in runs:
            curve = curve_of(run, which)
            found.append(_line(run, curve, which, drawn.name))
        if which == judged:
            found += [
                _reached(run, target, point)
                for run in runs
                if (point := run.reached_on(curve_of(run, which))) is not None
            ]
        y_axis = (
            Axis(drawn.name if col == 0 else "", range=(floor, TOP))
            if drawn.higher_is_better
            else Axis(drawn.name if col == 0 else "", log=True)
        )
        panels.append(
            Panel(
                found,
                Axis(style.TRAINING_TIME, range=(0, end * 1.03)),
                y_axis,
                title=f"{which} {drawn.name}",
                col=col,
            )
        )
    key = [
        KeyEntry(
            f"target {target:g} ({judged})", Look(style.TARGET_GREY, width=1, dash="dash"), "line"
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


def _line(run: TraceRun, curve: Curve, which: str, name: str) -> Line:
    return Line(
        curve.seconds,
        curve.values,
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
            f"{run.label}\nstep {step}, {seconds:.3g} s\n{which} {name} {value:.4g}"
            for step, seconds, value in zip(curve.steps, curve.seconds, curve.values, strict=True)
        ],
        tag=f"{which}:{run.optimizer}",
    )


def curve_of(run: TraceRun, which: str) -> Curve:
    return run.validation if which == "validation" else run.training


def _reached(run: TraceRun, target: float, point: tuple[float, float]) -> Points:
    """Where the run first reached the target, on the panel of the metric it was judged by."""
    seconds, accuracy = point
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
        f"the training metric every {settings.train.check_every} steps"
    )
    note += f", validation every {every} steps." if every else "."
    if floor > 0:
        note += f" The accuracy axis starts at {floor:g}, near the target."
    diverged = [r.optimizer for r in runs if r.diverged]
    if diverged:
        note += f" Diverged: {', '.join(diverged)}."
    return note
