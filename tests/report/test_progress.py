"""The live trials bar while follow-ups run: it stops at the trials asked for and counts
the follow-up runs beside it ("12/12 +5 follow-up runs", never "17/12")."""

from __future__ import annotations

import optuna

from autolr.answers.catalog import progress
from autolr.console.progress import JobsDisplay, TuneDisplay
from autolr.search.roles import ROLE_ATTR, SEED, SEED_ATTR
from tests.report.conftest import MADE_SETTINGS, made_trial


def test_the_live_bar_stops_at_its_total_while_follow_ups_run() -> None:
    display = TuneDisplay()
    display.study_ready("s", MADE_SETTINGS, total=3, done=0)
    assert display.trials is not None
    for searched, follow_ups in ((1, 0), (2, 0), (3, 0), (3, 1), (3, 2)):
        trial = made_trial("adam", 0.01, 100)
        display.trial_finished(trial, searched, follow_ups, None)
    task = display.progress.tasks[display.trials]
    assert (task.completed, task.total) == (3, 3)
    assert task.description.startswith("trials +2 follow-up runs")

    jobs = JobsDisplay("s", 3, quiet=False)
    jobs.update(3, 1, "best: 100 steps", follow_ups=2)
    task = jobs.progress.tasks[jobs.task]
    assert (task.completed, task.total) == (3, 3)
    assert task.description == "1 running +2 follow-up runs · best: 100 steps"


def test_with_jobs_the_bar_reads_the_studys_search_trials_and_follow_ups_apart() -> None:
    """What `tune --jobs` polls: the search's trials and the follow-ups, by role."""
    study = optuna.create_study()
    for steps in (100, 200, 300):
        study.add_trial(made_trial("adam", 0.01, steps))
    for seed in (1, 2):
        rerun = made_trial("adam", 0.01, 150)
        rerun.user_attrs.update({ROLE_ATTR: SEED, SEED_ATTR: seed})
        study.add_trial(rerun)
    searched, running, _, follow_ups = progress(study)
    jobs = JobsDisplay("s", 3, quiet=False)
    jobs.update(searched, running, "", follow_ups)
    task = jobs.progress.tasks[jobs.task]
    assert (task.completed, task.description) == (3, "0 running +2 follow-up runs · ")
