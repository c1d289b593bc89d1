"""PBT reports: member paths with their exploit jumps, the winning lineage, the schedule
table (as `recommend_pbt` gives it), a study with no winner yet, and a real PBT study."""

from __future__ import annotations

import math
from pathlib import Path

import optuna
import pytest
from matplotlib.collections import PathCollection

from autolr.report import ReportError, write_report
from autolr.report.pbt import interactive, static
from autolr.report.pbt.data import accuracy_path, by_member, optimizer_runs, rate_path, segments
from autolr.study.catalog import stored_settings
from autolr.study.pbt_results import recommend_pbt
from autolr.study.results import NoResultError
from tests.report.conftest import PBT_FLAGS, MadeStudy
from tests.report.made import PBT_SETTINGS, PBT_TRIALS, pbt_trial

SEGMENTS = segments(PBT_TRIALS)
WINNER = [s for n in (1, 2, 4) for s in SEGMENTS if s.trial == n]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def gids(ax) -> list[str | None]:
    return [line.get_gid() for line in ax.lines]


def test_segments_start_from_their_parents_weights() -> None:
    assert [(s.member, s.generation, s.trial) for s in SEGMENTS] == [
        (0, 0, 0),
        (0, 1, 2),
        (0, 2, 4),
        (1, 0, 1),
        (1, 1, 3),
        (1, 2, 5),
    ]
    copied = SEGMENTS[1]  # member 0 copied member 1 (accuracy 0.7) at step 50
    assert (copied.start, copied.end, copied.donor, copied.start_accuracy) == (50, 100, 1, 0.7)
    assert copied.accuracy_path() == [(50, 0.7), (100, 0.8)]
    assert SEGMENTS[0].start_accuracy is None  # a fresh start has no weights before it


def test_a_member_path_is_cut_where_its_optimizer_changes() -> None:
    member0, member1 = by_member(SEGMENTS).values()
    first, second = optimizer_runs(member0)
    assert [s.trial for s in first] == [0] and [s.trial for s in second] == [2, 4]
    # The rate jumps at step 50 from adam's 1e-3 to the perturbed 0.125.
    assert rate_path(second, first[-1]) == (
        [50, 50, 100, 100, 150],
        [1e-3, 0.125, 0.125, 0.125, 0.125],
    )
    # So does the accuracy: from its own 0.5 to its donor's 0.7.
    assert accuracy_path(second, first[-1]) == (
        [50.0, 50.0, 100.0, 100.0, 150.0],
        [0.5, 0.7, 0.8, 0.8, 0.92],
    )
    assert [[s.trial for s in run] for run in optimizer_runs(member1)] == [[1, 3], [5]]


def test_figure_draws_every_member_and_underlays_the_winner() -> None:
    fig = static.lineage_figure(SEGMENTS, WINNER, PBT_SETTINGS, "made: pbt", "sub")
    rates, accuracy = fig.axes[:2]
    for ax in (rates, accuracy):
        assert gids(ax)[:5] == ["winner", "member 0", "member 0", "member 1", "member 1"]
    winner = rates.lines[0]
    assert list(winner.get_xdata()) == [0, 50, 50, 100, 100, 150]
    assert list(winner.get_ydata()) == [0.1, 0.1, 0.125, 0.125, 0.125, 0.125]
    assert rates.get_yscale() == "log" and rates.get_ylim() == pytest.approx(
        (1e-4 / 10 ** (1 / 12), 10 ** (1 / 12))
    )
    marks = [c.get_offsets().tolist() for c in rates.collections if isinstance(c, PathCollection)]
    # Member 0's exploit at step 50; member 1's resample at 100, which diverged by 150.
    assert marks == [[[50.0, 0.125]], [[100.0, 0.003]], [[150.0, 0.003]]]
    star = next(c for c in accuracy.collections if isinstance(c, PathCollection))
    assert star.get_offsets().tolist() == [[150.0, 0.92]]
    assert accuracy.lines[-1].get_ydata()[0] == 0.9  # the target
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["adam", "sgd"]
    key = [t.get_text() for t in fig.legends[1].get_texts()]
    assert key == [
        "exploit, perturbed",
        "exploit, resampled",
        "diverged",
        "winning lineage",
        "reached the target",
        "target 0.9",
    ]


def test_interactive_figure_has_the_same_paths() -> None:
    fig = interactive.lineage_figure(SEGMENTS, WINNER, PBT_SETTINGS, "made: pbt", "sub")
    winner = [t for t in fig.data if t.legendgroup == "winner"]
    assert [t.xaxis for t in winner] == ["x", "x2"]
    paths = [t for t in fig.data if t.mode == "lines" and t.legendgroup in ("adam", "sgd")]
    assert len(paths) == 2 * 4  # both panels, 2 members x 2 optimizer pieces
    assert [t.name for t in paths if t.showlegend] == ["adam", "sgd"]
    assert "member 0, generation 1 (trial 2)" in paths[2].text[1]
    assert fig.layout.yaxis.type == "log"


def test_summary_gives_the_winning_schedule_and_its_constant_rate(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    result = write_report(made_study(PBT_TRIALS, PBT_SETTINGS, "made-pbt"), tmp_path)
    rec = recommend_pbt("made-pbt", PBT_SETTINGS, PBT_TRIALS)
    assert result.recommendation == rec and result.skipped == ()
    assert rec.learning_rate == pytest.approx(math.exp((math.log(0.1) + 2 * math.log(0.125)) / 3))
    summary = result.summary.read_text()
    assert f"**Use sgd at learning rate {rec.learning_rate:.3g}**" in summary
    assert "(after 150 steps along its lineage)" in summary
    rows = [line for line in summary.splitlines() if line.startswith("| ") and " to " in line]
    assert rows[:3] == [
        "| 0 | 1 | 0 to 50 | sgd | 0.1 | start | 0.7000 |",
        "| 1 | 0 | 50 to 100 | sgd | 0.125 | exploit-perturb | 0.8000 |",
        "| 2 | 0 | 100 to 150 | sgd | 0.125 | continue | 0.9200 |",
    ]
    assert "| adam | 2 | 0.001 to 0.003 | 0.5000 | 0.001 |" in summary
    assert "2 start, 2 continue, 1 exploit-perturb, 1 exploit-resample; 1 diverged" in summary
    assert "](lineages.png)" in summary


@pytest.mark.parametrize(
    ("last_generation", "advice"),
    [
        ([], "Let `autolr tune --study unfinished` run on."),
        ([PBT_TRIALS[5]], "The study ran all 3 generations: start a new one"),
    ],
)
def test_a_study_with_no_winner_still_gets_its_figure(
    made_study: MadeStudy, tmp_path: Path, last_generation: list, advice: str
) -> None:
    no_win = pbt_trial(0, 2, "sgd", 0.125, "continue", 0.88, parent=2)
    trials = [*PBT_TRIALS[:4], no_win, *last_generation]
    result = write_report(made_study(trials, PBT_SETTINGS, "unfinished"), tmp_path)
    assert result.recommendation is None and result.skipped == ()
    assert {f.name for f in result.files} >= {"lineages.png", "lineages.html"}
    summary = result.summary.read_text()
    assert "**No member reached the target 0.9 yet.**" in summary
    assert "member 0 at generation 2 (sgd, lr 0.125), 0.8800 training accuracy" in summary
    assert advice in summary
    assert "## Winning schedule" not in summary


def test_a_pbt_study_with_nothing_finished_is_one_clear_line(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    with pytest.raises(ReportError, match=r"^PBT study 'empty' has no finished member-interval"):
        write_report(made_study([], PBT_SETTINGS, "empty"), tmp_path / "none")


def test_a_real_pbt_report(pbt_study: optuna.Study, tmp_path: Path) -> None:
    result = write_report(pbt_study, tmp_path)
    assert [f.name for f in result.files] == [
        "lineages.png",
        "lineages.html",
        "plotly.min.js",
        "summary.md",
    ]
    assert (tmp_path / "lineages.png").read_bytes()[:8] == PNG_SIGNATURE
    assert "small-pbt: " in (tmp_path / "lineages.html").read_text()
    trials = pbt_study.get_trials(deepcopy=False)
    found = segments(trials)
    fig = static.lineage_figure(found, [], stored_settings(pbt_study), "t", "s")
    members = {g for g in gids(fig.axes[0]) if g is not None}
    assert members == {f"member {m}" for m in range(PBT_FLAGS["population"])}
    summary = result.summary.read_text()
    try:
        rec = recommend_pbt("small-pbt", stored_settings(pbt_study), trials)
    except NoResultError:
        assert result.recommendation is None and "No member reached the target" in summary
    else:
        assert result.recommendation == rec
        for i in rec.schedule:
            assert f"| {i.generation} | {i.member} | {i.start_step} to " in summary
