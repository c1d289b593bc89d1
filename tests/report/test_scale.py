"""Scale reports: the lines drawn are the fits `autolr best --for-scale` uses, solid only
over the sizes measured; the tables repeat the analysis; a real scale study end to end."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from matplotlib.collections import PolyCollection

from autolr.report import ReportError, write_report
from autolr.report.scale import interactive, interactive_rate, static, static_rate
from autolr.report.scale.data import Target, by_size, rate_series, sizes, time_series
from autolr.study.scaling import best_by_size, scale_runs
from autolr.study.sizefit import fit_line
from tests.report.conftest import SCALE_RATES, SCALES, MadeStudy
from tests.report.made import SCALE_SETTINGS, SCALE_TRIALS, SIZES

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


@pytest.mark.parametrize(
    ("series", "line", "unit"), [(BY_WEIGHTS, LINE_WEIGHTS, 1e6), (BY_SCALE, LINE_SCALE, 1)]
)
def test_the_time_line_is_solid_where_measured_and_dashed_back_to_zero(series, line, unit) -> None:
    fig = static.time_vs_size_figure(series, SIZES, "made: scale", "sub")
    ax = fig.axes[0]
    dashed, solid = ax.lines
    low, high = min(line.xs), max(line.xs)
    assert list(solid.get_xdata()) == pytest.approx([low / unit, high / unit])
    assert list(solid.get_ydata()) == pytest.approx([line.predict(low), line.predict(high)])
    assert list(dashed.get_xdata()) == pytest.approx([0, low / unit])
    assert (dashed.get_linestyle(), solid.get_linestyle()) == ("--", "-")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0].endswith("3 sizes: too few for an R²")  # no R² from 3 sizes
    html = interactive.time_vs_size_figure(series, SIZES, "made: scale", "sub")
    lines = [t for t in html.data if t.mode == "lines"]
    assert [t.line.dash for t in lines] == ["dash", "solid"]
    assert list(lines[1].x) == pytest.approx([low / unit, high / unit])


def test_each_figure_says_which_size_measure_it_uses() -> None:
    for series, label, top in (
        (BY_WEIGHTS, "weights (millions)", ["x0.125", "x0.25", "x0.5"]),
        (BY_SCALE, "model scale factor (--scales)", ["0.053 M", "0.21 M", "0.82 M"]),
    ):
        ax = static.time_vs_size_figure(series, SIZES, "t", "s").axes[0]
        assert ax.get_xlabel() == label
        assert [t.get_text() for t in ax.child_axes[0].get_xticklabels()] == top


def test_the_rate_figure_draws_the_fit_its_band_and_the_target() -> None:
    (series,) = RATES
    fit = series.fit
    assert fit is not None
    target = Target(8e6, "x2", fit.predict(8e6), fit.interval(8e6))
    fig = static_rate.rate_vs_size_figure(RATES, target, "made: rates", "sub")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    solid = [ln for ln in ax.lines if ln.get_linestyle() == "-" and len(ln.get_xdata()) == 2]
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert list(solid[0].get_xdata()) == pytest.approx([SIZES[0.125] / 1e6, SIZES[0.5] / 1e6])
    assert list(dashed[0].get_xdata()) == pytest.approx([SIZES[0.5] / 1e6, 8.0])  # to the target
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert band.get_paths()[0].vertices[:, 0].max() == pytest.approx(8.0)
    assert ax.get_xlabel() == "weights (millions) (log)"
    html = interactive_rate.rate_vs_size_figure(RATES, target, "made: rates", "sub")
    star = [t for t in html.data if t.name and t.name.startswith("size asked about")]
    assert star and list(star[0].y) == pytest.approx([target.rate])
    assert [t.line.dash for t in html.data if t.mode == "lines" and t.line.dash] == [
        "solid",
        "dash",
        "dot",
    ]


def test_time_vs_rate_has_a_line_per_size_and_stars_the_best() -> None:
    series = by_size(scale_runs(SCALE_TRIALS), BEST["adam"], "steps")
    assert [s.fastest for s in series] == [1e-2] * 3
    assert series[2].values[0] != series[2].values[0]  # NaN: 1e-3 did not reach at x0.5
    fig = static.time_vs_rate_figure(series, "made: scale", "sub")
    assert len(fig.axes[0].lines) == 3
    html = interactive.time_vs_rate_figure(series, "made: scale", "sub")
    assert [t.name for t in html.data if t.mode == "lines+markers"] == [
        "x0.125 (0.05 M)",
        "x0.25 (0.21 M)",
        "x0.5 (0.82 M)",
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
