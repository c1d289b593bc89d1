"""A real search ending with its band measured: the follow-ups are trials of the study,
stopped only by the exact rule, and they resume after a kill to the same answer."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import optuna
import pytest

from autolr.search.roles import BAND, ROLE_ATTR, SEED
from tests.helpers import AutolrProcess, invoke

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
TABULAR = ["--data-fn", "tabular:load", "--model", "tabular:mlp", "--metric", "val_accuracy",
           "--target", "0.97", "--max-steps", "300", "--batch-size", "32", "--check-every",
           "10", "--optimizers", "adam,momentum,adagrad", "--find-steps", "100",
           "--n-trials", "8", "--quiet"]  # fmt: skip


@pytest.fixture()
def examples(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder)
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    return folder


def _best(storage: str, study: str) -> dict:
    result = invoke("best", "--study", study, "--storage", storage, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_search_ends_with_its_band_measured_and_says_what_it_cost(examples: Path) -> None:
    storage = f"sqlite:///{examples / 'band.db'}"
    result = invoke("tune", "--study", "band", "--storage", storage, *TABULAR)
    assert result.exit_code == 0, result.output
    trials = optuna.load_study(study_name="band", storage=storage).trials
    extra = [t for t in trials if ROLE_ATTR in t.user_attrs]
    assert extra and len(trials) - len(extra) == 8
    for t in extra:  # measured, not searched: only the exact rule may stop a band run
        reason = t.user_attrs.get("stop_reason")
        assert (t.user_attrs[ROLE_ATTR], reason) in {(BAND, None), (BAND, "slower"), (SEED, None)}
    assert f"then {len(extra)} runs measuring the band and ties" in result.stderr
    answer = _best(storage, "band")
    assert answer["per_optimizer"][answer["optimizer"]]["band_measured"]
    assert answer["follow_up_trials"] == len(extra)
    assert answer["follow_up_steps"] == sum(t.user_attrs["steps"] for t in extra)
    if answer["seed_steps"]:  # leaders ran at 3 seeds: the answer says why it chose
        assert answer["reason"] and answer["tied"][0] == answer["optimizer"]
    shown = invoke("best", "--study", "band", "--storage", storage)
    assert "edges measured on the grid" in shown.stdout
    assert f"measuring the band and the ties took {len(extra)} runs" in shown.stdout


@pytest.mark.slow
def test_follow_ups_resume_after_a_kill_to_the_answer_of_an_unbroken_run(examples: Path) -> None:
    whole = f"sqlite:///{examples / 'whole.db'}"
    assert invoke("tune", "--study", "s", "--storage", whole, *TABULAR).exit_code == 0
    broken = f"sqlite:///{examples / 'broken.db'}"
    process = AutolrProcess(["tune", "--study", "s", "--storage", broken, *TABULAR], examples)
    process.wait_for(r"\((band edge|seed \d)\): (reached|pruned|budget)")  # a follow-up ended
    process.process.send_signal(signal.SIGKILL)
    process.finish()
    again = invoke("tune", "--study", "s", "--storage", broken, *TABULAR)
    assert again.exit_code == 0, again.output
    first, second = _best(whole, "s"), _best(broken, "s")
    for key in ("optimizer", "learning_rate", "band", "tied", "seed_steps", "value"):
        assert first[key] == second[key], key
