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


def axis(axis: c.Axis) -> dict[str, Any]:
    spec: dict[str, Any] = {"showgrid": axis.grid, "showticklabels": axis.show_labels}
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
        spec["tickvals"] = list(axis.ticks)
        spec["ticktext"] = list(axis.tick_labels or [f"{t:g}" for t in axis.ticks])
    elif axis.powers:
        spec.update(dtick=1, exponentformat="power")
    return spec


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
