"""write_report end to end: a real grid study trained on MNIST, hand-made studies for the
irregular, partial and too-small cases, and that a report never loads keras."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import matplotlib.image
import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from autolr.answers.results import recommend
from autolr.report import ReportError, default_out_dir, figures, to_html, write_report
from autolr.report.build import SUMMARY, read_inputs
from autolr.report.chart import Line, marks_tagged
from autolr.report.page import INDEX
from autolr.store.stored import stored_settings
from tests.helpers import GRID_OPTIMIZERS
from tests.report.conftest import (
    MADE_SETTINGS,
    TPE_TRIALS,
    MadeStudy,
    made_trial,
)

FIGURES = ("time_to_target", "envelope", "bands")
# The grid's optimizers reach the target at different rates (adam low, momentum high): no
# rate to compare them at, so no envelope.
GRID_FIGURES = ("time_to_target", "bands")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def grid_report(grid_study: optuna.Study, tmp_path_factory: pytest.TempPathFactory):
    return write_report(grid_study, tmp_path_factory.mktemp("out") / "grid")


def test_every_figure_is_written_as_png_and_html(grid_report) -> None:
    out = grid_report.out_dir
    expected = [out / f"{name}.{ext}" for name in GRID_FIGURES for ext in ("png", "html")]
    assert list(grid_report.files) == [*expected, out / "plotly.min.js", out / INDEX, out / SUMMARY]
    assert all(f.is_file() for f in grid_report.files)
    assert [s.figure for s in grid_report.skipped] == ["envelope"]


def test_pngs_are_valid_images(grid_report) -> None:
    for name in GRID_FIGURES:
        png = grid_report.out_dir / f"{name}.png"
        assert png.read_bytes()[:8] == PNG_SIGNATURE
        height, width, channels = matplotlib.image.imread(png).shape
        assert width == 1800 and 400 <= height <= 1200 and channels in (3, 4)


def test_html_pages_share_the_plotly_bundle_beside_them(grid_report) -> None:
    for name in GRID_FIGURES:
        html = (grid_report.out_dir / f"{name}.html").read_text()
        assert 'src="plotly.min.js"' in html and "Plotly.newPlot" in html
        assert "small-grid: " in html  # the title names the study
    assert (grid_report.out_dir / "plotly.min.js").stat().st_size > 1_000_000


def test_real_grid_figures_have_a_series_per_optimizer(grid_study: optuna.Study) -> None:
    inputs = read_inputs(grid_study)
    reached = Counter(
        t.params["optimizer"]
        for t in grid_study.get_trials(states=(TrialState.COMPLETE,))
        if t.user_attrs["reached"]
    )
    assert sum(reached.values()) >= 2  # the grid gives the figures something to draw
    chart = figures.time_to_target(
        inputs.runs, inputs.settings, inputs.study, inputs.recommendation
    )
    for name in GRID_OPTIMIZERS:
        lines = marks_tagged(chart, f"reached:{name}")
        assert len(lines) == 2 and all(isinstance(line, Line) for line in lines)  # joined
        for line in lines:
            points = np.count_nonzero(~np.isnan(np.asarray(line.ys, dtype=float)))
            assert points == reached[name]
    html = to_html.render(chart)
    drawn = [t for t in html.data if (t.meta or "").startswith("reached:")]
    assert [t.name for t in drawn] == list(GRID_OPTIMIZERS) * 2
    assert all(t.mode == "lines+markers" for t in drawn)


def test_band_table_matches_recommend(grid_report, grid_study: optuna.Study) -> None:
    rec = recommend(
        "small-grid", stored_settings(grid_study), grid_study.get_trials(deepcopy=False)
    )
    assert grid_report.recommendation == rec
    assert [r.optimizer for r in grid_report.bands] == list(GRID_OPTIMIZERS)
    summary = grid_report.summary.read_text()
    for row in grid_report.bands:
        result = rec.per_optimizer[row.optimizer]
        assert (row.best_rate, row.best_value, row.band) == (
            result.learning_rate,
            result.value,
            result.band,
        )
        line = next(x for x in summary.splitlines() if x.startswith(f"| {row.optimizer} | "))
        cells = [c.strip() for c in line.strip("|").split("|")]
        if result.band is None:
            assert cells[1:4] == ["-", "-", "-"]
            continue
        low, high = result.band
        assert cells[1] == f"{result.learning_rate:.3g}"
        assert cells[2] == f"{result.value:.4g}"
        span = f"{low:.3g}" if f"{low:.3g}" == f"{high:.3g}" else f"{low:.3g} to {high:.3g}"
        assert cells[3] == span + (" (thin)" if row.thin else "")
        assert cells[5] == f"{result.reached_trials} / {result.trials}"


def test_summary_recommends_and_embeds_every_figure(grid_report) -> None:
    summary = grid_report.summary.read_text()
    rec = grid_report.recommendation
    assert f"**Use {rec.optimizer} at learning rate {rec.learning_rate:.3g}**" in summary
    for name in GRID_FIGURES:
        assert f"]({name}.png)" in summary and f"]({name}.html)" in summary
    assert "reference CNN x0.25 trained to 90% train accuracy (window average)" in summary


def test_index_shows_the_summary_and_every_figure_with_one_plotly(grid_report) -> None:
    out = grid_report.out_dir
    index = (out / INDEX).read_text()
    rec = grid_report.recommendation
    assert f"<strong>Use {rec.optimizer} at learning rate {rec.learning_rate:.3g}</strong>" in index
    assert "<table>" in index  # the band and outcome tables, rendered
    assert index.count('class="plotly-graph-div"') == len(GRID_FIGURES)
    for name in GRID_FIGURES:
        assert f'<a href="{name}.png">' in index and f'<a href="{name}.html">' in index
    assert index.count('<script src="plotly.min.js"') == 1
    assert len(index) < 500_000  # the figures' data, not a copy of plotly.js
    assert sorted(p.name for p in out.glob("*.js")) == ["plotly.min.js"]


def test_a_tpe_like_study_with_irregular_rates_gets_every_figure(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    result = write_report(made_study(TPE_TRIALS), tmp_path / "tpe")
    assert result.skipped == ()
    assert {f.name for f in result.files} >= {f"{n}.png" for n in FIGURES}
    assert "No single learning rate is in every optimizer's band" in result.summary.read_text()


def test_a_time_objective_is_reported_in_seconds(made_study: MadeStudy, tmp_path: Path) -> None:
    settings = dataclasses.replace(MADE_SETTINGS, objective="time")
    result = write_report(made_study(TPE_TRIALS, settings), tmp_path / "time")
    summary = result.summary.read_text()
    assert "| seconds at best |" in summary and "objective: time" in summary
    assert f"({result.recommendation.value:.4g} s to the target)" in summary


def test_reports_go_to_reports_name_by_default(
    made_study: MadeStudy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = write_report(made_study(TPE_TRIALS, name="default-place"))
    assert result.out_dir == default_out_dir("default-place") == Path("reports/default-place")
    assert (tmp_path / "reports" / "default-place" / SUMMARY).is_file()


def test_figures_the_study_cannot_support_are_skipped_and_said_so(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    out = tmp_path / "partial"
    out.mkdir()
    (out / "envelope.png").write_bytes(b"from an earlier, fuller report")
    trials = [
        made_trial("adam", 1e-3, 300),  # the only run that reached the target
        made_trial("adam", 1e-1, None, diverged=True),
        made_trial("sgd", 1e-3, None),
    ]
    result = write_report(made_study(trials), out)
    assert [s.figure for s in result.skipped] == ["time_to_target", "envelope"]
    assert str(result.skipped[1]) == (
        "envelope: only one optimizer reached the target, so there is no other to compare it with"
    )
    assert sorted(f.name for f in result.files) == [
        "bands.html",
        "bands.png",
        INDEX,
        "plotly.min.js",
        SUMMARY,
    ]
    assert not (out / "envelope.png").exists()  # no stale figure beside the new summary
    summary = result.summary.read_text()
    assert "Not drawn: only 1 run reached the target" in summary
    assert "](bands.png)" in summary and "](envelope.png)" not in summary


@pytest.mark.parametrize(
    ("trials", "message"),
    [
        ([], r"^study 'made' has 0 finished trial\(s\); a report needs at least 2"),
        ([made_trial("adam", 1e-3, 300)], r"^study 'made' has 1 finished trial\(s\)"),
        (
            [made_trial("adam", 1e-3, None), made_trial("sgd", 1e-3, None, state="PRUNED")],
            r"^nothing to report: no trial of study 'made' reached 90% train accuracy",
        ),
        (
            [made_trial("adam", 1e-3, 300), made_trial("sgd", 1e-3, None, state="FAIL")],
            r"has 1 finished trial",
        ),
    ],
)
def test_a_study_too_small_for_a_report_gives_one_clear_line(
    made_study: MadeStudy, tmp_path: Path, trials: list, message: str
) -> None:
    with pytest.raises(ReportError, match=message) as error:
        write_report(made_study(trials), tmp_path / "none")
    assert "\n" not in str(error.value)
    assert not (tmp_path / "none").exists()


def test_an_output_folder_that_cannot_be_made_is_one_clear_line(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(ReportError, match=r"^cannot write the report to .*taken"):
        write_report(made_study(TPE_TRIALS), tmp_path / "taken")


def test_a_report_never_imports_keras(made_study: MadeStudy, tmp_path: Path) -> None:
    made_study(TPE_TRIALS, name="nokeras")
    script = (
        "import sys, optuna\n"
        "from pathlib import Path\n"
        "from autolr.report import write_report\n"
        f"s = optuna.load_study(study_name='nokeras', storage='sqlite:///{tmp_path}/nokeras.db')\n"
        f"write_report(s, Path({str(tmp_path / 'out')!r}))\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "module://not-a-backend"},  # no pyplot either
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert re.search(r"\S", done.stderr) is None, done.stderr
