"""The plotly look shared by figures not yet described as a `Chart` (the scale study's,
whose conversion waits for the scale work to land); every other figure is drawn by
`to_html` from its description."""

from __future__ import annotations

import plotly.graph_objects as go

from autolr.report import style
from autolr.report.html_frame import FONT


def finish(fig: go.Figure, title: str, subtitle: str, height: int, legend: str) -> go.Figure:
    """Centred title and subtitle, white template, the report's font, legend title, and
    round ticks on log value axes."""
    fig.update_layout(
        title={
            "text": f"<b>{title}</b>",
            "subtitle": {"text": subtitle},
            "x": 0.5,
            "xanchor": "center",
        },
        template="plotly_white",
        font=FONT,
        height=height,
        margin={"t": 110},
        legend={"title": {"text": legend}},
        hovermode="closest",
    )
    _value_ticks(fig)
    return fig


def _value_ticks(fig: go.Figure) -> None:
    """Plain 1-2-5 ticks on every log value axis: plotly's own crowd a short axis."""
    for axis in fig.select_yaxes():
        if axis.type != "log":
            continue
        values = [
            v
            for trace in fig.data
            if trace.yaxis == axis.plotly_name.replace("axis", "")
            for v in (trace.y or ())
            if v is not None and v > 0
        ]
        if values:
            ticks = style.nice_log_ticks(min(values), max(values))
            axis.update(tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])
