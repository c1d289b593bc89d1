"""A PBT study as one figure: every member's learning rate (left) and training accuracy
(right) along its weights' own training steps, a colour per member, a line style per
optimizer.

An interval is drawn from the point its weights came from: its own previous interval
(solid), or after an exploit its donor's (a dotted link from donor to receiver), so a
copy shows as a fork off the donor's line. Accuracy is on a log scale of the error
(1 - accuracy), which gives 0.9-0.99 as much room as 0-0.9: the members compete there.
"""

from __future__ import annotations

from collections.abc import Sequence

from autolr.metrics import Goal
from autolr.report import style
from autolr.report.chart import (
    Axis,
    Chart,
    Dash,
    KeyEntry,
    Line,
    Look,
    Mark,
    Panel,
    Points,
    Rule,
    Segments,
)
from autolr.report.pbt.data import Segment, by_member
from autolr.report.pbt.marks import (
    ENDED_EARLY,
    EXPLOIT_LABELS,
    EXPLOIT_SYMBOLS,
    describe,
    ended,
    ended_early,
    exploit_marks,
    member_colour,
    point,
)
from autolr.settings import StudySettings

PANELS = (style.LEARNING_RATE, style.TRAINING_ACCURACY)
ACCURACY_TICKS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995)
WINNER_LOOK = Look(style.WINNER_GREY, width=8, opacity=0.25)


def lineage_figure(
    found: Sequence[Segment],
    winner: Sequence[Segment],
    settings: StudySettings,
    title: str,
    subtitle: str,
) -> Chart:
    by_trial = {s.trial: s for s in found}
    dashes = {name: style.dash(name) for name in settings.optimizers}
    rates: list[Mark] = []
    errors: list[Mark] = []
    if winner:
        rates.append(_path(winner, by_trial, "rate", WINNER_LOOK, None, "winner"))
        errors.append(_path(winner, by_trial, "error", WINNER_LOOK, None, "winner"))
    for member, path in by_member(found).items():
        for optimizer in dict.fromkeys(s.optimizer for s in path):
            own = [s for s in path if s.optimizer == optimizer]
            look = Look(
                member_colour(member), width=1.5, dash=dashes[optimizer], symbol="circle", size=2.5
            )
            label = f"member {member}"
            rates.append(_path(own, by_trial, "rate", look, label, label))
            errors.append(_path(own, by_trial, "error", look, label, label))
        rates.append(_links(path, by_trial, "rate"))
        errors.append(_links(path, by_trial, "error"))
    exploits = exploit_marks(found, by_trial)
    rates += exploits[0] + ended_early(found, "rate")
    errors += exploits[1] + ended_early(found, "error")
    goal = settings.train.goal
    target = goal.target
    errors.append(Rule("y", goal.target_gap, Look(style.TARGET_GREY, width=1, dash="dash")))
    if winner and winner[-1].end_gap is not None:
        last = winner[-1]
        errors.append(
            Points(
                [last.end],
                [last.end_gap],
                Look("gold", symbol="star", size=15, edge="black"),
                hover=f"{describe(last)}\nreached the target at step {last.end}",
                tag="reached",
            )
        )
    end = max((s.end for s in found), default=1) * 1.03
    panels = [
        Panel(rates, Axis(style.LINEAGE_STEP, range=(0, end)), _rate_axis(settings), PANELS[0]),
        Panel(
            errors,
            Axis(style.LINEAGE_STEP, range=(0, end)),
            _error_axis(found, goal),
            goal.words(),
            col=1,
        ),
    ]
    return Chart(
        title,
        subtitle,
        panels,
        cols=2,
        size=(12.0, 5.8),
        legend_title="member",
        key=_key(found, settings.optimizers, dashes, bool(winner), target),
        footnote=_footnote(found),
    )


def _start(s: Segment, by_trial: dict[int, Segment], which: str) -> tuple[float, float] | None:
    """Where the interval's weights came from: its parent's end (None for a first one)."""
    parent = by_trial.get(s.parent) if s.parent is not None else None
    if parent is None:
        return None
    if which == "rate":
        return (s.start, parent.learning_rate)
    return None if parent.end_gap is None else (s.start, parent.end_gap)


def _path(
    run: Sequence[Segment],
    by_trial: dict[int, Segment],
    which: str,
    look: Look,
    label: str | None,
    group: str,
) -> Line:
    """Intervals as one line, broken between intervals that do not follow on (a member
    that copied another, or changed optimizer); each starts from its parent's point when
    that parent is its own previous interval."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    hover: list[str] = []
    for s in run:
        start = _start(s, by_trial, which)
        points = point(s, which)
        if start is not None and (group == "winner" or not s.exploited):
            points = [start, *points]
        if xs:
            xs.append(None)
            ys.append(None)
            hover.append("")
        xs += [x for x, _ in points]
        ys += [y for _, y in points]
        hover += [describe(s)] * len(points)
    tag = "winner" if group == "winner" else f"{which}:{group}"
    return Line(xs, ys, look, legend=label, group=group, hover=hover, tag=tag)


def _links(path: Sequence[Segment], by_trial: dict[int, Segment], which: str) -> Segments:
    """Exploits: a dotted link from the donor's point to the receiver's first point."""
    pieces = []
    for s in path:
        start = _start(s, by_trial, which)
        points = point(s, which)
        if s.exploited and start is not None and points:
            pieces.append((start, points[0]))
    colour = member_colour(path[0].member) if path else "#777777"
    hover = [f"{describe(s)}: copied member {s.donor}'s weights" for s in path if s.exploited]
    return Segments(
        pieces,
        Look(colour, width=1.3, dash="dot"),
        group=f"member {path[0].member}" if path else None,
        hover=hover[0] if len(hover) == 1 else None,
        tag=f"links:{which}",
    )


def _rate_axis(settings: StudySettings) -> Axis:
    edge = 10 ** (1 / 12)
    return Axis(
        style.LEARNING_RATE,
        log=True,
        range=(settings.lr_min / edge, settings.lr_max * edge),
        powers=True,
    )


def _error_axis(found: Sequence[Segment], goal: Goal) -> Axis:
    """Accuracy on a log scale of 1 - accuracy, reversed so that up is better; a loss on
    a log scale, reversed too."""
    target = goal.target
    if not goal.rises:
        return Axis(f"{goal.words()} (log scale)", log=True, reversed=True)
    accuracies = [a for s in found for _, a in s.checks] or [target]
    best = min(max(max(accuracies), target), 0.9999)
    worst = max(min(min(accuracies), 0.5), 0.0)
    low, high = (1 - best) / 1.6, min(1.0, (1 - worst) * 1.15)
    ticks = [a for a in ACCURACY_TICKS if low <= 1 - a <= high]
    return Axis(
        f"{goal.words()} (log scale of 1 - accuracy)",
        log=True,
        range=(low, high),
        reversed=True,
        ticks=[1 - a for a in ticks],
        tick_labels=[f"{a:g}" for a in ticks],
    )


def _footnote(found: Sequence[Segment]) -> str:
    note = "Steps count each member's weights' own training."
    if any(s.exploited for s in found):
        note += (
            " A dotted link runs from a donor to the member that copied its weights (its "
            "new interval starts from the donor's point); elsewhere a member goes on from "
            "its own weights."
        )
    return note


def _key(
    found: Sequence[Segment],
    optimizers: Sequence[str],
    dashes: dict[str, Dash],
    winner: bool,
    target: float,
) -> list[KeyEntry]:
    used = [name for name in optimizers if any(s.optimizer == name for s in found)]
    key = [KeyEntry(name, Look("#4d4d4d", width=1.5, dash=dashes[name]), "line") for name in used]
    key.append(
        KeyEntry(
            "exploit link: donor to receiver",
            Look("#4d4d4d", width=1.3, dash="dot"),
            "line",
            marks="links:",
        )
    )
    actions = {s.action for s in found}
    key += [
        KeyEntry(EXPLOIT_LABELS[a], Look("#4d4d4d", symbol=sym, size=6, fill="white"))
        for a, sym in EXPLOIT_SYMBOLS.items()
        if a in actions
    ]
    reasons = {ended(s) for s in found}
    key += [KeyEntry(label, look) for r, (label, look) in ENDED_EARLY.items() if r in reasons]
    if winner:
        key.append(KeyEntry("winning lineage", WINNER_LOOK, "line"))
        key.append(
            KeyEntry("reached the target", Look("gold", symbol="star", size=12, edge="black"))
        )
    key.append(
        KeyEntry(f"target {target:g}", Look(style.TARGET_GREY, width=1, dash="dash"), "line")
    )
    return key
