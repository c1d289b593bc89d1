"""Matplotlib pieces for figures not yet described as a `Chart` (the scale study's,
whose conversion waits for the scale work to land): a headless canvas, titles,
footnotes and grid lines. Every other figure is drawn by `to_png` from its description."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autolr.report.data import BINS_PER_DECADE

TITLE_SIZE = 14
SUBTITLE_SIZE = 9.5
# Half a grid step either side of the range, so the first and last rates are not clipped.
EDGE = 10 ** (1 / (2 * BINS_PER_DECADE))


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def heading(fig: Figure, title: str, subtitle: str) -> None:
    """Title and subtitle at fixed offsets from the top, in inches, whatever the height."""
    height = fig.get_figheight()
    fig.text(
        0.5,
        1 - 0.2 / height,
        title,
        ha="center",
        va="top",
        fontsize=TITLE_SIZE,
        fontweight="bold",
    )
    fig.text(
        0.5,
        1 - 0.52 / height,
        subtitle,
        ha="center",
        va="top",
        fontsize=SUBTITLE_SIZE,
        color="0.3",
    )


def footnote(fig: Figure, text: str) -> None:
    """A line under the panels, for what a reader of the figure alone must know."""
    height = fig.get_figheight()
    fig.subplots_adjust(bottom=0.9 / height)
    fig.text(0.07, 0.1 / height, text, ha="left", va="bottom", fontsize=8.5, color="0.35")


def gridlines(ax: Axes, axis: Literal["both", "x", "y"]) -> None:
    ax.grid(True, which="major", axis=axis, color="0.88", linewidth=0.8)
    ax.set_axisbelow(True)


def save_png(fig: Figure, path: Path) -> Path:
    """Write a directly drawn figure as PNG, as `to_png` writes described ones."""
    from autolr.report.to_png import DPI

    fig.savefig(path, dpi=DPI, facecolor="white")
    return path
