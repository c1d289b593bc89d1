"""The matplotlib figures: what each draws, counted on the returned figure, and the PNG."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import matplotlib.image
import numpy as np
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba

from autolr.report import static
from autolr.report.bands import band_rows
from autolr.report.data import read_runs
from autolr.study.results import recommend
from tests.report.conftest import MADE_SETTINGS, TPE_TRIALS, made_trial

RUNS = read_runs(MADE_SETTINGS, TPE_TRIALS)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def scatters(ax) -> list[PathCollection]:
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def test_time_to_target_has_a_line_per_optimizer_in_each_panel() -> None:
    fig = static.time_to_target_figure(RUNS, MADE_SETTINGS, "made")
    seconds, steps = fig.axes
    for ax in (seconds, steps):
        assert [line.get_label() for line in ax.lines] == ["adam", "sgd"]
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert ax.get_xlabel() == "learning rate"
    assert seconds.get_ylabel() == "training time to target (s)"
    assert steps.get_ylabel() == "training steps to target"
    # Gaps where the target was missed: NaN breaks the line.
    adam_steps = steps.lines[0].get_ydata()
    assert [None if math.isnan(v) else v for v in adam_steps] == [None, 400, 300, 420, None]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["adam", "sgd"]


def test_grid_points_are_joined_and_scattered_rates_are_not() -> None:
    grid = dataclasses.replace(MADE_SETTINGS, sampler="grid")
    joined = static.time_to_target_figure(RUNS, grid, "made").axes[0].lines[0]
    scattered = static.time_to_target_figure(RUNS, MADE_SETTINGS, "made").axes[0].lines[0]
    assert (joined.get_linestyle(), scattered.get_linestyle()) == ("-", "None")


def test_titles_name_the_study_target_and_model() -> None:
    fig = static.time_to_target_figure(RUNS, MADE_SETTINGS, "made")
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "made: time to target vs learning rate" in texts
    assert "reference CNN x1 to 0.9 training accuracy" in texts


def test_colours_are_the_same_for_an_optimizer_in_every_figure() -> None:
    time_fig = static.time_to_target_figure(RUNS, MADE_SETTINGS, "made")
    env_fig = static.envelope_figure(RUNS, MADE_SETTINGS, "made")
    adam_line = time_fig.axes[0].lines[0].get_color()
    adam_marks = scatters(env_fig.axes[0])[0].get_edgecolor()[0]
    assert np.allclose(to_rgba(adam_line), adam_marks)


def test_envelope_on_a_grid_shades_between_fastest_and_slowest_lines() -> None:
    grid = dataclasses.replace(MADE_SETTINGS, sampler="grid")
    fig = static.envelope_figure(RUNS, grid, "made")
    seconds, seconds_counts, steps, steps_counts = fig.axes
    for ax in (seconds, steps):
        assert len(ax.lines) == 2  # fastest, slowest
        # One shaded spread, then markers: adam fastest, sgd fastest, sgd slowest.
        assert len(ax.collections) == 4 and len(scatters(ax)) == 3
    fastest_offsets = scatters(steps)[0].get_offsets()
    assert fastest_offsets.tolist() == [[0.001, 300.0], [10**-2.5, 420.0]]
    for counts in (seconds_counts, steps_counts):
        assert len(counts.patches) == 2 * 6  # tried and reached bars at 6 rates
        assert counts.get_ylim() == (0.0, 2.0)


def test_envelope_of_scattered_rates_draws_a_bar_per_rate_not_lines() -> None:
    fig = static.envelope_figure(RUNS, MADE_SETTINGS, "made")
    for ax in fig.axes[::2]:
        assert len(ax.lines) == 0
        bars = [c for c in ax.collections if isinstance(c, LineCollection)]
        assert len(bars) == 1 and len(scatters(ax)) == 3
        # A bar from fastest to slowest at each of the 4 rates with a result.
        assert sum(len(segment) > 0 for segment in bars[0].get_segments()) == 4


def test_bands_draw_range_band_and_best_per_optimizer() -> None:
    rows = band_rows(recommend("made", MADE_SETTINGS, TPE_TRIALS), RUNS)
    fig = static.bands_figure(rows, RUNS, MADE_SETTINGS, "made")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["adam", "sgd"]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 4 and len(scatters(ax)) == 4  # per optimizer: range, band; ticks, star
    stars = scatters(ax)[1::2]
    assert [s.get_offsets().tolist() for s in stars] == [[[1.1e-3, 0.0]], [[0.1, 1.0]]]
    numbers = [t.get_text() for t in ax.texts]
    assert "0.0011 (300 steps)\n0.001 to 0.003" in numbers
    assert ax.get_xscale() == "log"


def test_an_optimizer_that_never_reached_is_said_so() -> None:
    trials = [*TPE_TRIALS[:4], made_trial("sgd", 0.1, None, diverged=True)]
    runs = read_runs(MADE_SETTINGS, trials)
    rows = band_rows(recommend("made", MADE_SETTINGS, trials), runs)
    (ax,) = static.bands_figure(rows, runs, MADE_SETTINGS, "made").axes
    assert any(t.get_text() == "never reached the target (1 run)" for t in ax.texts)
    assert len(scatters(ax)) == 2  # adam only


def test_png_is_written_at_the_figure_size(tmp_path: Path) -> None:
    fig = static.time_to_target_figure(RUNS, MADE_SETTINGS, "made")
    path = static.save_png(fig, tmp_path / "t.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    height, width = matplotlib.image.imread(path).shape[:2]
    assert (width, height) == (
        round(static.WIDE[0] * static.DPI),
        round(static.WIDE[1] * static.DPI),
    )
