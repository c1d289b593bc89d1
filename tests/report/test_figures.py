"""The fixed-rate figures as described: every run drawn (those that missed the target by
cause), the recommended rate and band marked, the envelope's bins said, thin bands
labelled. Exact numbers on hand-made trials; causes on real studies."""

from __future__ import annotations

import dataclasses
import math

import optuna
import pytest

from autolr.answers.results import recommend
from autolr.report import figures, style, to_html, to_png
from autolr.report.bands import band_rows
from autolr.report.build import read_inputs
from autolr.report.chart import Area, Chart, Line, Points, Rule, Segments, Span, Text, marks_tagged
from autolr.report.data import read_runs
from tests.report.conftest import DISTRIBUTIONS, MADE_SETTINGS, TPE_TRIALS, made_trial

RUNS = read_runs(MADE_SETTINGS, TPE_TRIALS)
REC = recommend("made", MADE_SETTINGS, TPE_TRIALS)


def time_chart(settings=MADE_SETTINGS, runs=RUNS, rec=REC) -> Chart:
    return figures.time_to_target(runs, settings, "made", rec)


def strip_points(chart: Chart) -> dict[str, list[float]]:
    """Rates drawn in the not-reached strips (both columns), by cause."""
    found: dict[str, list[float]] = {}
    for panel in chart.panels:
        for mark in panel.marks:
            if isinstance(mark, Points) and mark.tag and mark.tag.startswith("unreached:"):
                found.setdefault(mark.tag.removeprefix("unreached:"), []).extend(mark.xs)
    return found


def test_time_to_target_draws_every_run_once_per_panel() -> None:
    chart = time_chart()
    # Reached runs in the value panels, a gap where a run missed the target.
    adam = [m for m in marks_tagged(chart, "reached:adam") if m in chart.panels[0].marks]
    assert [None if math.isnan(y) else y for y in adam[0].ys] == [None, 4.0, 3.5, 4.5, None]
    # The three that missed it, in the strips of both columns, each under its cause.
    assert strip_points(chart) == {
        "budget": [1.1e-4, 1.1e-4],
        "diverged": [0.5, 0.5],
        "pruned": [0.2, 0.2],
    }
    reached = sum(r.reached for r in RUNS)
    drawn = sum(1 for y in adam[0].ys if not math.isnan(y)) + sum(
        1 for m in marks_tagged(chart, "reached:sgd")[:1] for y in m.ys if not math.isnan(y)
    )
    assert drawn == reached and len(strip_points(chart)["budget"]) // 2 + 2 + reached == len(RUNS)


def test_hover_says_what_happened_to_a_run_that_missed() -> None:
    runs = read_runs(
        MADE_SETTINGS,
        [
            made_trial("adam", 1e-3, 300),
            made_trial("adam", 1e-2, 200),
            optuna.trial.create_trial(
                state=optuna.trial.TrialState.PRUNED,
                params={"optimizer": "sgd", "learning_rate": 0.2},
                distributions=DISTRIBUTIONS,
                user_attrs={
                    "steps": 150,
                    "outcome": "pruned",
                    "stop_reason": "stalled",
                    "projected_steps": 4200,
                    "final_accuracy": 0.41,
                },
            ),
        ],
    )
    chart = figures.time_to_target(runs, MADE_SETTINGS, "made", REC)
    (stalled, _) = marks_tagged(chart, "unreached:pruned: stalled")
    assert stalled.hover == [
        "sgd lr 0.2 (trial -1): pruned at step 150 (stalled), ended at 0.41; projected 4200 "
        "steps to the target"
    ]
    assert "pruned: stalled" in [k.label for k in chart.key]


def test_recommended_rate_and_band_are_marked_in_both_panels() -> None:
    chart = time_chart()
    spans = [m for m in marks_tagged(chart, "band") if isinstance(m, Span)]
    rules = [m for m in marks_tagged(chart, "recommended") if isinstance(m, Rule)]
    assert [(s.low, s.high) for s in spans] == [REC.band] * 2
    assert [r.at for r in rules] == [REC.learning_rate] * 2 == [1.1e-3] * 2
    labels = [k.label for k in chart.key]
    assert labels[:2] == ["recommended: adam 0.0011", "its band: 0.001 to 0.003"]


def test_grid_points_are_joined_and_scattered_rates_are_not() -> None:
    grid = dataclasses.replace(MADE_SETTINGS, sampler="grid")
    assert isinstance(marks_tagged(time_chart(grid), "reached:adam")[0], Line)
    assert isinstance(marks_tagged(time_chart(), "reached:adam")[0], Points)


def test_scattered_envelope_links_real_rates_and_says_how_it_bins() -> None:
    chart = figures.envelope_figure(RUNS, MADE_SETTINGS, "made")
    steps = chart.panels[2]  # seconds, its counts, steps, its counts
    (spread,) = [m for m in steps.marks if isinstance(m, Segments)]
    # Bin 1e-3: adam's best there is its run at 1.1e-3 (300 steps), sgd's at 1.05e-3 (900).
    assert spread.pieces == [((1.1e-3, 300.0), (1.05e-3, 900.0))]
    fastest = marks_tagged(chart, "fastest:adam")[-1]
    assert list(zip(fastest.xs, fastest.ys, strict=True)) == [(1.1e-3, 300.0), (3e-3, 420.0)]
    assert "bins of 1/6 decade" in chart.footnote
    bars = next(m for m in chart.panels[3].marks if m.tag == "tried")
    # A scattered study's count bars span the whole bin: 1/6 decade wide, edge to edge.
    assert bars.rights[0] / bars.lefts[0] == pytest.approx(10 ** (1 / 6))


def test_grid_envelope_shades_between_fastest_and_slowest() -> None:
    grid = dataclasses.replace(MADE_SETTINGS, sampler="grid")
    chart = figures.envelope_figure(RUNS, grid, "made")
    assert any(isinstance(m, Area) for m in chart.panels[0].marks)
    assert "bins" not in chart.footnote


def test_bands_mark_a_band_from_fewer_than_three_rates_as_thin() -> None:
    rows = band_rows(REC, RUNS)
    chart = figures.bands_figure(rows, RUNS, MADE_SETTINGS, "made")
    texts = [m.text for m in chart.panels[0].marks if isinstance(m, Text)]
    assert texts == [
        "0.0011 (300 steps)\n0.001 to 0.003",  # three rates: a band
        "0.1 (350 steps)\n0.1 to 0.22 (thin: 2 rates)",
    ]
    assert "fewer than 3 rates" in chart.footnote


def test_an_optimizer_that_never_reached_is_said_so() -> None:
    trials = [*TPE_TRIALS[:4], made_trial("sgd", 0.1, None, diverged=True)]
    runs = read_runs(MADE_SETTINGS, trials)
    rows = band_rows(recommend("made", MADE_SETTINGS, trials), runs)
    chart = figures.bands_figure(rows, runs, MADE_SETTINGS, "made")
    assert "never reached the target (1 run)" in [
        m.text for m in chart.panels[0].marks if isinstance(m, Text)
    ]


def test_an_optimizer_has_one_colour_in_every_figure() -> None:
    marks = [
        *marks_tagged(time_chart(), "reached:adam"),
        *marks_tagged(figures.envelope_figure(RUNS, MADE_SETTINGS, "made"), "fastest:adam"),
    ]
    assert {m.look.colour for m in marks} == {style.colour("adam")}


@pytest.mark.parametrize("name", ["mixed", "grid"])
def test_real_studies_draw_each_run_that_missed_under_its_cause(
    name: str, mixed_study: tuple[str, str], grid_study: optuna.Study
) -> None:
    study = (
        grid_study
        if name == "grid"
        else optuna.load_study(study_name=mixed_study[1], storage=mixed_study[0])
    )
    inputs = read_inputs(study)
    chart = figures.time_to_target(
        inputs.runs, inputs.settings, inputs.study, inputs.recommendation
    )
    missed = [r for r in inputs.runs if not r.reached]
    drawn = strip_points(chart)
    for run in missed:
        assert drawn[run.cause].count(run.learning_rate) == 2  # once per column
    assert sum(len(v) for v in drawn.values()) == 2 * len(missed)
    if name == "mixed":  # enqueued to diverge (sgd at 50) and to be pruned (adam at 1e-5)
        assert {"diverged"} < set(drawn) and any(c.startswith("pruned: ") for c in drawn)
    # The PNG has a mark per cause; the HTML says on hover what happened.
    png = to_png.render(chart)
    gids = {c.get_gid() for ax in png.axes for c in ax.collections}
    assert {f"unreached:{cause}" for cause in drawn} <= gids
    html = to_html.render(chart)
    hovers = [h for t in html.data if (t.meta or "").startswith("unreached:") for h in t.customdata]
    assert sorted(hovers) == sorted(r.story() for r in missed for _ in range(2))
