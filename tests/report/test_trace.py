"""Trace reports: curves read from the check histories, the two-panel figure, the table,
and a real trace of the grid study written end to end."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np
import optuna
import pytest
from matplotlib.collections import PathCollection
from optuna.trial import TrialState

from autolr.report import ReportError, to_html, to_png, write_report
from autolr.report.chart import Line, Points, Rule
from autolr.report.trace import figure
from autolr.report.trace.data import trace_runs
from autolr.store.stored import stored_settings
from tests.report.conftest import TRACE_STEPS, TRACE_VALIDATE_EVERY, MadeStudy
from tests.report.made import TRACE_SETTINGS, TRACE_TRIALS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RUNS = trace_runs(TRACE_TRIALS, TRACE_SETTINGS.optimizers)


def test_runs_keep_both_curves_and_when_they_reached() -> None:
    adam, sgd, momentum = RUNS
    assert adam.training.steps == (50, 100, 150, 200)
    assert adam.training.values == (0.8, 0.92, 0.95, 0.97)
    # Validation ran only at the checks that carry a fifth entry.
    assert (adam.validation.steps, adam.validation.values) == ((100, 200), (0.91, 0.93))
    assert adam.reached_point == (1.0, 0.92)
    # Reached at the last check: no reached_step stored, so it is the run's own length.
    assert (sgd.reached_step, sgd.reached_seconds, sgd.reached_point) == (200, 1.6, (1.6, 0.91))
    assert momentum.reached_point is None and momentum.reached_step is None
    assert (sgd.final_training, sgd.final_validation) == (0.91, 0.95)
    assert sgd.validation.best() == (0.95, 200)
    assert adam.label == "adam, lr 0.001"


def test_runs_follow_the_study_order_and_skip_unfinished_trials() -> None:
    running = optuna.trial.create_trial(
        state=TrialState.FAIL,
        params=TRACE_TRIALS[0].params,
        distributions=TRACE_TRIALS[0].distributions,
    )
    shuffled = [TRACE_TRIALS[2], running, TRACE_TRIALS[0], TRACE_TRIALS[1]]
    names = [r.optimizer for r in trace_runs(shuffled, ("sgd", "momentum", "adam"))]
    assert names == ["sgd", "momentum", "adam"]


def test_figure_has_a_line_per_optimizer_in_each_panel_and_a_mark_where_it_reached() -> None:
    chart = figure.accuracy_figure(RUNS, TRACE_SETTINGS, "made: trace", "the subtitle")
    validation, training = chart.panels
    for panel, which in ((validation, "validation"), (training, "training")):
        lines = [m for m in panel.marks if isinstance(m, Line)]
        assert [line.legend for line in lines] == [r.label for r in RUNS]
        assert [line.tag for line in lines] == [f"{which}:{r.optimizer}" for r in RUNS]
        assert panel.x.label == "training time (s)"
        # The target on the panel of the metric the runs were judged by (training
        # accuracy); the accuracy axis starts at 0.9 - 2 x 0.1, which already shows every
        # final accuracy (the lowest is momentum's 0.78).
        rules = [m.at for m in panel.marks if isinstance(m, Rule)]
        assert rules == ([0.9] if which == "training" else [])
        assert panel.y.range == pytest.approx((0.7, 1.003))
    assert list(validation.marks[0].xs) == [1.0, 2.0]  # seconds of the validated checks
    reached = [m for m in training.marks if isinstance(m, Points)]
    assert [(m.xs, m.ys) for m in reached] == [([1.0], [0.92]), ([1.6], [0.91])]
    assert chart.title == "made: trace" and chart.subtitle == "the subtitle"


def test_png_and_html_draw_the_same_series() -> None:
    chart = figure.accuracy_figure(RUNS, TRACE_SETTINGS, "made: trace", "sub")
    png, html = to_png.render(chart), to_html.render(chart)
    validation, training = png.axes
    assert [line.get_gid() for line in validation.lines if line.get_gid()] == [
        f"validation:{r.optimizer}" for r in RUNS
    ]
    marks = [c for c in training.collections if isinstance(c, PathCollection)]
    assert [m.get_offsets().tolist() for m in marks] == [[[1.0, 0.92]], [[1.6, 0.91]]]
    lines = [t for t in html.data if t.mode == "lines+markers"]
    assert [(t.name, t.xaxis) for t in lines] == [(r.label, "x") for r in RUNS] + [
        (r.label, "x2") for r in RUNS
    ]
    legend = [t.get_text() for lg in png.legends for t in lg.get_texts()]
    assert legend == [t.name for t in html.data if t.showlegend]


def test_summary_table_repeats_the_runs(made_study: MadeStudy, tmp_path: Path) -> None:
    result = write_report(made_study(TRACE_TRIALS, TRACE_SETTINGS, "made-trace"), tmp_path)
    assert result.recommendation is None and result.bands == () and result.skipped == ()
    summary = result.summary.read_text()
    assert "First to the target: **adam, lr 0.001** (step 100, 1 s)." in summary
    assert "Best validation accuracy at the end: **sgd, lr 0.1** (0.95)." in summary
    rows = [line for line in summary.splitlines() if line.startswith("| adam |")]
    assert rows == ["| adam | 0.001 | step 100 (1 s) | 200 | 0.9700 | 0.9300 | 0.9300 (step 200) |"]
    assert "| momentum | 0.05 | never | 200 | 0.8000 | 0.7800 | 0.7800 (step 200) |" in summary
    assert "Follows up study `made`" in summary


def test_a_trace_with_no_finished_run_is_one_clear_line(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    with pytest.raises(ReportError, match=r"^trace study 'empty' has no finished run yet"):
        write_report(made_study([], TRACE_SETTINGS, "empty"), tmp_path / "none")
    assert not (tmp_path / "none").exists()


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_a_real_trace_report(trace_study: optuna.Study, tmp_path: Path) -> None:
    result = write_report(trace_study, tmp_path)
    out = result.out_dir
    assert [f.name for f in result.files] == [
        "accuracy_over_time.png",
        "accuracy_over_time.html",
        "plotly.min.js",
        "index.html",
        "summary.md",
    ]
    png = out / "accuracy_over_time.png"
    assert png.read_bytes()[:8] == PNG_SIGNATURE
    assert matplotlib.image.imread(png).shape[1] == 1800
    html = (out / "accuracy_over_time.html").read_text()
    assert 'src="plotly.min.js"' in html and "small-grid-trace: " in html
    settings = stored_settings(trace_study)
    runs = trace_runs(trace_study.get_trials(deepcopy=False), settings.optimizers)
    assert [r.optimizer for r in runs] == list(settings.optimizers)
    for run in runs:
        assert run.steps == TRACE_STEPS
        assert run.validation.steps == tuple(range(50, TRACE_STEPS + 1, TRACE_VALIDATE_EVERY))
        assert np.all(np.diff(run.training.seconds) > 0)
        assert f"| {run.optimizer} | {run.learning_rate:.3g} |" in result.summary.read_text()
