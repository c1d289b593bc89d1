"""Draw a `Chart` as an interactive plotly figure: the same marks, legend, key and
footnote as the PNG, plus hover text; click a legend entry to hide its group in every
panel at once."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autolr.report import chart as c
from autolr.report import files, html_frame
from autolr.report.html_frame import FOOTNOTE

POINTS_TO_PIXELS = 1.5  # marker sizes: matplotlib's points to plotly's pixels, by eye
DASHBOARD_HEIGHT = 450  # optuna-dashboard draws a saved figure in a 450 px high card
# Plotly's toolbar (modebar) sits in a card's top right corner, about this high: a card's
# title starts below it, and the panels' own titles below that.
MODEBAR_HEIGHT = 32
CARD_TITLE_SIZE = 14
KEY_RANK = 2000  # legend order: the legend's own entries first, then the key
SYMBOLS: dict[str, str] = {
    "circle": "circle",
    "square": "square",
    "triangle-up": "triangle-up",
    "triangle-down": "triangle-down",
    "diamond": "diamond",
    "cross": "cross",
    "x": "x-thin",
    "star": "star",
    "tick": "line-ns",
}
LINE_ONLY = ("x-thin", "line-ns")  # plotly draws these with the marker's line alone
DASHES = {
    "solid": "solid",
    "dash": "dash",
    "dot": "dot",
    "dashdot": "dashdot",
    "longdash": "longdash",
    "longdashdot": "longdashdot",
    "dashdotdot": "6px,2.5px,1.5px,2.5px,1.5px,2.5px",
}
# Where text sits from its x: matplotlib's alignment as plotly's text position.
TEXT_SIDES = {"left": "middle right", "center": "middle center", "right": "middle left"}


def render(chart: c.Chart) -> go.Figure:
    chart = c.visible(chart)
    fig = make_subplots(
        rows=chart.rows,
        cols=chart.cols,
        row_heights=list(chart.heights) if chart.heights else None,
        subplot_titles=html_frame.titles(chart),
        vertical_spacing=0.06 if chart.rows > 1 else None,
        horizontal_spacing=0.1,
    )
    shown: set[str] = set()
    for panel in chart.panels:
        where = {"row": panel.row + 1, "col": panel.col + 1}
        # Shapes after traces: plotly leaves out shapes on a panel with no trace yet.
        later = [m for m in panel.marks if isinstance(m, c.Span | c.Rule)]
        for mark in [*(m for m in panel.marks if m not in later), *later]:
            _draw(fig, mark, panel, where, shown)
        most = html_frame.MOST_X_LABELS.get(chart.cols, 6)
        fig.update_xaxes(**html_frame.axis(panel.x, most), **where)
        fig.update_yaxes(**html_frame.axis(panel.y), **where)
    for entry in chart.key:
        fig.add_trace(_key_trace(entry))
    html_frame.frame(fig, chart)
    return fig


def write(fig: go.Figure, path: Path) -> Path:
    """One page that loads plotly.js from the file beside it (written there whole, and
    rewritten if the copy there is not plotly's own)."""
    page = fig.to_html(
        include_plotlyjs="directory",
        full_html=True,
        config={"responsive": True, "toImageButtonOptions": {"format": "svg"}},
    )
    files.ensure_plotly_js(path.parent)
    return files.write_text(path, page)


def compact(fig: go.Figure) -> go.Figure:
    """The figure for an optuna-dashboard card (450 px high, half the page wide): no
    subtitle or footnote (the study note carries them), smaller type, the legend below."""
    out = go.Figure(fig)
    out.update_layout(
        height=DASHBOARD_HEIGHT,
        title={
            "text": fig.layout.title.text,
            "font": {"size": CARD_TITLE_SIZE},
            "subtitle": {"text": ""},
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": MODEBAR_HEIGHT},
        },
        margin={
            "t": MODEBAR_HEIGHT + CARD_TITLE_SIZE + 34,  # room for the panel titles too
            "b": 10,
            "l": 55,
            "r": max(10, (fig.layout.margin.r or 0) - 40),
        },
        font={"size": 10},
        legend={"orientation": "h", "x": 0, "y": -0.16, "yanchor": "top", "font": {"size": 10}},
    )
    out.layout.annotations = [a for a in out.layout.annotations if a.name != FOOTNOTE]
    for annotation in out.layout.annotations:  # panel titles and the text column
        annotation.font.size = min(annotation.font.size or 11, 11)
    return out


def footnote(fig: go.Figure) -> str:
    """A figure's footnote as plain text ("" if it has none)."""
    found = [a.text for a in fig.layout.annotations if a.name == FOOTNOTE]
    return " ".join(found).replace("<br>", " ")


def fragment(fig: go.Figure) -> str:
    """The figure as a <div> for a page that loads plotly.js itself (index.html)."""
    return str(fig.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True}))


# -- marks --------------------------------------------------------------------------
def _draw(
    fig: go.Figure, mark: c.Mark, panel: c.Panel, where: dict[str, int], shown: set[str]
) -> None:
    if isinstance(mark, c.Span):
        add = fig.add_vrect if mark.axis == "x" else fig.add_hrect
        add(
            mark.low,
            mark.high,
            fillcolor=mark.colour,
            opacity=mark.opacity,
            line_width=0,
            layer="below",
            **where,
        )
        return
    if isinstance(mark, c.Rule):
        look = mark.look
        line = {"color": look.colour, "width": look.width, "dash": DASHES[look.dash]}
        add_line = fig.add_vline if mark.axis == "x" else fig.add_hline
        add_line(mark.at, line=line, opacity=look.opacity, **where)
        return
    if isinstance(mark, c.Text) and mark.x is None:
        y = _index(panel.y, mark.y)
        fig.add_annotation(
            text=mark.text.replace("\n", "<br>"),
            x=1.01,
            y=y,
            xref=f"{_axis_ref(fig, where, 'x')} domain",
            yref=_axis_ref(fig, where, "y"),
            xanchor="left",
            showarrow=False,
            align="left",
            font={"size": mark.size * POINTS_TO_PIXELS, "color": mark.colour},
        )
        return
    trace = _trace(mark)
    label = mark.legend
    trace.update(
        showlegend=label is not None and label not in shown,
        legendgroup=mark.group or label,
        meta=mark.tag,
    )
    if label is not None:
        trace.update(name=label.replace("\n", "<br>"))
        shown.add(label)
    _hover(trace, mark.hover)
    fig.add_trace(trace, **where)


def _trace(mark: c.Mark) -> go.Scatter:
    if isinstance(mark, c.Line):
        return _scatter(
            mark.xs, mark.ys, mark.look, "lines+markers" if mark.look.symbol else "lines"
        )
    if isinstance(mark, c.Points):
        return _scatter(mark.xs, mark.ys, mark.look, "markers")
    if isinstance(mark, c.Segments):
        xs: list[c.Value] = []
        ys: list[c.Value] = []
        for (x0, y0), (x1, y1) in mark.pieces:
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        return _scatter(xs, ys, mark.look, "lines")
    if isinstance(mark, c.Area):
        outline = _polygons(mark.xs, mark.low, mark.high)
        return go.Scatter(
            x=outline[0],
            y=outline[1],
            fill="toself",
            fillcolor=_rgba(mark.colour, mark.opacity),
            mode="none",
        )
    if isinstance(mark, c.Bars):
        xs, ys = [], []
        for left, right, height in zip(mark.lefts, mark.rights, mark.heights, strict=True):
            xs += [left, left, right, right, left, None]
            ys += [0, height, height, 0, 0, None]
        return go.Scatter(
            x=xs,
            y=ys,
            fill="toself",
            fillcolor=mark.fill,
            mode="lines",
            line={"color": mark.edge or mark.fill, "width": 1},
        )
    assert isinstance(mark, c.Text)
    return go.Scatter(
        x=[mark.x],
        y=[mark.y],
        mode="text",
        text=[mark.text.replace("\n", "<br>")],
        textposition=TEXT_SIDES[mark.align],
        textfont={"color": mark.colour, "size": mark.size * POINTS_TO_PIXELS},
    )


def _scatter(xs: Sequence[c.Value], ys: Sequence[c.Value], look: c.Look, mode: str) -> go.Scatter:
    return go.Scatter(
        x=[_gap(x) for x in xs],
        y=[_gap(y) for y in ys],
        mode=mode,
        opacity=look.opacity,
        line={"color": look.colour, "width": look.width, "dash": DASHES[look.dash]},
        marker=_marker(look),
        connectgaps=False,
    )


def _marker(look: c.Look) -> dict[str, Any]:
    symbol = SYMBOLS[look.symbol or "circle"]
    size = look.size * POINTS_TO_PIXELS
    if symbol in LINE_ONLY:
        return {
            "symbol": symbol,
            "size": size,
            "line": {"color": look.colour, "width": max(look.edge_width, 1.6)},
        }
    if look.fill == "white":  # open: the outline only
        return {
            "symbol": symbol + "-open",
            "size": size,
            "color": look.edge or look.colour,
            "line": {"width": max(look.edge_width, 1.5)},
        }
    return {
        "symbol": symbol,
        "size": size,
        "color": look.fill or look.colour,
        "line": {"color": look.edge or look.colour, "width": look.edge_width},
    }


def _hover(trace: go.Scatter, hover: Sequence[str] | str | None) -> None:
    if hover is None:
        trace.update(hoverinfo="skip")
        return
    if isinstance(hover, str):
        trace.update(hovertemplate=hover.replace("\n", "<br>") + "<extra></extra>")
        return
    trace.update(
        customdata=[h.replace("\n", "<br>") for h in hover],
        hovertemplate="%{customdata}<extra></extra>",
    )


def _key_trace(entry: c.KeyEntry) -> go.Scatter:
    look = entry.look
    if entry.shape == "patch":
        trace = go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={
                "symbol": "square",
                "size": 14,
                "color": _rgba(look.colour, look.opacity),
                "line": {"color": look.edge or look.colour, "width": 1},
            },
        )
    else:
        mode = "lines" if entry.shape == "line" else "markers"
        if entry.shape == "line" and look.symbol:
            mode = "lines+markers"
        trace = _scatter([None], [None], look, mode)
    trace.update(
        name=entry.label.replace("\n", "<br>"),
        showlegend=True,
        legendrank=KEY_RANK,
        hoverinfo="skip",
    )
    return trace


def _axis_ref(fig: go.Figure, where: dict[str, int], which: str) -> str:
    """Plotly's name of a panel's axis ("x", "x2", ...), for annotations beside it."""
    ref = fig.get_subplot(where["row"], where["col"])
    axis = ref.xaxis if which == "x" else ref.yaxis
    return str(axis.plotly_name).replace("axis", "")


def _index(axis: c.Axis, value: c.Value) -> float:
    if isinstance(value, str):
        return float(list(axis.categories or ()).index(value))
    return float(value) if value is not None else math.nan


def _gap(value: c.Value) -> c.Value:
    """Plotly breaks a line at None; NaN would not survive the JSON as cleanly."""
    return None if isinstance(value, float) and math.isnan(value) else value


def _polygons(
    xs: Sequence[float], low: Sequence[float], high: Sequence[float]
) -> tuple[list[float | None], list[float | None]]:
    """One closed shape per run of points where both curves exist, so the fill has the
    same gaps as the lines (plotly's fill would bridge them)."""
    out_x: list[float | None] = []
    out_y: list[float | None] = []
    run: list[int] = []
    for i in [*range(len(xs)), -1]:
        ok = i >= 0 and not (math.isnan(low[i]) or math.isnan(high[i]))
        if ok:
            run.append(i)
            continue
        if run:
            out_x += [xs[j] for j in run] + [xs[j] for j in reversed(run)] + [None]
            out_y += [low[j] for j in run] + [high[j] for j in reversed(run)] + [None]
        run = []
    return out_x, out_y


def _rgba(colour: str, opacity: float) -> str:
    """A #rrggbb colour with an alpha channel (plotly's fills take no separate opacity)."""
    if colour.startswith("#") and len(colour) == 7:
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r}, {g}, {b}, {opacity})"
    return colour
