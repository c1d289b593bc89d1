"""A trace as PNG: validation (the 2018 study's figure 4) and training accuracy against
training time, one line per optimizer at its best rate, on one accuracy scale."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from autolr.report import static_layout as layout
from autolr.report import style
from autolr.report.trace.data import Curve, TraceRun
from autolr.study.settings import StudySettings

PANELS = (style.VALIDATION_ACCURACY, style.TRAINING_ACCURACY)
TOP = 1.003  # a little above 1, so a curve at 1 is not hidden by the frame


def accuracy_figure(
    runs: Sequence[TraceRun], settings: StudySettings, title: str, subtitle: str
) -> Figure:
    """Left: validation accuracy; right: training accuracy with the target and where each
    run first reached it. Both panels share the axes, so the gap between training and
    validation accuracy reads straight across."""
    fig = layout.new_figure(*layout.WIDE)
    validation, training = fig.subplots(1, 2, sharex=True, sharey=True)
    layout.heading(fig, title, subtitle)
    target = settings.train.target
    for run in runs:
        _line(validation, run, run.validation)
        _line(training, run, run.training)
        point = run.reached_point
        if point is not None:
            training.scatter(
                [point[0]],
                [point[1]],
                marker=style.mpl_marker(run.optimizer),
                s=95,
                color=style.colour(run.optimizer),
                edgecolors="black",
                linewidths=1.1,
                zorder=4,
            )
    for ax, label in zip((validation, training), PANELS, strict=True):
        ax.axhline(target, color=style.TARGET_GREY, linestyle="--", linewidth=1, zorder=1)
        ax.set_title(label, fontsize=11)
        ax.set_xlabel(style.TRAINING_TIME)
        ax.set_xlim(left=0)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=7))
        layout.gridlines(ax, "both")
    validation.set_ylabel("accuracy")
    finals = [a for r in runs for a in (r.final_accuracy, r.final_validation) if a is not None]
    floor = style.accuracy_floor(target, finals)
    validation.set_ylim(floor, TOP)
    handles = [_handle(run) for run in runs]
    key = [
        Line2D(
            [], [], color=style.TARGET_GREY, linestyle="--", label=f"target {target:g} (training)"
        ),
        Line2D(
            [],
            [],
            color="0.6",
            marker="o",
            markersize=9,
            markeredgecolor="black",
            linestyle="",
            label="reached the target",
        ),
    ]
    layout.legend(fig, handles, "optimizer, rate", key)
    layout.footnote(fig, _note(runs, settings, floor))
    return fig


def _line(ax: Axes, run: TraceRun, curve: Curve) -> None:
    ax.plot(
        curve.seconds,
        curve.accuracy,
        color=style.colour(run.optimizer),
        marker=style.mpl_marker(run.optimizer),
        markersize=3.5,
        linewidth=1.6,
        alpha=0.9,
        label=run.label,
    )


def _handle(run: TraceRun) -> Line2D:
    handle = layout.optimizer_handle(run.optimizer, line=True)
    handle.set_label(run.label)
    return handle


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
