"""The frame of a PNG figure: margins worked out from the text beside the panels, title,
subtitle, footnote, and the legend and key (matplotlib handles for a chart's marks)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from autolr.report import chart as c

TITLE_SIZE, SUBTITLE_SIZE, NOTE_SIZE = 14, 9.5, 8.5
MARKERS: dict[str, str] = {
    "circle": "o",
    "square": "s",
    "triangle-up": "^",
    "triangle-down": "v",
    "diamond": "D",
    "cross": "P",
    "x": "x",
    "star": "*",
    "tick": "|",
}
DASHES: dict[str, Any] = {
    "solid": "-",
    "dash": (0, (5, 2.5)),
    "dot": ":",
    "dashdot": "-.",
    "longdash": (0, (9, 3)),
    "longdashdot": (0, (9, 2.5, 1.5, 2.5)),
    "dashdotdot": (0, (5, 2, 1.2, 2, 1.2, 2)),
}


def _inches(text: str, size: float) -> float:
    """About how wide a line of text is (DejaVu Sans averages 0.55 em a character)."""
    return len(text) * size * 0.55 / 72


def _widest(texts: Sequence[str], size: float) -> float:
    lines = [line for text in texts for line in text.split("\n")]
    return max((_inches(line, size) for line in lines), default=0.0)


def _categories(chart: c.Chart, col: int) -> list[str]:
    """The words left of a column's panels: categories, or ticks labelled in words."""
    return [
        label
        for p in chart.panels
        if p.col == col and p.y.show_labels
        for label in (p.y.categories or p.y.tick_labels or ())
    ]


def frame(fig: Figure, chart: c.Chart) -> None:
    """Title, subtitle, legend and key, footnote; the panels fill what is left, with
    margins worked out in inches from the text that has to fit beside them."""
    width, height = chart.size
    note = textwrap.wrap(chart.footnote, width=round(width * 15)) if chart.footnote else []
    legend = [label for label, _ in c.legend_entries(chart)]
    side = legend + ([] if chart.key_below else [e.label for e in chart.key])
    block_in = 0.75 + _widest([*side, chart.legend_title], 9) if side else 0.0
    right_in = 0.25 + block_in
    if chart.right_column:
        texts = [
            m.text for p in chart.panels for m in p.marks if isinstance(m, c.Text) and m.x is None
        ]
        right_in += 0.3 + _widest(texts, 9)
    left_in = 0.85 + _widest(_categories(chart, 0), 10)
    below = 0.45 if chart.key_below and chart.key else 0.0
    bottom_in = 0.65 + 0.16 * len(note) + below
    panel_in = (width - left_in - right_in) / max(chart.cols, 1)
    gap_in = 0.75 + _widest(_categories(chart, 1), 10) if chart.cols > 1 else 0.0
    fig.subplots_adjust(
        left=left_in / width,
        right=1 - right_in / width,
        top=1 - 1.05 / height,
        bottom=bottom_in / height,
        wspace=gap_in / max(panel_in - gap_in / 2, 0.5),
        hspace=0.12 if chart.rows > 1 and not any(p.title for p in chart.panels if p.row) else 0.3,
    )
    # The title, bold, and the subtitle under it, grey: inches from the top.
    looks: tuple[tuple[float, str, dict[str, Any]], ...] = (
        (0.2, chart.title, {"fontsize": TITLE_SIZE, "fontweight": "bold"}),
        (0.52, chart.subtitle, {"fontsize": SUBTITLE_SIZE, "color": "0.3"}),
    )
    for inches, text, look in looks:
        fig.text(0.5, 1 - inches / height, text, ha="center", va="top", **look)
    if note:
        fig.text(
            0.02,
            0.1 / height,
            "\n".join(note),
            ha="left",
            va="bottom",
            fontsize=NOTE_SIZE,
            color="0.35",
        )
    _legends(fig, chart, 1 - (block_in + 0.1) / width, (0.15 + 0.16 * len(note)) / height)


# Long enough for a long-dash pattern to show as dashed (matplotlib's default of 2 font
# sizes draws longdash, longdashdot and dashdotdot as one unbroken stroke).
KEY_HANDLE_LENGTH = 4.0


def _legends(fig: Figure, chart: c.Chart, x: float, floor: float) -> None:
    """The legend (and the key, unless it goes under the panels) right of the panels."""
    entries = [_handle(label, mark) for label, mark in c.legend_entries(chart)]
    key = [_key_handle(entry) for entry in chart.key]
    if chart.key_below and key:
        fig.legend(
            handles=key,
            loc="lower center",
            bbox_to_anchor=(0.5, floor),
            ncol=len(key),
            frameon=False,
            fontsize=8.5,
            handlelength=KEY_HANDLE_LENGTH,
        )
        key = []
    if entries:
        fig.legend(
            handles=entries,
            title=chart.legend_title or None,
            loc="lower left" if key else "center left",
            bbox_to_anchor=(x, 0.52 if key else 0.5),
            frameon=False,
            fontsize=9,
            handlelength=KEY_HANDLE_LENGTH,
        )
    if key:
        fig.legend(
            handles=key,
            loc="upper left" if entries else "center left",
            bbox_to_anchor=(x, 0.48 if entries else 0.5),
            frameon=False,
            fontsize=8.5,
            handlelength=KEY_HANDLE_LENGTH,
        )


def _handle(label: str, mark: c.Mark) -> Line2D | Patch:
    if isinstance(mark, c.Line | c.Points | c.Segments | c.Rule):
        return _key_handle(
            c.KeyEntry(label, mark.look, "marker" if isinstance(mark, c.Points) else "line")
        )
    colour = mark.colour if isinstance(mark, c.Area | c.Span) else getattr(mark, "fill", "0.5")
    return Patch(color=colour, alpha=getattr(mark, "opacity", 1.0), label=label)


def _key_handle(entry: c.KeyEntry) -> Line2D | Patch:
    look = entry.look
    if entry.shape == "patch":
        return Patch(
            facecolor=look.colour,
            edgecolor=look.edge or look.colour,
            alpha=look.opacity,
            label=entry.label,
        )
    symbol = MARKERS[look.symbol or "circle"] if entry.shape == "marker" or look.symbol else None
    return Line2D(
        [],
        [],
        color=look.colour,
        linewidth=look.width,
        linestyle=DASHES[look.dash] if entry.shape == "line" else "none",
        alpha=look.opacity,
        marker=symbol,
        markersize=min(look.size, 12),
        markerfacecolor=look.fill or look.colour,
        markeredgecolor=look.edge or look.colour,
        label=entry.label,
    )
