"""One description, two renderers: what a Chart says reaches the PNG and the HTML alike
(marks, categories, log ranges, legend, key, footnote), and hover reaches the HTML."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.image
import pytest
from matplotlib.collections import LineCollection, PathCollection

from autolr.report import png_frame, style, to_html, to_png
from autolr.report.chart import (
    Area,
    Axis,
    Bars,
    Chart,
    KeyEntry,
    Line,
    Look,
    Panel,
    Points,
    Rule,
    Segments,
    Span,
    Text,
)
from autolr.report.files import PLOTLY_JS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BLUE, RED = "#0072B2", "#D55E00"


def sample() -> Chart:
    """Every kind of mark, on a log panel and a category panel beside it."""
    left = Panel(
        [
            Span("x", 0.01, 0.1, BLUE),
            Rule("y", 100, Look("#444444", dash="dash")),
            Area([0.001, 0.01, 0.1], [10, math.nan, 30], [20, math.nan, 60], BLUE),
            Line(
                [0.001, 0.01, 0.1],
                [15, None, 40],
                Look(BLUE, symbol="circle"),
                legend="adam",
                group="adam",
                hover=["a", "b", "c"],
                tag="line",
            ),
            Points(
                [0.05],
                [50],
                Look(RED, symbol="x"),
                legend="sgd",
                group="sgd",
                hover="diverged",
                tag="points",
            ),
            Segments([((0.002, 12), (0.02, 25))], Look("#999999", width=3), tag="links"),
            Bars([0.001, 0.01], [0.002, 0.02], [1, 2], "#ffffff", edge="#888888", tag="bars"),
        ],
        Axis("learning rate", log=True, range=(1e-3, 1.0), ticks=[0.001, 0.01, 0.1, 1]),
        Axis("steps", log=True, range=(5, 200)),
        title="numbers",
    )
    right = Panel(
        [
            Points(
                [0.1, 0.2],
                ["diverged", "pruned"],
                Look(RED, symbol="square", fill="white"),
                tag="causes",
            ),
            Text(None, "pruned", "beside"),
        ],
        Axis("learning rate", log=True),
        Axis(categories=["diverged", "pruned"]),
        title="causes",
        col=1,
    )
    return Chart(
        "study: a sample",
        "what, to what target",
        [left, right],
        cols=2,
        legend_title="optimizer",
        key=[
            KeyEntry("diverged", Look("#333333", symbol="x")),
            KeyEntry("band", Look(BLUE), "patch"),
        ],
        footnote="A footnote that the HTML must carry too.",
        right_column=True,
    )


def png_legend(fig) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def html_legend(fig) -> list[str]:
    return [t.name for t in fig.data if t.showlegend]


def test_png_draws_every_mark_with_its_tag() -> None:
    fig = to_png.render(sample())
    left, right = fig.axes
    gids = {artist.get_gid() for artist in [*left.lines, *left.collections, *left.patches]}
    assert {"line", "points", "links", "bars"} <= gids
    links = next(c for c in left.collections if c.get_gid() == "links")
    assert isinstance(links, LineCollection) and len(links.get_segments()) == 1
    line = next(x for x in left.lines if x.get_gid() == "line")
    assert math.isnan(line.get_ydata()[1])  # None breaks the line
    assert left.get_xscale() == "log" and left.get_xlim() == pytest.approx((1e-3, 1.0))
    assert [t.get_text() for t in right.get_yticklabels()] == ["diverged", "pruned"]
    assert right.get_ylim() == (1.5, -0.5)  # the first category on top
    causes = next(c for c in right.collections if isinstance(c, PathCollection))
    assert causes.get_offsets().tolist() == [[0.1, 0.0], [0.2, 1.0]]
    assert [t.get_text() for t in right.texts] == ["beside"]


def test_html_draws_every_mark_with_its_tag_and_hover() -> None:
    fig = to_html.render(sample())
    tagged = {t.meta: t for t in fig.data if t.meta}
    assert set(tagged) == {"line", "points", "links", "bars", "causes"}
    assert list(tagged["line"].y) == [15, None, 40]
    assert list(tagged["line"].customdata) == ["a", "b", "c"]
    assert tagged["points"].hovertemplate == "diverged<extra></extra>"
    assert tagged["causes"].yaxis == "y2" and list(tagged["causes"].y) == ["diverged", "pruned"]
    assert fig.layout.yaxis2.categoryarray == ("diverged", "pruned")
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis.range == (-3, 0)
    # The span and the rule are shapes, the text column an annotation beside the panel.
    assert [s.type for s in fig.layout.shapes] == ["rect", "line"]
    assert any(a.text == "beside" for a in fig.layout.annotations)


def test_html_carries_the_legend_key_and_footnote_of_the_png() -> None:
    chart = sample()
    png, html = to_png.render(chart), to_html.render(chart)
    assert png_legend(png) == html_legend(html) == ["adam", "sgd", "diverged", "band"]
    assert chart.footnote in " ".join(t.get_text().replace("\n", " ") for t in png.texts)
    assert to_html.footnote(html) == chart.footnote
    assert (
        chart.title in html.layout.title.text and html.layout.title.subtitle.text == chart.subtitle
    )


def test_compact_fits_a_dashboard_card_and_leaves_the_footnote_to_the_note() -> None:
    fig = to_html.compact(to_html.render(sample()))
    assert fig.layout.height == to_html.DASHBOARD_HEIGHT
    assert to_html.footnote(fig) == "" and fig.layout.title.subtitle.text == ""
    assert html_legend(fig) == ["adam", "sgd", "diverged", "band"]


def test_png_is_written_at_the_chart_size(tmp_path: Path) -> None:
    path = to_png.save(sample(), tmp_path / "s.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    height, width = matplotlib.image.imread(path).shape[:2]
    assert (width, height) == (round(12.0 * to_png.DPI), round(5.2 * to_png.DPI))


def test_html_works_offline_with_plotly_js_beside_it(tmp_path: Path) -> None:
    page = to_html.write(to_html.render(sample()), tmp_path / "page.html")
    html = page.read_text()
    assert '<script charset="utf-8" src="plotly.min.js"></script>' in html
    assert "cdn" not in html.split("<body>")[0].lower()
    assert (tmp_path / PLOTLY_JS).stat().st_size > 1_000_000
    fragment = to_html.fragment(to_html.render(sample()))
    assert "<script" in fragment and "plotly.min.js" not in fragment and "<html" not in fragment


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (1.2, 6.5, [1, 1.5, 2, 3, 4, 5, 7]),
        (150, 400, [150, 200, 300, 400]),
        (100, 6000, [100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000]),
        (100, 60000, [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]),
        (0.5, 20000, [0.1, 1, 10, 100, 1000, 10000, 100000]),
    ],
)
def test_round_log_ticks(low: float, high: float, ticks: list[float]) -> None:
    assert style.nice_log_ticks(low, high) == pytest.approx(ticks)


def test_every_optimizers_dash_shows_as_a_pattern_in_the_png_key() -> None:
    """A key handle long enough that each optimizer's dash draws its first gap: at
    matplotlib's default length, longdash and its kin looked solid, like sgd's line."""
    width = 1.5
    key = [
        KeyEntry(name, Look("#4d4d4d", width=width, dash=style.dash(name)), "line")
        for name in style.DASHES
    ]
    panel = Panel([Rule("y", 1.0, Look(BLUE))], Axis("x"), Axis("y"))
    (legend,) = to_png.render(Chart("t", "s", [panel], key=key)).legends
    handle_points = legend.handlelength * legend.prop.get_size_in_points()
    for name in style.DASHES:
        pattern = png_frame.DASHES[style.dash(name)]
        if isinstance(pattern, tuple):  # matplotlib scales a pattern by the line width
            first_gap_ends = (pattern[1][0] + pattern[1][1]) * width
            assert first_gap_ends < handle_points, (name, first_gap_ends, handle_points)
