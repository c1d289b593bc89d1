"""What optuna-dashboard shows of a study, set through the dashboard's own hooks.

- `label` (when a command opens a study to write): the objective's name, so the
  dashboard's axes and columns say "steps to 97% train accuracy" rather than "Objective 0",
  and the study attributes `kind` and `target` (optuna-dashboard 0.21's study cards show
  only a name and a direction; the attributes head the study page's table).
- `publish` (`autolr report`, and `tune` when a study completes): autolr's figures as the
  dashboard's plotly graphs, and `autolr best`'s answer as the study's note.

This module only stores; what the figures and the note say is the report's business.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import optuna
from optuna.storages import BaseStorage

from autolr.config import describe_goal
from autolr.settings import FIND, StudySettings

KIND_ATTR = "kind"
TARGET_ATTR = "target"
GRAPH_PREFIX = "autolr-"  # graph ids: saving a figure again replaces it
# The end of autolr's part of the study note: anything a user writes below it is kept.
NOTE_END = (
    "*Written by `autolr report`, which rewrites the note above this line; "
    "notes below it are kept.*"
)


def metric_name(settings: StudySettings) -> str:
    """The objective as a reader should read it, e.g. "steps to 97% train accuracy
    (over 1500: not reached)"."""
    if settings.sampler == FIND:
        return "lowest smoothed training loss (range test)"
    train = settings.train
    goal = f"to {train.goal.describe()}"
    if settings.objective == "time":
        return f"seconds {goal}"
    steps = "lineage steps" if settings.sampler == "pbt" else "steps"
    return f"{steps} {goal} (over {train.max_steps}: not reached)"


def kind(settings: StudySettings) -> str:
    """The kind of study in a few words: how its runs were chosen."""
    if settings.sampler == FIND:
        return f"find: learning-rate range test of {settings.source or 'a study'}"
    if settings.sampler in ("trace", "scale"):
        return f"{settings.sampler} of {settings.source or 'a study'}"
    if settings.sampler == "pbt":
        p = settings.pbt
        return f"pbt: population {p.population}, exploit every {p.interval} steps"
    if settings.sampler == "grid":
        return "grid: every optimizer at 6 rates per decade"
    return f"{settings.sampler} search (prior: {settings.prior})"


def target(settings: StudySettings) -> str:
    train = settings.train
    if settings.sampler == FIND:
        return f"none: {settings.find_steps} steps per optimizer, the rate rising"
    return (
        f"{describe_goal(train)}, batch {train.batch_size}, "
        f"budget {train.describe_budget()} per run"
    )


def label(study: optuna.Study, settings: StudySettings) -> None:
    """Name the objective and say what the study is; writes only what changed, so many
    workers opening one study do not queue to rewrite the same attributes."""
    name = metric_name(settings)
    if study.metric_names != [name]:
        with warnings.catch_warnings():  # "experimental" since Optuna 3.2; the dashboard reads it
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names([name])
    for key, value in ((KIND_ATTR, kind(settings)), (TARGET_ATTR, target(settings))):
        if study.user_attrs.get(key) != value:
            study.set_user_attr(key, value)


def publish(study: optuna.Study, figures: Sequence[tuple[str, Any]], note: str) -> None:
    """Save each (name, plotly figure: the report draws them) as a dashboard graph, and
    `note` as the top of the study's note (a user's own text below NOTE_END survives)."""
    from optuna_dashboard import get_note, save_note, save_plotly_graph_object

    for name, figure in figures:
        save_plotly_graph_object(study, figure, graph_object_id=GRAPH_PREFIX + name)
    save_note(study, merged_note(note, get_note(study)))


def current_note(study: optuna.Study) -> str:
    """The study's note as it stands ("" if none)."""
    from optuna_dashboard import get_note

    return str(get_note(study))


def merged_note(ours: str, existing: str) -> str:
    """autolr's note, then whatever a user had written below the previous one (or the
    whole previous note, if autolr never wrote it)."""
    _, found, theirs = existing.partition(NOTE_END)
    kept = (theirs if found else existing).strip("\n")
    return f"{ours.rstrip()}\n\n{NOTE_END}\n" + (f"\n{kept}\n" if kept.strip() else "")


def graph_names(storage: BaseStorage, study_name: str) -> list[str]:
    """The names of the autolr figures saved to a study."""
    attrs = storage.get_study_system_attrs(storage.get_study_id_from_name(study_name))
    prefix = "dashboard:plot_data:" + GRAPH_PREFIX
    keys = [key[len(prefix) :] for key in attrs if key.startswith(prefix)]
    return sorted({key.rsplit(":", 1)[0] for key in keys})
