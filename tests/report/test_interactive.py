"""The plotly figures: traces per figure, gaps, shared colours, and offline HTML."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from autolr.report import interactive, interactive_traces, static, style
from autolr.report.bands import band_rows
from autolr.report.data import read_runs
from autolr.study.results import recommend
from tests.report.conftest import MADE_SETTINGS, TPE_TRIALS

RUNS = read_runs(MADE_SETTINGS, TPE_TRIALS)


def test_time_to_target_has_a_trace_per_optimizer_and_panel() -> None:
    fig = interactive.time_to_target_figure(RUNS, MADE_SETTINGS, "made")
    assert [(t.name, t.xaxis) for t in fig.data] == [
        ("adam", "x"),
        ("sgd", "x"),
        ("adam", "x2"),
        ("sgd", "x2"),
    ]
    # Gaps are None (plotly breaks the line there), and only the first panel has a legend.
    assert list(fig.data[2].y) == [None, 400.0, 300.0, 420.0, None]
    assert [t.showlegend for t in fig.data] == [True, True, False, False]
    assert fig.data[0].line.color == style.colour("adam") == static_colour("adam")
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.data[0].mode == "markers"  # TPE rates are scattered: no invented curve
    assert fig.layout.yaxis2.title.text == "training steps to target"
    assert "made: time to target" in fig.layout.title.text
    assert "to 0.9 training accuracy" in fig.layout.title.subtitle.text


def static_colour(name: str) -> str:
    """The colour the PNG figure gives `name`."""
    fig = static.time_to_target_figure(RUNS, MADE_SETTINGS, "made")
    return next(line.get_color() for line in fig.axes[0].lines if line.get_label() == name)


def envelope_panels(settings) -> dict[str, list]:
    fig = interactive.envelope_figure(RUNS, settings, "made")
    return {axis: [t for t in fig.data if t.xaxis == axis] for axis in ("x", "x2", "x3", "x4")}


def test_envelope_traces_on_a_grid() -> None:
    panels = envelope_panels(dataclasses.replace(MADE_SETTINGS, sampler="grid"))
    # Time panel: one spread shape (the rates with a result are consecutive), fastest and
    # slowest lines, a legend entry per optimizer, markers: adam fastest, sgd fastest,
    # sgd slowest. The steps panel has the same marks without legend entries.
    assert len(panels["x"]) == 1 + 2 + 2 + 3
    assert len(panels["x2"]) == 1 + 2 + 3
    assert panels["x"][0].fill == "toself"
    # Count panels: tried and reached bars.
    for axis in ("x3", "x4"):
        assert [t.type for t in panels[axis]] == ["bar", "bar"]
    tried, hits = panels["x3"]
    assert list(tried.y) == [1, 2, 1, 1, 1, 1] and list(hits.y) == [0, 2, 1, 1, 1, 0]


def test_envelope_of_scattered_rates_has_one_bar_trace_instead_of_lines() -> None:
    panels = envelope_panels(MADE_SETTINGS)
    assert len(panels["x"]) == 1 + 2 + 3 and len(panels["x2"]) == 1 + 3
    spread = panels["x2"][0]
    assert spread.name == "spread"
    assert list(spread.y) == [
        300.0,
        900.0,
        None,
        420.0,
        420.0,
        None,
        350.0,
        350.0,
        None,
        450.0,
        450.0,
        None,
    ]


def test_spread_shading_breaks_where_no_optimizer_reached() -> None:
    from autolr.report.data import envelope
    from tests.report.conftest import made_trial

    trials = [
        made_trial("adam", 1e-3, 300),
        made_trial("sgd", 1e-3, 500),
        made_trial("adam", 1e-2, None),  # nothing reached at 1e-2
        made_trial("sgd", 1e-2, None),
        made_trial("adam", 1e-1, 200),
        made_trial("sgd", 1e-1, 250),
    ]
    env = envelope(read_runs(MADE_SETTINGS, trials), "steps")
    shapes = interactive_traces.spread_polygons(env)
    assert len(shapes) == 2
    assert shapes[0] == ([1e-3, 1e-3], [300.0, 500.0])


def test_bands_traces() -> None:
    rows = band_rows(recommend("made", MADE_SETTINGS, TPE_TRIALS), RUNS)
    fig = interactive.bands_figure(rows, RUNS, MADE_SETTINGS, "made")
    assert len(fig.data) == 2 * 4  # per optimizer: range, reached ticks, band, best
    adam_band, adam_best = fig.data[2], fig.data[3]
    assert tuple(adam_band.x) == (1e-3, 3e-3)
    assert list(adam_best.x) == [1.1e-3] and adam_best.marker.symbol == "star"
    assert fig.layout.xaxis.type == "log"


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


def test_html_works_offline_with_plotly_js_beside_it(tmp_path: Path) -> None:
    fig = interactive.time_to_target_figure(RUNS, MADE_SETTINGS, "made")
    page = interactive.write_html(fig, tmp_path / "page.html")
    html = page.read_text()
    assert '<script charset="utf-8" src="plotly.min.js"></script>' in html
    assert "Plotly.newPlot" in html and "plotly-graph-div" in html
    assert "cdn" not in html.split("<body>")[0].lower()
    bundle = tmp_path / interactive.PLOTLY_JS
    assert bundle.is_file() and bundle.stat().st_size > 1_000_000
