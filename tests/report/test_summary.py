"""summary.md says what the early stops cost: "exact" only when every stop was the exact
`slower` rule; and a `behind` stop is told as what the rule measured."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import optuna

from autolr.console.base import describe_trial
from autolr.report import write_report
from autolr.study.objective import STOP_REASONS
from tests.report.conftest import MADE_SETTINGS, MadeStudy, made_trial


def _pruned(optimizer: str, lr: float, steps: int, reason: str) -> optuna.trial.FrozenTrial:
    trial = made_trial(optimizer, lr, steps, state="PRUNED")
    trial.set_user_attr("stop_reason", reason)
    return trial


def _summary(study: optuna.Study, out: Path) -> str:
    return write_report(study, out).summary.read_text()


def test_bands_are_exact_only_when_every_stop_was_slower(
    made_study: MadeStudy, mixed_study: tuple[str, str], tmp_path: Path
) -> None:
    reached = [made_trial("adam", 1e-3, 300), made_trial("adam", 3e-3, 350)]
    grid = dataclasses.replace(MADE_SETTINGS, sampler="grid", prune=True)
    slower = made_study([*reached, _pruned("adam", 1e-2, 450, "slower")], grid, "slower")
    assert "so the bands are exact" in _summary(slower, tmp_path / "slower")
    # One heuristic stop among them: no claim of exactness, and the rule is named.
    mixed = [*reached, _pruned("adam", 1e-2, 450, "slower"), _pruned("adam", 2e-3, 100, "behind")]
    text = _summary(made_study(mixed, grid, "heuristic"), tmp_path / "heuristic")
    assert "exact" not in text and "1 behind" in text
    # A real study whose one stop was `behind` (and pruning on).
    url, name = mixed_study
    real = _summary(optuna.load_study(study_name=name, storage=url), tmp_path / "real")
    assert "exact" not in real and "narrower than the truth" in real


def test_a_behind_stop_says_what_the_rule_measured(mixed_study: tuple[str, str]) -> None:
    url, name = mixed_study
    trials = optuna.load_study(study_name=name, storage=url).trials
    (behind,) = [t for t in trials if t.user_attrs.get("stop_reason") == "behind"]
    line = describe_trial(behind)
    # "far behind" is not what the median rule measures: a run it stops can be projected
    # to finish before the best run.
    assert "far behind" not in line and "far behind" not in STOP_REASONS["behind"]
    assert "behind the median of finished runs at the same step" in line
