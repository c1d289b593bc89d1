"""autolr's view inside optuna-dashboard: `autolr report` saves its figures and a note
with `autolr best`'s answer into the study (a user's own note survives), `tune` does
when a study completes, and read-only commands leave the storage untouched."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import optuna
import plotly.graph_objects as go
import pytest
from optuna_dashboard import get_note, save_note

from autolr.answers import dashboard
from autolr.report.dashboard import publish
from autolr.store.storage import open_storage
from tests.helpers import copy_of, invoke, small_pbt_args
from tests.report.conftest import MADE_SETTINGS, TPE_TRIALS, MadeStudy

# The mixed study's figures: no two optimizers reached at one rate, so no envelope.
FIGURES = ["bands", "time_to_target"]


def digest(url: str) -> str:
    return hashlib.sha256(Path(url.removeprefix("sqlite:///")).read_bytes()).hexdigest()


def test_report_saves_its_figures_and_autolr_best_into_the_study(
    mixed_study: tuple[str, str], tmp_path: Path
) -> None:
    url = copy_of(mixed_study[0], tmp_path)
    done = invoke("report", "--study", "mixed", "--storage", url, "--out", str(tmp_path / "r"))
    assert done.exit_code == 0, done.output
    assert dashboard.graph_names(open_storage(url), "mixed") == FIGURES
    answer = json.loads(invoke("best", "--study", "mixed", "--storage", url, "--json").stdout)
    study = optuna.load_study(study_name="mixed", storage=url)
    note = get_note(study)
    assert note.startswith(
        f"## autolr best: {answer['optimizer']} at learning rate {answer['learning_rate']:.3g}"
    )
    assert f"(trial {study.best_trial.number}, the dashboard's Best Trial)" in note
    assert "**Reading the values.**" in note and dashboard.NOTE_END in note
    for title in ("Time to target vs learning rate", "Success band per optimizer"):
        assert f"- **{title}.**" in note  # captions and footnotes live in the note


def test_a_users_note_below_autolrs_part_survives_a_new_report(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    study = made_study(TPE_TRIALS)
    publish(study)
    save_note(study, get_note(study) + "\nMy own finding: adam is noisy here.\n")
    publish(study)
    note = get_note(study)
    assert note.count("## autolr best:") == 1
    assert note.endswith(f"{dashboard.NOTE_END}\n\nMy own finding: adam is noisy here.\n")


def test_a_note_autolr_never_wrote_is_kept_below_its_own(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    study = made_study(TPE_TRIALS)
    save_note(study, "Written in the dashboard before any report.")
    publish(study)
    assert get_note(study).endswith("\nWritten in the dashboard before any report.\n")


def saved_figures(url: str, name: str) -> dict[str, dict]:
    """The study's plotly graphs as optuna-dashboard reads them for its page."""
    from optuna_dashboard._custom_plot_data import get_plotly_graph_objects

    storage = open_storage(url)
    attrs = storage.get_study_system_attrs(storage.get_study_id_from_name(name))
    return {k: json.loads(v) for k, v in get_plotly_graph_objects(attrs).items()}


def test_saved_figures_fit_the_dashboards_cards(made_study: MadeStudy, tmp_path: Path) -> None:
    assert publish(made_study(TPE_TRIALS)) == ["time_to_target", "envelope", "bands"]
    figures = saved_figures(f"sqlite:///{tmp_path}/made.db", "made")
    assert sorted(figures) == [f"autolr-{name}" for name in ("bands", "envelope", "time_to_target")]
    layout = figures["autolr-time_to_target"]["layout"]
    assert layout["height"] == 450  # the card's height: nothing is cut off
    assert "made: time to target vs learning rate" in layout["title"]["text"]


def test_a_figure_the_study_no_longer_supports_is_replaced_not_left_stale(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    from tests.report.conftest import made_trial

    study = made_study([made_trial("adam", 1e-3, 300), made_trial("sgd", 1e-3, None)])
    # An earlier report drew the figure, and its note listed it.
    older = "- **Time to target vs learning rate.** as an earlier report drew it"
    dashboard.publish(study, [("time_to_target", go.Figure())], older)
    assert publish(study) == ["bands"]
    figures = saved_figures(f"sqlite:///{tmp_path}/made.db", "made")
    title = figures["autolr-time_to_target"]["layout"]["title"]["text"]
    assert title == (
        "<b>time_to_target</b>: not drawn (only 1 run reached the target, so there is no "
        "curve to draw)"
    )


def test_read_only_commands_leave_the_storage_untouched(
    mixed_study: tuple[str, str], tmp_path: Path
) -> None:
    url = copy_of(mixed_study[0], tmp_path)
    before = digest(url)
    for args in (
        ["best", "--study", "mixed", "--storage", url],
        ["best", "--study", "mixed", "--storage", url, "--json"],
        ["studies", "--storage", url],
        [
            "report",
            "--study",
            "mixed",
            "--storage",
            url,
            "--out",
            str(tmp_path / "r"),
            "--no-dashboard",
        ],
    ):
        assert invoke(*args).exit_code == 0, args
    assert digest(url) == before


@pytest.mark.parametrize("kind", ["pbt"])
def test_tune_saves_autolrs_view_when_a_study_completes(
    kind: str, tmp_path: Path, mnist: str
) -> None:
    url = f"sqlite:///{tmp_path}/pbt.db"
    args = small_pbt_args("done", mnist, "--storage", url, "--prior", "none")
    args[args.index("--max-steps") + 1] = "50"  # one generation: quick, and complete
    done = invoke(*args)
    assert done.exit_code == 0, done.output
    assert dashboard.graph_names(open_storage(url), "done") == ["lineages"]
    study = optuna.load_study(study_name="done", storage=url)
    assert study.metric_names == ["lineage steps to 99.9% train accuracy (over 50: not reached)"]
    assert get_note(study).startswith("## autolr best: no answer yet")


def test_publishing_labels_studies_made_before_labels_existed(made_study: MadeStudy) -> None:
    study = made_study(TPE_TRIALS)
    assert study.metric_names is None
    publish(study)
    assert study.metric_names == [dashboard.metric_name(MADE_SETTINGS)]


def test_the_note_says_when_old_tied_values_let_the_card_differ(made_study: MadeStudy) -> None:
    from tests.report.conftest import made_trial

    # Stored before the tie-break: both worth exactly 300; `autolr best` takes the lower rate.
    study = made_study([made_trial("adam", 2e-3, 300), made_trial("adam", 1e-3, 300)])
    publish(study)
    assert "(trial 1; the Best Trial card shows trial 0, which needed as many steps" in (
        get_note(study)
    )


def test_the_note_explains_the_tie_break_fraction_only_where_a_value_carries_one(
    made_study: MadeStudy, mixed_study: tuple[str, str], tmp_path: Path
) -> None:
    # Whole-step values (stored before the tie-break): no fraction to explain.
    whole = made_study(TPE_TRIALS)
    publish(whole)
    assert "after the point" not in get_note(whole)
    # A real study's reached values carry one: read with its own best value as example.
    url = copy_of(mixed_study[0], tmp_path)
    study = optuna.load_study(study_name="mixed", storage=url)
    publish(study)
    best = study.best_trial
    assert best.value is not None and best.value != int(best.value)
    assert f"read {best.value!r} (trial {best.number}) as {int(best.value)} steps" in (
        get_note(study)
    )


def test_pbt_best_the_report_and_the_best_trial_card_name_one_answer(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    from autolr.answers.pbt_results import recommend_pbt
    from autolr.report import write_report
    from tests.answers.test_pbt_results import SETTINGS, TRIALS

    study = made_study(TRIALS, SETTINGS, "pbt-answer")
    rec = recommend_pbt("pbt-answer", SETTINGS, study.get_trials())
    report = tmp_path / "report"
    publish(study, write_report(study, report))
    winner = rec.schedule[-1].trial
    assert study.best_trial.number == winner  # the dashboard's Best Trial card
    note = get_note(study)
    assert note.startswith(f"## autolr best: adam at learning rate {rec.learning_rate:.3g}")
    assert f"took 150 lineage steps (trial {winner}, the dashboard's Best Trial)" in note
    summary = (report / "summary.md").read_text()
    assert f"**Use adam at learning rate {rec.learning_rate:.3g}**" in summary
    assert "(150 lineage steps) in generation 1" in summary


def test_pbt_with_no_member_at_the_target_says_so_everywhere(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    from autolr.answers.pbt_results import recommend_pbt
    from autolr.answers.results import NoResultError
    from autolr.report import write_report
    from tests.answers.test_pbt_results import SETTINGS, TRIALS

    study = made_study(TRIALS[:4], SETTINGS, "pbt-none")  # generation 0: nobody reached
    report = tmp_path / "report"
    publish(study, write_report(study, report))
    with pytest.raises(NoResultError):
        recommend_pbt("pbt-none", SETTINGS, study.get_trials())
    note = get_note(study)
    assert note.startswith("## autolr best: no answer yet")
    assert "The Best Trial card shows the member-interval with the lowest value: above" in note
    assert "**No member reached 90% train accuracy yet.**" in (report / "summary.md").read_text()
