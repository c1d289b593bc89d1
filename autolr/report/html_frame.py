"""The frame of an HTML figure: each axis in plotly's terms, the title, subtitle and
footnote, the margins and where the legend goes."""

from __future__ import annotations

import math
import textwrap
from typing import Any

import plotly.graph_objects as go

from autolr.report import chart as c

FONT = {"family": "Helvetica, Arial, sans-serif", "size": 13}
PIXELS_PER_INCH = 100  # HTML height from the chart's size (the width follows the window)
FOOTNOTE = "footnote"  # the name of the footnote's annotation


# An HTML figure's width follows the window, down to half a dashboard card (a panel about
# 220 px wide): labels of a log axis's ticks stay this far apart, as a share of the axis.
MOST_X_LABELS = {1: 8, 2: 6}  # by the chart's columns
MOST_Y_LABELS = 8
TICK_PREFERENCE = (1, 5, 2, 3)  # mantissas kept first when ticks must be thinned


def axis(axis: c.Axis, most_labels: int = MOST_Y_LABELS) -> dict[str, Any]:
    spec: dict[str, Any] = {"showgrid": axis.grid, "showticklabels": axis.show_labels}
    if not axis.grid:
        spec["zeroline"] = False  # a strip's first row sits at 0: no line through it
    if axis.show_labels:
        spec["title_text"] = axis.label
    if axis.categories is not None:
        order = list(axis.categories)
        spec.update(type="category", categoryorder="array", categoryarray=order)
        spec["range"] = [len(order) - 0.5, -0.5]  # first category at the top
        return spec
    if axis.log:
        spec["type"] = "log"
    if axis.range is not None:
        low, high = (math.log10(v) for v in axis.range) if axis.log else axis.range
        spec["range"] = [high, low] if axis.reversed else [low, high]
    elif axis.reversed:
        spec["autorange"] = "reversed"
    if axis.ticks is not None:
        labels = list(axis.tick_labels or [f"{t:g}" for t in axis.ticks])
        kept = thinned(list(axis.ticks), most_labels) if axis.log else list(axis.ticks)
        spec["tickvals"] = kept
        spec["ticktext"] = [labels[list(axis.ticks).index(t)] for t in kept]
    elif axis.powers and axis.range is not None:
        decades = decade_ticks(axis.range, most_labels)
        spec.update(tickvals=[10.0**k for k in decades], ticktext=[_power(k) for k in decades])
    elif axis.powers:
        spec.update(dtick=1, exponentformat="power")
    return spec


def decade_ticks(span: tuple[float, float], most: int) -> list[int]:
    """Exponents of the powers of ten inside `span`, every one or every few, at most
    `most` (so a wide range's labels do not run together on a narrow panel)."""
    first, last = math.ceil(math.log10(span[0]) - 1e-9), math.floor(math.log10(span[1]) + 1e-9)
    every = max(1, math.ceil((last - first + 1) / most))
    return list(range(first, last + 1, every))


def _power(exponent: int) -> str:
    return {0: "1", 1: "10"}.get(exponent, f"10<sup>{exponent}</sup>")


def thinned(ticks: list[float], most: int) -> list[float]:
    """Log-axis ticks at least 1/`most` of their span apart, so their labels do not run
    into each other on a narrow panel: powers of ten kept first, then 5s, 2s, 3s."""
    if len(ticks) < 2:
        return ticks
    where = {t: math.log10(t) for t in ticks}
    gap = (max(where.values()) - min(where.values())) / most * 0.999

    def rank(tick: float) -> tuple[int, float]:
        mantissa = round(tick / 10 ** math.floor(where[tick] + 1e-9), 6)
        first = TICK_PREFERENCE.index(mantissa) if mantissa in TICK_PREFERENCE else 9
        return first, where[tick]

    kept: list[float] = []
    for tick in sorted(ticks, key=rank):
        if all(abs(where[tick] - where[k]) >= gap for k in kept):
            kept.append(tick)
    return sorted(kept)


def titles(chart: c.Chart) -> list[str]:
    titles = [""] * (chart.rows * chart.cols)
    for panel in chart.panels:
        titles[panel.row * chart.cols + panel.col] = panel.title
    return titles


def frame(fig: go.Figure, chart: c.Chart) -> None:
    height = round(chart.size[1] * PIXELS_PER_INCH) + 60
    bottom = 70 + (50 if chart.key_below else 0)
    if chart.footnote:
        lines = _wrap(chart.footnote, 150)
        bottom += 18 * len(lines)
        fig.add_annotation(
            name=FOOTNOTE,
            text="<br>".join(lines),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-bottom + 8,
            yanchor="bottom",
            xanchor="left",
            showarrow=False,
            align="left",
            font={"size": 11, "color": "#555555"},
        )
    fig.update_layout(
        title={
            "text": f"<b>{chart.title}</b>",
            "subtitle": {"text": chart.subtitle},
            "x": 0.5,
            "xanchor": "center",
        },
        template="plotly_white",
        font=FONT,
        height=height + bottom,
        margin={"t": 110, "b": bottom, "r": _right_margin(chart)},
        legend=_legend(chart),
        hovermode="closest",
    )


def _right_margin(chart: c.Chart) -> int:
    """Room for the text column right of the panels (the legend finds its own)."""
    if not chart.right_column:
        return 40
    texts = [m.text for p in chart.panels for m in p.marks if isinstance(m, c.Text) and m.x is None]
    widest = max((len(line) for t in texts for line in t.split("\n")), default=0)
    return 40 + round(7.5 * widest)


def _legend(chart: c.Chart) -> dict[str, Any]:
    legend: dict[str, Any] = {"title": {"text": chart.legend_title}, "groupclick": "togglegroup"}
    if chart.key_below:
        legend.update(orientation="h", x=0, y=-0.12, yanchor="top", traceorder="normal")
    return legend


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width)
