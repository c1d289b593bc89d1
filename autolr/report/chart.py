"""A figure described once, as data: what is drawn, not how.

Every report figure is a `Chart`: panels on a grid, each with two axes and a list of
marks (lines, points, segments, shaded areas and spans, reference rules, bars, text),
plus a title, a subtitle, a legend, a key to the marks and a footnote. `to_png` draws a
Chart with matplotlib and `to_html` with plotly, so the PNG and the HTML of a figure
cannot drift apart: a key or a footnote is in both or in neither. Hover text is part of
the description too; only the HTML can show it.

Coordinates are data values. A missing value (None or NaN) breaks a line. On a category
axis the values are the category names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

# Marker shapes both renderers know; "tick" is a short vertical bar.
Symbol = Literal[
    "circle", "square", "triangle-up", "triangle-down", "diamond", "cross", "x", "star", "tick"
]
Dash = Literal["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "dashdotdot"]
Value = float | str | None


@dataclass(frozen=True)
class Look:
    """How a mark is drawn. `fill` is a marker's face ("white" draws it open; None: the
    colour); `edge` its outline (None: the colour)."""

    colour: str
    width: float = 1.6  # line width, points
    dash: Dash = "solid"
    opacity: float = 1.0
    symbol: Symbol | None = None  # markers on a line's points, or a point's shape
    size: float = 7.0  # marker diameter, points
    fill: str | None = None
    edge: str | None = None
    edge_width: float = 1.0


@dataclass(frozen=True)
class Mark:
    """What every mark has: a legend label (shown once per group), a group that the
    HTML legend toggles together, and hover text (one per point, or one for all)."""

    legend: str | None = field(default=None, kw_only=True)
    group: str | None = field(default=None, kw_only=True)
    hover: Sequence[str] | str | None = field(default=None, kw_only=True)
    # An id the renderers pass on (matplotlib gid, plotly meta), so tests can find a mark.
    tag: str | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class Line(Mark):
    xs: Sequence[Value]
    ys: Sequence[Value]
    look: Look


@dataclass(frozen=True)
class Points(Mark):
    xs: Sequence[Value]
    ys: Sequence[Value]
    look: Look


@dataclass(frozen=True)
class Segments(Mark):
    """Separate straight pieces ((x0, y0), (x1, y1)), drawn alike: links, spread bars."""

    pieces: Sequence[tuple[tuple[Value, Value], tuple[Value, Value]]]
    look: Look


@dataclass(frozen=True)
class Area(Mark):
    """The region between two curves over the same xs; a NaN in either breaks it."""

    xs: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]
    colour: str
    opacity: float = 0.3


# Marks are frozen dataclasses, one per kind (the renderers dispatch on the class), so
# kinds with like fields (Area, Span, Rule) look alike by design.
@dataclass(frozen=True)
class Span(Mark):
    """A band across the whole panel, between `low` and `high` on one axis."""

    axis: Literal["x", "y"]
    low: float
    high: float
    colour: str
    opacity: float = 0.15


@dataclass(frozen=True)
class Rule(Mark):
    """A straight line across the whole panel at `at` on one axis."""

    axis: Literal["x", "y"]
    at: float
    look: Look


@dataclass(frozen=True)
class Bars(Mark):
    """Bars from 0 up to each height, spanning [left, right] in data units (exact on a
    log axis too)."""

    lefts: Sequence[float]
    rights: Sequence[float]
    heights: Sequence[float]
    fill: str
    edge: str | None = None


@dataclass(frozen=True)
class Text(Mark):
    """Text at (x, y); x=None puts it just right of the panel, as a column beside it."""

    x: float | None
    y: Value
    text: str
    colour: str = "#333333"
    size: float = 9.0
    align: Literal["left", "center", "right"] = "center"


@dataclass(frozen=True)
class Axis:
    label: str = ""
    log: bool = False
    range: tuple[float, float] | None = None  # data units; None: fit the data
    ticks: Sequence[float] | None = None  # None: the renderer's own
    tick_labels: Sequence[str] | None = None  # None: the ticks as %g
    powers: bool = False  # a log axis labelled 10^k at each decade
    categories: Sequence[str] | None = None  # a category axis, first at the top/left
    reversed: bool = False
    show_labels: bool = True  # False: no tick labels or title (a panel above another)
    grid: bool = True


@dataclass(frozen=True)
class Panel:
    marks: Sequence[Mark]
    x: Axis
    y: Axis
    title: str = ""
    row: int = 0
    col: int = 0


@dataclass(frozen=True)
class KeyEntry:
    """A line in the key: what a kind of mark means (e.g. "x: diverged"). `marks` names
    the marks it explains (a tag, or a tag prefix ending in ":"): the key shows the entry
    only where one of them is drawn. None: marks every such chart draws."""

    label: str
    look: Look
    shape: Literal["line", "marker", "patch"] = "marker"
    marks: str | None = None


@dataclass(frozen=True)
class Chart:
    title: str
    subtitle: str
    panels: Sequence[Panel]
    rows: int = 1
    cols: int = 1
    heights: Sequence[float] | None = None  # relative row heights
    size: tuple[float, float] = (12.0, 5.2)  # inches (the HTML scales the height)
    legend_title: str = ""
    key: Sequence[KeyEntry] = ()
    footnote: str = ""
    right_column: bool = False  # leave room right of the panels for Text(x=None)
    key_below: bool = False  # the key in a row under the panels, not beside them


def visible(chart: Chart) -> Chart:
    """The chart as the renderers draw it: marks with nothing to draw left out, and with
    them their legend entries and the key's entries for them (a key never explains a mark
    that is not there)."""
    panels = [replace(p, marks=[m for m in p.marks if drawn(m)]) for p in chart.panels]
    tags = [m.tag for p in panels for m in p.marks if m.tag is not None]
    key = [e for e in chart.key if e.marks is None or any(_names(e.marks, t) for t in tags)]
    return replace(chart, panels=panels, key=key)


def drawn(mark: Mark) -> bool:
    """Whether a mark puts anything on the page: a point with both coordinates, a line
    between two different points, a bar with a height, a non-empty span."""
    if isinstance(mark, Points):
        return any(_known(x) and _known(y) for x, y in zip(mark.xs, mark.ys, strict=True))
    if isinstance(mark, Line):
        ends = {(x, y) for x, y in zip(mark.xs, mark.ys, strict=True) if _known(x) and _known(y)}
        return len(ends) >= (1 if mark.look.symbol else 2)
    if isinstance(mark, Segments):
        return any(start != end for start, end in mark.pieces)
    if isinstance(mark, Area):
        return any(_known(lo) and _known(hi) for lo, hi in zip(mark.low, mark.high, strict=True))
    if isinstance(mark, Bars):
        return any(h > 0 for h in mark.heights)
    if isinstance(mark, Span):
        return mark.high > mark.low
    return True


def _known(value: Value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _names(marks: str, tag: str) -> bool:
    return tag.startswith(marks) if marks.endswith(":") else tag == marks


def legend_entries(chart: Chart) -> list[tuple[str, Mark]]:
    """The legend: the first mark of each label, in drawing order."""
    seen: dict[str, Mark] = {}
    for panel in chart.panels:
        for mark in panel.marks:
            if mark.legend is not None and mark.legend not in seen:
                seen[mark.legend] = mark
    return list(seen.items())


def marks_tagged(chart: Chart, tag: str) -> list[Mark]:
    """Every mark with this tag, in every panel (what tests look figures up by)."""
    return [m for p in chart.panels for m in p.marks if m.tag == tag]
