"""What every kind of report is made of, so one writer serves them all.

A kind reads what it needs from the study once (its inputs), lists the figures it can
draw with the reason each may be missing, and renders its summary. Fixed-rate searches
(grid, TPE, random), traces, scale studies and PBT differ only in those three parts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import optuna

from autolr.answers.pbt_results import PBTRecommendation
from autolr.answers.results import Recommendation
from autolr.report.bands import BandRow
from autolr.report.chart import Chart
from autolr.report.summary import FigureEntry

Inputs = TypeVar("Inputs")
Answer = Recommendation | PBTRecommendation | None  # what `autolr best` would say, if any


@dataclass(frozen=True)
class Skipped:
    figure: str
    reason: str

    def __str__(self) -> str:
        return f"{self.figure}: {self.reason}"


@dataclass(frozen=True)
class FigureSpec(Generic[Inputs]):
    """One figure of a report: its file stem, title and caption, why it may be missing,
    and its description (`chart`), which `build` renders to PNG and HTML alike."""

    name: str  # file stem of its PNG and HTML
    title: str
    caption: str
    missing: Callable[[Inputs], str | None]  # why it cannot be drawn, else None
    chart: Callable[[Inputs], Chart]


def always(_: object) -> str | None:
    """`missing` for a figure every readable study supports."""
    return None


def no_bands(_: object) -> tuple[BandRow, ...]:
    return ()


@dataclass(frozen=True)
class ReportKind(Generic[Inputs]):
    """How to report on one kind of study."""

    read: Callable[[optuna.Study], Inputs]  # raises ReportError if too small
    figures: tuple[FigureSpec[Inputs], ...]
    summary: Callable[[Inputs, Sequence[FigureEntry]], str]
    answer: Callable[[Inputs], Answer]
    bands: Callable[[Inputs], tuple[BandRow, ...]] = field(default=no_bands)
