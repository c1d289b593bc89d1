"""Scale reports: the c + k*n line drawn is `fit_linear`'s, the tables are
`fits_by_rate`'s and `fastest_rate_by_scale`'s, and a real scale study end to end."""

from __future__ import annotations

import math
from pathlib import Path

import optuna
import pytest
from matplotlib.collections import PathCollection

from autolr.report import ReportError, write_report
from autolr.report.scale import interactive, static
from autolr.report.scale.data import by_rate, by_size, sizes
from autolr.study.scaling import fastest_rate_by_scale, fit_linear, fits_by_rate, scale_runs
from tests.report.conftest import SCALE_RATES, SCALES, MadeStudy
from tests.report.made import SCALE_SETTINGS, SCALE_TRIALS, SIZES

RUNS = scale_runs(SCALE_TRIALS)
RATES = by_rate(RUNS, fits_by_rate(RUNS))
BY_SIZE = by_size(RUNS, fastest_rate_by_scale(RUNS))
# Worked out by hand: 1e-2 reached at all three sizes, 1e-1 at the two smaller ones.
FIT_2 = fit_linear(list(SIZES.values()), [1.0, 1.8, 3.5])
FIT_1 = fit_linear([SIZES[0.125], SIZES[0.25]], [0.9, 2.0])


def scatters(ax) -> list[PathCollection]:
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def test_series_regroup_the_analysis() -> None:
    assert [s.learning_rate for s in RATES] == [1e-3, 1e-2, 1e-1]
    assert [s.fit for s in RATES] == [None, FIT_2, FIT_1]
    assert RATES[2].points(reached=False) == ([SIZES[0.5] / 1e6], [5.0])
    assert sizes(RUNS) == SIZES
    assert [(s.scale, s.fastest) for s in BY_SIZE] == [(0.125, 0.1), (0.25, 0.01), (0.5, 0.01)]
    assert BY_SIZE[2].seconds[0] != BY_SIZE[2].seconds[0]  # NaN: 1e-3 did not reach at x0.5
    # Ties on steps: at x0.125, 1e-2 and 1e-1 both reached at step 100.
    assert [s.tied() for s in BY_SIZE] == [(0.01, 0.1), (0.01,), (0.01,)]


def test_the_fitted_lines_drawn_are_fit_linear() -> None:
    fig = static.time_vs_size_figure(RATES, SIZES, "made: scale", "sub")
    ax = fig.axes[0]
    dotted_2, solid_2, dotted_1, solid_1 = ax.lines  # 1e-3 has no line
    low, high = SIZES[0.125], SIZES[0.5]
    assert list(solid_2.get_xdata()) == [low / 1e6, high / 1e6]
    assert list(solid_2.get_ydata()) == pytest.approx([FIT_2.predict(low), FIT_2.predict(high)])
    assert list(dotted_2.get_ydata()) == pytest.approx([FIT_2.c, FIT_2.predict(low)])
    assert list(solid_1.get_ydata()) == pytest.approx(
        [FIT_1.predict(low), FIT_1.predict(SIZES[0.25])]
    )
    assert list(dotted_1.get_xdata()) == [0, low / 1e6]
    assert (dotted_2.get_linestyle(), solid_2.get_linestyle()) == (":", "-")
    # Per rate: the runs that reached (filled) and those that did not (open).
    counts = [len(c.get_offsets()) for c in scatters(ax)]
    assert counts == [1, 2, 3, 0, 2, 1]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == "lr 0.001\nno fit: reached at < 2 sizes"
    assert labels[1] == (
        f"lr 0.01\nc {FIT_2.c:.3g} s, k {FIT_2.k * 1e6:.3g} s/M, R² {FIT_2.r2:.3f}"
    )
    assert ax.get_xlim()[0] == 0 and ax.get_xlabel() == "weights (millions)"
    top = ax.child_axes[0]  # the scale factors along the top
    assert [t.get_text() for t in top.get_xticklabels()] == ["x0.125", "x0.25", "x0.5"]


def test_interactive_fit_lines_match_too() -> None:
    fig = interactive.time_vs_size_figure(RATES, SIZES, "made: scale", "sub")
    fits = [t for t in fig.data if t.mode == "lines"]
    assert len(fits) == 2
    xs = [0.0, SIZES[0.125] / 1e6, SIZES[0.5] / 1e6]
    assert list(fits[0].y) == pytest.approx([FIT_2.predict(x * 1e6) for x in xs])
    points = [t for t in fig.data if t.mode == "markers"]
    assert [len(t.x) for t in points] == [1, 2, 3, 2, 1]
    assert list(fig.layout.xaxis2.ticktext) == ["x0.125", "x0.25", "x0.5"]


def test_time_vs_rate_has_a_line_per_size_and_stars_the_fastest() -> None:
    fig = static.time_vs_rate_figure(BY_SIZE, "made: scale", "sub")
    ax = fig.axes[0]
    assert len(ax.lines) == 3
    assert [s.get_offsets().tolist() for s in scatters(ax)] == [
        [[0.1, 0.9]],
        [[0.01, 1.8]],
        [[0.01, 3.5]],
    ]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    html = interactive.time_vs_rate_figure(BY_SIZE, "made: scale", "sub")
    assert [t.name for t in html.data if t.mode == "lines+markers"] == [
        "x0.125 (0.05 M)",
        "x0.25 (0.21 M)",
        "x0.5 (0.82 M)",
    ]


def test_summary_tables_repeat_the_analysis(made_study: MadeStudy, tmp_path: Path) -> None:
    result = write_report(made_study(SCALE_TRIALS, SCALE_SETTINGS, "made-scale"), tmp_path)
    assert result.skipped == () and result.recommendation is None
    summary = result.summary.read_text()
    assert "| 0.001 | - | - | - | 1 / 3 |" in summary
    assert f"| 0.01 | {FIT_2.c:.3g} | {FIT_2.k * 1e6:.3g} | {FIT_2.r2:.3f} | 3 / 3 |" in summary
    assert f"| 0.1 | {FIT_1.c:.3g} | {FIT_1.k * 1e6:.3g} | 1.000 | 2 / 3 |" in summary
    assert "| x0.125 | 52,506 | 0.1 | 0.9 | 0.01, 0.1 (100 steps) | 3 / 3 |" in summary
    assert "| x0.5 | 821,706 | 0.01 | 3.5 | 0.01 (100 steps) | 1 / 3 |" in summary
    assert "Rate(s) 0.01 reached the target in the fewest steps at every size" in summary


@pytest.mark.parametrize(
    ("trials", "skipped"),
    [
        # One rate: nothing to compare at a size.
        ([SCALE_TRIALS[i] for i in (3, 4, 5)], ["time_vs_rate"]),
        # Two rates, neither reached at two sizes: no line to fit.
        ([SCALE_TRIALS[i] for i in (0, 1, 8)], ["time_vs_size"]),
    ],
)
def test_figures_a_small_scale_study_cannot_support_are_skipped(
    made_study: MadeStudy, tmp_path: Path, trials: list, skipped: list[str]
) -> None:
    result = write_report(made_study(trials, SCALE_SETTINGS, "small"), tmp_path)
    assert [s.figure for s in result.skipped] == skipped
    assert f"Not drawn: {result.skipped[0].reason}." in result.summary.read_text()


def test_a_scale_study_with_no_finished_run_is_one_clear_line(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    with pytest.raises(ReportError, match=r"^scale study 'empty' has no finished run yet"):
        write_report(made_study([], SCALE_SETTINGS, "empty"), tmp_path / "none")


def test_a_real_scale_report(scale_study: optuna.Study, tmp_path: Path) -> None:
    result = write_report(scale_study, tmp_path)
    assert [f.name for f in result.files] == [
        "time_vs_size.png",
        "time_vs_size.html",
        "time_vs_rate.png",
        "time_vs_rate.html",
        "plotly.min.js",
        "index.html",
        "summary.md",
    ]
    runs = scale_runs(scale_study.get_trials(deepcopy=False))
    assert sorted({r.scale for r in runs}) == SCALES
    assert sorted({r.learning_rate for r in runs}) == pytest.approx(SCALE_RATES)
    summary = result.summary.read_text()
    for rate, fit in fits_by_rate(runs).items():
        assert fit is not None and not math.isnan(fit.k)
        assert f"| {rate:.3g} | {fit.c:.3g} | {fit.k * 1e6:.3g} | {fit.r2:.3f} |" in summary
    for scale, rate in fastest_rate_by_scale(runs).items():
        assert rate is not None
        assert f"| x{scale:g} | {SIZES[scale]:,} | {rate:.3g} |" in summary
