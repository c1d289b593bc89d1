"""PBT reports: member paths with their exploit jumps, the winning lineage, the schedule
table (as `recommend_pbt` gives it), a study with no winner yet, and a real PBT study."""

from __future__ import annotations

import math
from pathlib import Path

import optuna
import pytest

from autolr.answers.pbt_results import recommend_pbt
from autolr.answers.results import NoResultError
from autolr.report import ReportError, style, to_html, to_png, write_report
from autolr.report.chart import Chart, Line, Rule, Segments, marks_tagged
from autolr.report.pbt import figure
from autolr.report.pbt.data import segments
from autolr.store.stored import stored_settings
from tests.report.conftest import PBT_FLAGS, MadeStudy
from tests.report.made import PBT_SETTINGS, PBT_TRIALS, pbt_trial

SEGMENTS = segments(PBT_TRIALS)
WINNER = [s for n in (1, 2, 4) for s in SEGMENTS if s.trial == n]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    assert (copied.start, copied.end, copied.donor, copied.parent) == (50, 100, 1, 1)
    assert (copied.start_value, copied.checks) == (0.7, ((100, 0.8),))
    assert SEGMENTS[0].parent is None and SEGMENTS[0].start_value is None


def chart() -> Chart:
    return figure.lineage_figure(SEGMENTS, WINNER, PBT_SETTINGS, "made: pbt", "sub")


def test_a_colour_per_member_and_a_line_style_per_optimizer() -> None:
    lines = [m for m in chart().panels[0].marks if isinstance(m, Line) and m.tag != "winner"]
    looks = {(m.tag, m.look.colour, m.look.dash) for m in lines}
    adam, sgd = style.dash("adam"), style.dash("sgd")  # an optimizer's own, in every figure
    assert looks == {
        ("rate:member 0", figure.member_colour(0), adam),  # adam, then
        ("rate:member 0", figure.member_colour(0), sgd),  # sgd
        ("rate:member 1", figure.member_colour(1), sgd),
        ("rate:member 1", figure.member_colour(1), adam),
    }
    assert adam != sgd
    assert figure.member_colour(0) != figure.member_colour(1)


def test_exploits_are_links_from_donor_to_receiver() -> None:
    rates, errors = chart().panels
    links = {m.tag: m.pieces for m in rates.marks + errors.marks if isinstance(m, Segments)}
    # Rate: at step 50 member 0 forks off member 1's 0.1 and perturbs it to 0.125; at 100
    # member 1 forks off member 0's 0.125 and resamples adam at 0.003.
    rate_links = [p for m in rates.marks if isinstance(m, Segments) for p in m.pieces]
    assert rate_links == [((50, 0.1), (50, 0.125)), ((100, 0.125), (100, 3e-3))]
    # Accuracy (as 1 - accuracy): from the donor's last check to the receiver's first.
    error_links = [p for m in errors.marks if isinstance(m, Segments) for p in m.pieces]
    assert error_links == [
        ((50, pytest.approx(0.3)), (100, pytest.approx(0.2))),
        ((100, pytest.approx(0.2)), (150, pytest.approx(0.9))),
    ]
    assert set(links) == {"links:rate", "links:error"}


def test_every_interval_is_drawn_even_with_one_check() -> None:
    for panel in chart().panels:
        lines = [m for m in panel.marks if isinstance(m, Line) and m.tag != "winner"]
        drawn = {int(h.split("(trial ")[1].split(")")[0]) for m in lines for h in m.hover if h}
        assert drawn == {s.trial for s in SEGMENTS}
        assert all(m.look.symbol is not None for m in lines)  # a lone check shows as a dot


def test_accuracy_is_on_a_log_scale_of_the_error_where_members_compete() -> None:
    errors = chart().panels[1]
    axis = errors.y
    assert axis.log and axis.reversed  # 1 - accuracy, better upwards
    labels = dict(zip(axis.tick_labels, axis.ticks, strict=True))
    assert labels["0.9"] == pytest.approx(0.1) and labels["0.95"] == pytest.approx(0.05)
    # 0.9 to 0.95 gets as much height as 0.5 to 0.75 (one factor of two in the error).
    assert math.log(labels["0.9"] / labels["0.95"]) == pytest.approx(math.log(0.5 / 0.25))
    (star,) = marks_tagged(chart(), "reached")
    assert (star.xs, star.ys) == ([150], [pytest.approx(0.08)])
    assert [m.at for m in errors.marks if isinstance(m, Rule)] == [pytest.approx(0.1)]


def test_key_and_png_html_agree() -> None:
    described = chart()
    assert [k.label for k in described.key] == [
        "adam",
        "sgd",
        "exploit link: donor to receiver",
        "exploit: copied, rate perturbed",
        "exploit: copied, optimizer and rate resampled",
        "diverged",
        "winning lineage",
        "reached the target",
        "target 0.9",
    ]
    png, html = to_png.render(described), to_html.render(described)
    legend = [t.get_text() for lg in png.legends for t in lg.get_texts()]
    assert legend == [t.name for t in html.data if t.showlegend]
    assert legend[:2] == ["member 0", "member 1"]
    gids = {c.get_gid() for ax in png.axes for c in [*ax.lines, *ax.collections]}
    assert {"winner", "rate:member 0", "links:rate", "exploit:rate", "diverged:rate"} <= gids


def test_summary_gives_the_winning_schedule_and_its_constant_rate(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    result = write_report(made_study(PBT_TRIALS, PBT_SETTINGS, "made-pbt"), tmp_path)
    rec = recommend_pbt("made-pbt", PBT_SETTINGS, PBT_TRIALS)
    assert result.recommendation == rec and result.skipped == ()
    assert rec.learning_rate == pytest.approx(math.exp((math.log(0.1) + 2 * math.log(0.125)) / 3))
    summary = result.summary.read_text()
    assert f"**Use sgd at learning rate {rec.learning_rate:.3g}**" in summary
    assert "(150 lineage steps) in generation 2, the first in which any member reached" in summary
    assert "Rates that work: 0.116 only: the constant rates of the sgd members" in summary
    assert "a thin band: 1 rate within the margin" in summary
    rows = [line for line in summary.splitlines() if line.startswith("| ") and " to " in line]
    assert rows[:3] == [
        "| 0 | 1 | 0 to 50 | sgd | 0.1 | start | 0.7000 |",
        "| 1 | 0 | 50 to 100 | sgd | 0.125 | exploit-perturb | 0.8000 |",
        "| 2 | 0 | 100 to 150 | sgd | 0.125 | continue | 0.9200 |",
    ]
    assert "| adam | 2 | 0.001 to 0.003 | 0.5000 | 0.001 |" in summary
    assert "2 start, 2 continue, 1 exploit-perturb, 1 exploit-resample; 1 diverged" in summary
    assert "](lineages.png)" in summary


def test_a_member_at_chance_is_labelled_in_the_figure_and_the_summary(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    stuck = pbt_trial(1, 2, "sgd", 1e-4, "continue", 0.11, parent=3, stop_reason="chance")
    stuck.number = 5
    trials = [*PBT_TRIALS[:5], stuck]
    found = segments(trials)
    described = figure.lineage_figure(found, WINNER, PBT_SETTINGS, "made: pbt", "sub")
    (rate_mark,) = marks_tagged(described, "chance:rate")
    assert (rate_mark.xs, rate_mark.ys) == ([150], [1e-4])
    assert "at chance" in rate_mark.hover[0]
    labels = [k.label for k in described.key]
    assert "at chance" in labels and "diverged" not in labels
    result = write_report(made_study(trials, PBT_SETTINGS, "chance-pbt"), tmp_path)
    assert "0 diverged; 1 at chance (50 steps trained in all)" in result.summary.read_text()


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
    assert "**No member reached 90% train accuracy yet.**" in summary
    assert "member 0 at generation 2 (sgd, lr 0.125), train accuracy 0.8800" in summary
    assert advice in summary
    assert "## Winning schedule" not in summary


def test_a_pbt_study_with_nothing_finished_is_one_clear_line(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    with pytest.raises(ReportError, match=r"^PBT study 'empty' has no finished member-interval"):
        write_report(made_study([], PBT_SETTINGS, "empty"), tmp_path / "none")


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_a_real_pbt_report(pbt_study: optuna.Study, tmp_path: Path) -> None:
    result = write_report(pbt_study, tmp_path)
    assert [f.name for f in result.files] == [
        "lineages.png",
        "lineages.html",
        "plotly.min.js",
        "index.html",
        "summary.md",
    ]
    assert (tmp_path / "lineages.png").read_bytes()[:8] == PNG_SIGNATURE
    assert "small-pbt: " in (tmp_path / "lineages.html").read_text()
    trials = pbt_study.get_trials(deepcopy=False)
    found = segments(trials)
    described = figure.lineage_figure(found, [], stored_settings(pbt_study), "t", "s")
    members = {m.tag for m in described.panels[0].marks if isinstance(m, Line)}
    assert members == {f"rate:member {m}" for m in range(PBT_FLAGS["population"])}
    summary = result.summary.read_text()
    try:
        rec = recommend_pbt("small-pbt", stored_settings(pbt_study), trials)
    except NoResultError:
        assert result.recommendation is None and "No member reached 90% train accuracy" in summary
    else:
        assert result.recommendation == rec
        for i in rec.schedule:
            assert f"| {i.generation} | {i.member} | {i.start_step} to " in summary
