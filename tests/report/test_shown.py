"""What a figure shows is there: the envelope only where it has something to compare, a key
and captions only for marks that are drawn, a line style per optimizer, and in the HTML no
marker hidden under another, no tick labels run together, no title under the dashboard's
toolbar. Read from the Chart description and the plotly figure's JSON, not from pixels."""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path

import optuna
import plotly.graph_objects as go
import pytest

from autolr.answers.results import recommend
from autolr.config import OPTIMIZERS
from autolr.report import figures, marks, style, to_html, write_report
from autolr.report.bands import band_rows
from autolr.report.build import FIGURES, read_inputs
from autolr.report.chart import Chart, Line
from autolr.report.data import read_runs
from tests.report.conftest import MADE_SETTINGS, MadeStudy, made_trial

# A TPE-like search that crowds: three adam runs a hair apart reaching at one check in
# the same time, two diverged runs side by side, one run out of budget.
CROWDED = [
    made_trial("adam", 1.0e-3, 300, seconds=3.0),
    made_trial("adam", 1.03e-3, 300, seconds=3.0),
    made_trial("adam", 1.06e-3, 300, seconds=3.0),
    made_trial("sgd", 0.1, 450, seconds=4.5),
    made_trial("adam", 0.5, None, diverged=True),
    made_trial("sgd", 0.52, None, diverged=True),
    made_trial("sgd", 1.1e-4, None),
]


def _chart(trials: list, settings=MADE_SETTINGS) -> Chart:
    runs = read_runs(settings, trials)
    return figures.time_to_target(runs, settings, "made", recommend("made", settings, trials))


def _key(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data if t.legendrank == to_html.KEY_RANK]


def test_the_envelope_is_drawn_only_where_two_optimizers_reached_one_rate(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    # adam reaches at 1e-3 and 3e-3, sgd only at 0.1: no rate to compare them at.
    apart = [made_trial("adam", 1e-3, 300), made_trial("adam", 3e-3, 350)]
    apart.append(made_trial("sgd", 0.1, 400))
    result = write_report(made_study(apart), tmp_path / "apart")
    assert [s.figure for s in result.skipped] == ["envelope"]
    assert "no two optimizers reached the target at the same learning rate" in str(
        result.skipped[0]
    )
    # Both reach at 1e-3: there is a fastest and a slowest there.
    shared = [*apart, made_trial("sgd", 1.02e-3, 500)]
    assert write_report(made_study(shared, name="shared"), tmp_path / "shared").skipped == ()


def test_the_key_and_captions_explain_only_marks_that_are_drawn(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    # Every band is one rate (no bar), every run reached (no strip, no stop rule).
    trials = [made_trial("adam", 1e-3, 300), made_trial("sgd", 0.1, 400)]
    runs = read_runs(MADE_SETTINGS, trials)
    rec = recommend("made", MADE_SETTINGS, trials)
    bands = to_html.render(figures.bands_figure(band_rows(rec, runs), runs, MADE_SETTINGS, "m"))
    assert _key(bands) == ["best rate"]
    time = to_html.render(_chart(trials))
    assert not any("band" in name for name in _key(time))  # a band of one rate: no shading
    note = to_html.footnote(time)
    assert "strip" not in note and "Pruned" not in note
    # A `behind` stop: its rule is explained, the rules not drawn are not.
    behind = made_trial("adam", 2e-4, 100, state="PRUNED")
    behind.set_user_attr("stop_reason", "behind")
    note = to_html.footnote(to_html.render(_chart([*trials, behind])))
    assert "behind = worse than the median" in note and "slower" not in note
    # Captions name no mark that a figure may not draw: the key and footnote do.
    for spec in FIGURES:
        assert "thick bar" not in spec.caption and "in the strip above" not in spec.caption
    # Every run reached: the envelope's key has no "tried, did not reach".
    every = [*trials, made_trial("sgd", 1.02e-3, 500)]
    result = write_report(made_study(every), tmp_path / "every")
    (envelope,) = [fig for name, fig in result.graphs if name == "envelope"]
    assert "tried, did not reach" not in _key(envelope)
    assert {"fastest (filled)", "slowest (open)", "spread", "reached"} <= set(_key(envelope))


def test_each_optimizer_has_a_line_style_of_its_own() -> None:
    dashes = [style.dash(name) for name in OPTIMIZERS]
    assert len(set(dashes)) == len(OPTIMIZERS)
    assert "dot" not in dashes  # a dotted line is a PBT exploit link
    grid = dataclasses.replace(MADE_SETTINGS, sampler="grid")
    trials = [made_trial(o, r, 300) for o in ("adam", "sgd") for r in (0.01, 0.0147)]
    lines = [m for p in _chart(trials, grid).panels for m in p.marks if isinstance(m, Line)]
    for name in ("adam", "sgd"):
        assert {m.look.dash for m in lines if m.tag == f"reached:{name}"} == {style.dash(name)}


def _marker_points(fig: go.Figure) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """Every marker's (log10 x, y) by panel (its x and y axis)."""
    found: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for trace in fig.data:
        if "markers" not in (trace.mode or "") or trace.legendrank == to_html.KEY_RANK:
            continue
        panel = found.setdefault((trace.xaxis or "x", trace.yaxis or "y"), [])
        panel += [(math.log10(x), y) for x, y in zip(trace.x, trace.y, strict=True) if x and y]
    return found


def test_markers_in_the_html_do_not_hide_one_another() -> None:
    settings = MADE_SETTINGS
    fig = to_html.render(_chart(CROWDED))
    gap = marks.marker_gap(settings)
    for panel, points in _marker_points(fig).items():
        log_y = fig.layout[panel[1].replace("y", "yaxis")].type == "log"
        for (x1, y1), (x2, y2) in itertools.combinations(points, 2):
            if abs(x1 - x2) >= gap:
                continue
            apart = abs(math.log10(y1 / y2)) if log_y else abs(y1 - y2)
            assert apart > (0.02 if log_y else 0.2), (panel, (x1, y1), (x2, y2))
    # Steps stay within their check: drawn between the check before and the count.
    chart = _chart(CROWDED)
    steps = [m for p in chart.panels if p.col == 1 and p.row == 1 for m in p.marks]
    drawn = [y for m in steps if m.tag == "reached:adam" for y in m.ys if not math.isnan(y)]
    assert len(drawn) == 3 and max(drawn) == 300 and all(300 - 50 < y <= 300 for y in drawn)


@pytest.mark.parametrize(("low", "high"), [(1e-3, 0.1), (1e-4, 0.05), (0.01, 0.05), (1e-3, 0.9)])
def test_tick_labels_in_the_html_stay_apart(low: float, high: float) -> None:
    settings = dataclasses.replace(MADE_SETTINGS, lr_min=low, lr_max=high)
    trials = [made_trial("adam", low * 2, 300), made_trial("sgd", high / 2, 400)]
    fig = to_html.render(_chart(trials, settings))
    ticked = [axis for axis in fig.select_xaxes() if axis.tickvals]
    assert ticked  # a range under 3 decades gets round ticks (wider: plotly's own decades)
    for axis in ticked:
        ticks = [math.log10(t) for t in axis.tickvals or ()]
        span = max(ticks) - min(ticks)
        assert all(b - a >= span / 6 * 0.99 for a, b in itertools.pairwise(ticks)), axis.tickvals


def test_a_dashboard_cards_title_sits_below_the_toolbar(mixed_study: tuple[str, str]) -> None:
    url, name = mixed_study
    inputs = read_inputs(optuna.load_study(study_name=name, storage=url))
    card = to_html.compact(to_html.render(FIGURES[0].chart(inputs)))
    title = card.layout.title
    assert title.yref == "container" and title.yanchor == "top"
    assert title.pad.t >= to_html.MODEBAR_HEIGHT
    # The panels (and their titles just above them) start below the card's title.
    assert card.layout.margin.t >= title.pad.t + title.font.size + 20


def test_a_bands_rate_ticks_stand_out_of_its_bar_and_star() -> None:
    """Each rate that reached the target is a tick drawn over the band's bar and taller
    than the bar and the star, so a rate inside the band is not hidden under them."""
    trials = [made_trial("adam", r, 300) for r in (1e-3, 1.1e-3, 3e-3)]
    runs = read_runs(MADE_SETTINGS, trials)
    rec = recommend("made", MADE_SETTINGS, trials)
    chart = figures.bands_figure(band_rows(rec, runs), runs, MADE_SETTINGS, "made")
    (panel,) = chart.panels
    order = [m.tag for m in panel.marks]
    assert order.index("reached-rates:adam") > order.index("band:adam")
    ticks = next(m for m in panel.marks if m.tag == "reached-rates:adam")
    band = next(m for m in panel.marks if m.tag == "band:adam")
    star = next(m for m in panel.marks if getattr(m, "look", None) and m.look.symbol == "star")
    assert ticks.look.size > band.look.width and ticks.look.size > star.look.size
