"""A PBT study as PNG: every member's learning rate (left) and training accuracy (right)
over the lineage's steps, coloured by optimizer, exploits marked, the winning lineage
underlaid in grey."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from autolr.report import static_layout as layout
from autolr.report import style
from autolr.report.pbt.data import Segment, accuracy_path, by_member, optimizer_runs, rate_path
from autolr.study.settings import StudySettings

PANELS = ("learning rate", "training accuracy")
# How each kind of exploit is marked where it happened (and a diverged interval's end).
MARKS = {"exploit-perturb": "o", "exploit-resample": "D"}
MARK_LABELS = {
    "exploit-perturb": "exploit, perturbed",
    "exploit-resample": "exploit, resampled",
}
WINNER_WIDTH = 7


def lineage_figure(
    found: Sequence[Segment],
    winner: Sequence[Segment],
    settings: StudySettings,
    title: str,
    subtitle: str,
) -> Figure:
    fig, (rates, accuracy) = layout.two_panels_titled(title, subtitle)
    target = settings.train.target
    if winner:
        _underlay(rates, *rate_path(winner, None))
        _underlay(accuracy, *accuracy_path(winner, None))
        last = winner[-1]
        if last.accuracy is not None:
            accuracy.scatter(
                [last.end],
                [last.accuracy],
                marker="*",
                s=260,
                color="gold",
                edgecolors="black",
                linewidths=0.9,
                zorder=5,
                clip_on=False,
            )
    for member, path in by_member(found).items():
        before = None
        for run in optimizer_runs(path):
            colour = style.colour(run[0].optimizer)
            for ax, (xs, ys) in (
                (rates, rate_path(run, before)),
                (accuracy, accuracy_path(run, before)),
            ):
                ax.plot(xs, ys, color=colour, linewidth=1.3, alpha=0.8, gid=f"member {member}")
            before = run[-1]
        _marks(rates, accuracy, path)
    rates.set_yscale("log")
    rates.set_ylim(settings.lr_min / layout.EDGE, settings.lr_max * layout.EDGE)
    rates.set_ylabel(style.LEARNING_RATE)
    accuracy.axhline(target, color=style.TARGET_GREY, linestyle="--", linewidth=1)
    accuracy.set_ylim(0, 1.005)
    accuracy.set_ylabel(style.TRAINING_ACCURACY)
    for ax, label in zip((rates, accuracy), PANELS, strict=True):
        ax.set_title(label, fontsize=11)
        ax.set_xlabel(style.LINEAGE_STEP)
        ax.set_xlim(0, max((s.end for s in found), default=1) * 1.03)
        layout.gridlines(ax, "both")
    names = [n for n in settings.optimizers if any(s.optimizer == n for s in found)]
    handles = [Line2D([], [], color=style.colour(n), linewidth=1.6, label=n) for n in names]
    layout.legend(fig, handles, "optimizer", _key(found, bool(winner), target))
    layout.footnote(
        fig,
        "Steps count each member's weights' own training: after an exploit a member goes "
        "on from its donor's weights and step, at its new rate, so its lines jump there.",
    )
    return fig


def _underlay(ax: Axes, xs: list[float], ys: list[float]) -> None:
    ax.plot(
        xs,
        ys,
        color=style.WINNER_GREY,
        linewidth=WINNER_WIDTH,
        alpha=0.3,
        solid_capstyle="round",
        zorder=1,
        gid="winner",
    )


def _marks(rates: Axes, accuracy: Axes, path: Sequence[Segment]) -> None:
    """Exploits where the new interval starts; an x where an interval diverged."""
    for segment in path:
        colour = style.colour(segment.optimizer)
        if segment.action in MARKS:
            rates.scatter(
                [segment.start],
                [segment.learning_rate],
                marker=MARKS[segment.action],
                s=26,
                facecolors="white",
                edgecolors=colour,
                linewidths=1.2,
                zorder=3,
            )
        if segment.diverged and segment.accuracy is not None:
            rates.scatter(
                [segment.end], [segment.learning_rate], marker="x", s=40, color=colour, zorder=3
            )
            accuracy.scatter(
                [segment.end], [segment.accuracy], marker="x", s=40, color=colour, zorder=3
            )


def _key(found: Sequence[Segment], winner: bool, target: float) -> list[Line2D]:
    actions = {s.action for s in found}
    key = [
        Line2D(
            [],
            [],
            color="0.4",
            marker=mark,
            markerfacecolor="white",
            linestyle="",
            label=MARK_LABELS[action],
        )
        for action, mark in MARKS.items()
        if action in actions
    ]
    if any(s.diverged for s in found):
        key.append(Line2D([], [], color="0.4", marker="x", linestyle="", label="diverged"))
    if winner:
        key.append(
            Line2D(
                [],
                [],
                color=style.WINNER_GREY,
                linewidth=WINNER_WIDTH,
                alpha=0.3,
                label="winning lineage",
            )
        )
        key.append(
            Line2D(
                [],
                [],
                color="gold",
                marker="*",
                markersize=14,
                markeredgecolor="black",
                linestyle="",
                label="reached the target",
            )
        )
    key.append(Line2D([], [], color=style.TARGET_GREY, linestyle="--", label=f"target {target:g}"))
    return key
