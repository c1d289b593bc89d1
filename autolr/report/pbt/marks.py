"""The marks a PBT lineage figure puts on its members: a colour each, where an exploit
landed, and where an interval diverged or sat at chance (pure: chart marks, no drawing)."""

from __future__ import annotations

from collections.abc import Sequence

from autolr.report.chart import Look, Mark, Points, Symbol
from autolr.report.pbt.data import Segment

# A colour per member (repeating past twelve; hover names the member).
MEMBER_COLOURS = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
    "#882255", "#117733", "#332288", "#AA4499", "#999933", "#661100",
)  # fmt: skip
EXPLOIT_SYMBOLS: dict[str, Symbol] = {"exploit-perturb": "circle", "exploit-resample": "diamond"}
EXPLOIT_LABELS = {
    "exploit-perturb": "exploit: copied, rate perturbed",
    "exploit-resample": "exploit: copied, optimizer and rate resampled",
}


def member_colour(member: int) -> str:
    return MEMBER_COLOURS[member % len(MEMBER_COLOURS)]


def point(s: Segment, which: str) -> list[tuple[float, float]]:
    """An interval's own points: its rate held over its steps, or its checks' errors."""
    if which == "rate":
        return [(s.start, s.learning_rate), (s.end, s.learning_rate)]
    return list(s.gaps)


def describe(s: Segment) -> str:
    """Hover text: which interval, what it trained, how it ended."""
    donor = f" from member {s.donor}" if s.donor is not None else ""
    accuracy = f", metric {s.value:.4g}" if s.value is not None else ""
    return (
        f"member {s.member}, generation {s.generation} (trial {s.trial})\n"
        f"{s.optimizer} lr {s.learning_rate:.3g}, {s.action}{donor}{accuracy}"
        + (", diverged" if s.diverged else "")
        + (", at chance" if s.at_chance else "")
    )


def exploit_marks(
    found: Sequence[Segment], by_trial: dict[int, Segment]
) -> tuple[list[Mark], list[Mark]]:
    """Where each exploit landed, open markers in the receiver's colour."""
    rates: list[Mark] = []
    errors: list[Mark] = []
    for action, symbol in EXPLOIT_SYMBOLS.items():
        hits = [s for s in found if s.action == action]
        if not hits:
            continue
        for which, into in (("rate", rates), ("error", errors)):
            firsts = [(s, points[0]) for s in hits if (points := point(s, which))]
            for s, (x, y) in firsts:
                into.append(
                    Points(
                        [x],
                        [y],
                        Look(
                            member_colour(s.member),
                            symbol=symbol,
                            size=6,
                            fill="white",
                            edge_width=1.3,
                        ),
                        group=f"member {s.member}",
                        hover=f"{describe(s)}\ncopied member {s.donor}'s weights",
                        tag=f"exploit:{which}",
                    )
                )
    return rates, errors


ENDED_EARLY = {  # why an interval ended before its end, and how the figure marks it
    "diverged": ("diverged", Look("#333333", symbol="x", size=7)),
    "chance": (
        "at chance",
        Look("#333333", symbol="square", size=6, fill="white", edge_width=1.2),
    ),
}


def ended_early(found: Sequence[Segment], which: str) -> list[Mark]:
    """A mark where each interval that diverged or sat at chance ended."""
    marks: list[Mark] = []
    for reason, (label, look) in ENDED_EARLY.items():
        hits = [s for s in found if ended(s) == reason]
        hits = [s for s in hits if which == "rate" or s.end_gap is not None]
        if not hits:
            continue
        ys = [s.learning_rate if which == "rate" else (s.end_gap or 1.0) for s in hits]
        marks.append(
            Points(
                [s.end for s in hits],
                ys,
                look,
                hover=[f"{describe(s)}\n{label}" for s in hits],
                tag=f"{reason}:{which}",
            )
        )
    return marks


def ended(s: Segment) -> str | None:
    """ "diverged", "chance", or None for an interval that trained to its end or reached."""
    if s.diverged:
        return "diverged"
    return "chance" if s.at_chance else None
