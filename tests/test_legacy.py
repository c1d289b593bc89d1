"""A study stored by autolr before metrics could be chosen (tests/data/legacy-study.json,
dumped from a real study that commit be51790 made, with `--metric cumulative`, which then
meant how training accuracy is averaged) opens, reports and resumes unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest

from autolr.settings import StudySettings
from autolr.store.stored import stored_settings
from tests.helpers import invoke

LEGACY = json.loads((Path(__file__).parent / "data" / "legacy-study.json").read_text())


@pytest.fixture()
def legacy_storage(tmp_path: Path) -> str:
    """The dumped study, loaded into a fresh SQLite file as Optuna stored it."""
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    storage = optuna.storages.RDBStorage(url)
    study = optuna.create_study(study_name=LEGACY["study_name"], storage=storage)
    for key, value in LEGACY["user_attrs"].items():
        study.set_user_attr(key, value)
    study_id = storage.get_study_id_from_name(study.study_name)
    for key, value in LEGACY["system_attrs"].items():
        storage.set_study_system_attr(study_id, key, value)
    for t in LEGACY["trials"]:
        study.add_trial(
            optuna.trial.create_trial(
                state=optuna.trial.TrialState[t["state"]],
                value=t["value"],
                params=t["params"],
                distributions={
                    k: optuna.distributions.json_to_distribution(v)
                    for k, v in t["distributions"].items()
                },
                user_attrs=t["user_attrs"],
                system_attrs=t["system_attrs"],
                intermediate_values={int(k): v for k, v in t["intermediate_values"].items()},
            )
        )
    return url


def test_its_settings_mean_what_they_meant(legacy_storage: str) -> None:
    settings = stored_settings(optuna.load_study(study_name="legacy", storage=legacy_storage))
    assert settings.train.metric == "accuracy" and settings.train.average == "cumulative"
    assert settings.data.task == "classification" and settings.optimizer_fns == ()
    assert settings.train.batch_size == 100
    assert StudySettings.from_flat(LEGACY["user_attrs"]["autolr"]) == settings


def test_best_gives_the_answer_it_gave(legacy_storage: str) -> None:
    result = invoke("best", "--study", "legacy", "--storage", legacy_storage, "--json")
    assert result.exit_code == 0, result.output
    now, then = json.loads(result.stdout), LEGACY["best_json"]
    for key in ("optimizer", "learning_rate", "value", "band", "target", "finished_trials"):
        assert now[key] == then[key], key
    for name, result in then["per_optimizer"].items():
        assert {k: now["per_optimizer"][name][k] for k in result} == result, name
    assert now["tied"] == [now["optimizer"]] and now["follow_up_trials"] == 0  # none then
    assert now["metric"] == "accuracy"


def test_it_reports_and_resumes_with_its_settings(
    legacy_storage: str, mnist: str, tmp_path: Path
) -> None:
    report = invoke(
        "report", "--study", "legacy", "--storage", legacy_storage, "--out", str(tmp_path / "r")
    )
    assert report.exit_code == 0, report.output
    assert "(cumulative average)" in (tmp_path / "r" / "summary.md").read_text()
    more = invoke(
        "tune", "--study", "legacy", "--storage", legacy_storage, "--n-trials", "6",
        "--data", mnist, "--quiet",
    )  # fmt: skip
    assert more.exit_code == 0, more.output
    study = optuna.load_study(study_name="legacy", storage=legacy_storage)
    assert len([t for t in study.trials if t.state.is_finished()]) == 6
    assert study.user_attrs["autolr"] == LEGACY["user_attrs"]["autolr"]  # not rewritten
    conflict = invoke(
        "tune", "--study", "legacy", "--storage", legacy_storage, "--average", "window",
        "--data", mnist,
    )  # fmt: skip
    assert conflict.exit_code == 1 and "--average cumulative (asked window)" in conflict.stderr
