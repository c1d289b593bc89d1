"""Scale reports: the lines drawn are the fits `autolr best --for-scale` uses, solid only
over the sizes measured; the tables repeat the analysis; a real scale study end to end."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from matplotlib.collections import PolyCollection

from autolr.answers.scaling import best_by_size, scale_runs
from autolr.answers.sizefit import fit_line
from autolr.report import ReportError, to_html, to_png, write_report
from autolr.report.chart import (
    Area,
    Chart,
    Line,
    Mark,
    Points,
    Segments,
    Text,
    legend_entries,
    marks_tagged,
)
from autolr.report.scale import figure, rate_figure
from autolr.report.scale.data import Target, by_size, rate_series, sizes, time_series
from tests.report.conftest import SCALE_RATES, SCALES, MadeStudy
from tests.report.made import SCALE_SETTINGS, SCALE_TRIALS, SIZES
from tests.report.test_chart import html_legend

BEST = best_by_size(SCALE_TRIALS)
BY_WEIGHTS = time_series(BEST, "weights")
BY_SCALE = time_series(BEST, "scale")
RATES = rate_series(BEST, "weights")
# Worked out by hand: adam's best rate is 1e-2 at every size, reached in 1.0, 1.8, 3.5 s.
SECONDS = [1.0, 1.8, 3.5]
LINE_WEIGHTS = fit_line(list(SIZES.values()), SECONDS)
LINE_SCALE = fit_line(list(SIZES), SECONDS)


def test_series_come_from_each_sizes_best_run() -> None:
    (weights,) = BY_WEIGHTS
    assert weights.points() == ([w / 1e6 for w in SIZES.values()], SECONDS)
    assert weights.line is not None and weights.line.c == pytest.approx(LINE_WEIGHTS.c)
    (scale,) = BY_SCALE
    assert scale.points()[0] == list(SIZES) and scale.line.k == pytest.approx(LINE_SCALE.k)
    (rates,) = RATES
    assert [b.learning_rate for b in rates.sizes] == [1e-2] * 3
    assert rates.fit is not None and rates.fit.transfers
    assert sizes(BEST) == SIZES


def tagged(chart: Chart, tag: str) -> Mark:
    (mark,) = marks_tagged(chart, tag)
    return mark


@pytest.mark.parametrize(
    ("series", "line", "unit"), [(BY_WEIGHTS, LINE_WEIGHTS, 1e6), (BY_SCALE, LINE_SCALE, 1)]
)
def test_the_time_line_is_solid_where_measured_and_dashed_back_to_zero(series, line, unit) -> None:
    chart = figure.time_vs_size(series, SIZES, "made: scale", "sub")
    dashed, solid = tagged(chart, "extrapolated:adam"), tagged(chart, "fit:adam")
    assert isinstance(dashed, Line) and isinstance(solid, Line)
    low, high = min(line.xs), max(line.xs)
    assert list(solid.xs) == pytest.approx([low / unit, high / unit])
    assert list(solid.ys) == pytest.approx([line.predict(low), line.predict(high)])
    assert list(dashed.xs) == pytest.approx([0, low / unit])
    assert (dashed.look.dash, solid.look.dash) == ("dash", "solid")
    # The interval of the line (3 sizes: a bootstrap) is shaded over what is drawn.
    band = tagged(chart, "interval:adam")
    assert isinstance(band, Area) and band.xs[-1] == pytest.approx(high / unit)
    assert band.low[-1] < line.predict(high) < band.high[-1]
    legend = [label for label, _ in legend_entries(chart)]
    assert legend[0].endswith("3 sizes: too few for an R²")  # no R² from 3 sizes
    # Both renderings draw the description: the PNG's lines, the HTML's traces.
    ax = to_png.render(chart).axes[0]
    png_dashed, png_solid = (
        x for x in ax.lines if x.get_gid() in ("extrapolated:adam", "fit:adam")
    )
    assert png_solid.get_linestyle() == "-" and png_dashed.get_linestyle() == "--"
    html = to_html.render(chart)
    lines = [t for t in html.data if t.mode == "lines" and t.meta]
    assert [t.line.dash for t in lines] == ["dash", "solid"]
    assert list(lines[1].x) == pytest.approx([low / unit, high / unit])
    assert html_legend(html)[0].replace("<br>", "\n") == legend[0]


def test_the_time_figures_say_which_size_measure_they_use() -> None:
    for series, label, top in (
        (BY_WEIGHTS, "weights (millions)", ["x0.125", "x0.25", "x0.5"]),
        (BY_SCALE, "model scale factor (--scales)", ["0.053 M", "0.21 M", "0.82 M"]),
    ):
        chart = figure.time_vs_size(series, SIZES, "t", "s")
        assert chart.panels[0].x.label == label and label in chart.footnote
        others = marks_tagged(chart, "other-size")
        assert [m.text for m in others if isinstance(m, Text)] == top
        assert to_png.render(chart).axes[0].get_xlabel() == label
        assert to_html.render(chart).layout.xaxis.title.text == label


def test_a_line_through_two_sizes_is_exact_and_a_size_that_never_reached_is_drawn() -> None:
    trials = [t for t in SCALE_TRIALS if t.params["scale"] != 0.5 or not t.user_attrs["reached"]]
    (series,) = time_series(best_by_size(trials), "weights")
    chart = figure.time_vs_size([series], SIZES, "t", "s")
    assert legend_entries(chart)[0][0].endswith("exact through 2 points")
    assert "R²" not in legend_entries(chart)[0][0]
    assert marks_tagged(chart, "interval:adam") == []  # two points: nothing to resample
    missed = tagged(chart, "missed:adam")
    assert isinstance(missed, Points) and list(missed.xs) == [SIZES[0.5] / 1e6]
    assert "no rate reached the target" in str(missed.hover)
    keys = [k.label for k in chart.key]
    html = to_html.render(chart)
    assert [t.name for t in html.data if t.legendrank == to_html.KEY_RANK] == keys
    assert to_html.footnote(html) == chart.footnote and "no interval" in chart.footnote


def test_the_rate_figure_draws_the_fit_its_band_and_the_target() -> None:
    (series,) = RATES
    fit = series.fit
    assert fit is not None
    target = Target(8e6, "x2", fit.predict(8e6), fit.interval(8e6))
    chart = rate_figure.rate_vs_size(RATES, target, "made: rates", "sub")
    x, y = chart.panels[0].x, chart.panels[0].y
    assert x.log and y.log and x.label == "weights (millions) (log)"
    solid, dashed = tagged(chart, "fit:adam"), tagged(chart, "extrapolated:adam")
    assert isinstance(solid, Line) and isinstance(dashed, Line)
    assert list(solid.xs) == pytest.approx([SIZES[0.125] / 1e6, SIZES[0.5] / 1e6])
    assert list(dashed.xs) == pytest.approx([SIZES[0.5] / 1e6, 8.0])  # to the target
    band = tagged(chart, "interval:adam")
    assert isinstance(band, Area) and max(band.xs) == pytest.approx(8.0)
    star = tagged(chart, "target")
    assert isinstance(star, Points) and list(star.ys) == pytest.approx([target.rate])
    spans = tagged(chart, "span:adam")
    assert isinstance(spans, Segments) and len(spans.pieces) == 3
    ax = to_png.render(chart).axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    (png_band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert png_band.get_paths()[0].vertices[:, 0].max() == pytest.approx(8.0)
    html = to_html.render(chart)
    (html_star,) = [t for t in html.data if t.meta == "target"]
    (label,) = [t for t in html.data if t.meta == "target-label"]
    assert label.textposition == "middle left" and "<br>" in label.text[0]  # left of the star
    assert list(html_star.y) == pytest.approx([target.rate])
    assert {t.meta: t.line.dash for t in html.data if t.mode == "lines" and t.meta} == {
        "fit:adam": "solid",
        "extrapolated:adam": "dash",
        "span:adam": "solid",  # the rates each size's search could not tell apart
        "target-interval": "solid",
    }
    assert [s.line.dash for s in html.layout.shapes] == ["dot"]  # the size asked about
    assert html_legend(html)[-1] == "size asked about"


def test_time_vs_rate_has_a_line_per_size_stars_the_best_and_draws_every_run() -> None:
    series = by_size(scale_runs(SCALE_TRIALS), BEST["adam"], "steps")
    assert [s.fastest for s in series] == [1e-2] * 3
    assert series[2].values[0] != series[2].values[0]  # NaN: 1e-3 did not reach at x0.5
    chart = figure.time_vs_rate(series, "made: scale", "sub")
    searches = [m for m in chart.panels[0].marks if isinstance(m, Line)]
    assert len(searches) == 3
    missed = tagged(chart, "missed:x0.5")
    assert isinstance(missed, Points) and list(missed.xs) == [1e-3, 1e-1]
    assert len(to_png.render(chart).axes[0].lines) == 3
    html = to_html.render(chart)
    assert [t.name for t in html.data if t.mode == "lines+markers"] == [
        "x0.125 (0.05 M weights)",
        "x0.25 (0.21 M weights)",
        "x0.5 (0.82 M weights)",
    ]


def test_summary_tables_repeat_the_analysis(made_study: MadeStudy, tmp_path: Path) -> None:
    result = write_report(made_study(SCALE_TRIALS, SCALE_SETTINGS, "made-scale"), tmp_path)
    assert result.skipped == () and result.recommendation is None
    summary = result.summary.read_text()
    assert (
        "| adam | x0.125 | 52,506 | 0.01 | 0.001 .. 0.1 (reaches the low and high end) |" in summary
    )
    assert (
        "| adam | x0.5 | 821,706 | 0.01 | 0.01 .. 0.01 | 100 | 3.5 | 0.001 .. 0.1 (3) |" in summary
    )
    assert (
        "| adam | 3 | 0.00 |" in summary and "holds 0: no measurable drift; only 3 sizes" in summary
    )
    k = f"{LINE_WEIGHTS.k * 1e6:.3g} s per M weights"
    assert (
        f"| adam | weights | {LINE_WEIGHTS.c:.3g} | {k} | 3 sizes: too few for an R² |" in summary
    )
    assert [f.name for f in result.files][:8] == [
        "rate_vs_size.png",
        "rate_vs_size.html",
        "time_vs_scale.png",
        "time_vs_scale.html",
        "time_vs_weights.png",
        "time_vs_weights.html",
        "time_vs_rate.png",
        "time_vs_rate.html",
    ]


def test_a_size_study_that_reached_at_one_size_skips_the_fits(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    trials = [SCALE_TRIALS[i] for i in (0, 1, 2)]  # 1e-3 only: reached at x0.125 alone
    result = write_report(made_study(trials, SCALE_SETTINGS, "small"), tmp_path)
    assert [s.figure for s in result.skipped] == [
        "rate_vs_size",
        "time_vs_scale",
        "time_vs_weights",
        "time_vs_rate",
    ]
    assert "only one learning rate was tried" in result.summary.read_text()


def test_a_scale_study_with_no_finished_run_is_one_clear_line(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    with pytest.raises(ReportError, match=r"^scale study 'empty' has no finished run yet"):
        write_report(made_study([], SCALE_SETTINGS, "empty"), tmp_path / "none")


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_a_real_scale_report(scale_study: optuna.Study, tmp_path: Path) -> None:
    result = write_report(scale_study, tmp_path)
    names = [f.name for f in result.files]
    assert names[-3:] == ["plotly.min.js", "index.html", "summary.md"]
    runs = scale_runs(scale_study.get_trials(deepcopy=False))
    assert sorted({r.scale for r in runs}) == SCALES
    assert sorted({r.learning_rate for r in runs}) == pytest.approx(SCALE_RATES)
    summary = result.summary.read_text()
    for b in best_by_size(scale_study.get_trials(deepcopy=False))["adam"]:
        assert f"| adam | x{b.scale:g} | {b.weights:,} |" in summary
    assert "time_vs_weights.png" in names  # both sizes reached: a line, exact through 2
    assert "exact through 2 points" in summary
