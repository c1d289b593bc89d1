"""A PBT study trains the generation in which a member first reaches to its end, so its
answer is a pure function of stored results: the same on one worker or three, and after
an interruption, whichever member happened to finish first."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import optuna
import pytest

from autolr.answers.catalog import recommendation
from autolr.answers.pbt_results import PBTRecommendation, band_to_measure
from autolr.report import write_report
from autolr.search.roles import BAND, ROLE_ATTR
from autolr.store.storage import open_storage
from autolr.store.stored import stored_settings
from autolr.study.runner import NullObserver, TuneRequest
from autolr.study.tuning import tune
from tests.helpers import SCALE, AutolrProcess

# Four members, intervals of 50 steps, a 200-step budget (4 generations): several members
# reach 90% in generation 1 or 2, at different checks.
FLAGS = {
    "sampler": "pbt",
    "prior": "none",
    "optimizers": ["adam", "sgd"],
    "lr_min": 1e-3,
    "lr_max": 0.1,
    "scale": float(SCALE),
    "train_size": 1000,
    "target": 0.9,
    "max_steps": 200,
    "population": 4,
    "interval": 50,
}


def population(storage: str, name: str) -> list[tuple[Any, ...]]:
    """Every member-interval as decided and trained, in slot order."""
    trials = optuna.load_study(study_name=name, storage=storage).get_trials()
    return sorted(
        (
            t.user_attrs["generation"],
            t.user_attrs["member"],
            t.params["optimizer"],
            t.params["learning_rate"],
            t.user_attrs["action"],
            t.user_attrs["steps"],
            t.user_attrs["reached"],
            round(t.value or 0.0, 6),
        )
        for t in trials
        if t.state.name == "COMPLETE" and "member" in t.user_attrs
    )


def answer(storage: str, name: str) -> dict[str, Any]:
    data = recommendation(open_storage(storage), name, storage).to_json()
    data.pop("study")
    return data


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_an_interrupted_study_resumes_to_the_answer_of_an_uninterrupted_one(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/pbt.db"
    flags = {**FLAGS, "data": mnist}
    whole = tune(TuneRequest("whole", storage, flags), NullObserver())
    assert whole.complete
    slots = population(storage, "whole")
    first = min(g for g, *_, reached, _ in slots if reached)
    reached_first = [s for s in slots if s[0] == first and s[6]]
    assert first >= 1 and len(reached_first) >= 2, slots  # the setup this test is about
    assert max(g for g, *_ in slots) == first  # the reaching generation, trained to its end
    assert {m for g, m, *_ in slots if g == first} == {0, 1, 2, 3}

    stopped = tune(TuneRequest("parts", storage, flags, n_trials=6), NullObserver())
    assert not stopped.complete  # stopped inside generation 1, as a crash would
    assert tune(TuneRequest("parts", storage, flags), NullObserver()).complete
    assert population(storage, "parts") == slots
    assert answer(storage, "parts") == answer(storage, "whole")


@pytest.mark.slow  # a whole study and its band runs
def test_a_band_the_population_left_thin_is_measured_with_constant_rate_runs(
    tmp_path: Path, mnist: str
) -> None:
    """Two members: at most two rates reached, a thin band, so constant-rate runs measure
    it (--band measure, the default), starting at the answer's constant rate."""
    storage = f"sqlite:///{tmp_path}/pbt.db"
    flags = {**FLAGS, "data": mnist, "population": 2, "optimizers": ["adam"], "lr_max": 0.01}
    outcome = tune(TuneRequest("thin", storage, flags), NullObserver())
    assert outcome.complete and outcome.follow_ups > 0
    study = optuna.load_study(study_name="thin", storage=storage)
    trials = study.get_trials()
    settings = stored_settings(study)
    assert band_to_measure(settings, trials) is not None  # the setup this test is about
    rec = recommendation(open_storage(storage), "thin", storage)
    assert isinstance(rec, PBTRecommendation)
    runs = [t for t in trials if t.user_attrs.get(ROLE_ATTR) == BAND]
    assert runs and all("member" not in t.user_attrs for t in runs)
    assert runs[0].params["learning_rate"] == pytest.approx(rec.learning_rate, rel=1e-9)
    assert rec.constant_rate_trained and rec.follow_up_trials == len(runs)
    if rec.constant_rate_steps is None:  # it missed alone: nothing to bracket
        assert len(runs) == 1 and not rec.band_measured and rec.thin_band
        assert "missed the target" in rec.band_source()
    else:
        assert rec.band_measured and not rec.thin_band
        assert f"{len(runs)} runs" in rec.band_source()
    # The report reads members and band runs apart, and says where the band came from.
    write_report(study, tmp_path / "report")
    summary = (tmp_path / "report" / "summary.md").read_text()
    assert rec.band_source() in summary.replace("\n", " ")


@pytest.mark.slow
def test_one_worker_and_three_give_the_same_population_and_answer(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/pbt.db"
    flags: list[str] = []
    for key, value in FLAGS.items():
        flags += [
            f"--{key.replace('_', '-')}",
            ",".join(value) if isinstance(value, list) else str(value),
        ]
    common = ["tune", "--storage", storage, *flags, "--data", mnist, "--quiet"]
    # --jobs gives each worker the machine's cores / 3 framework threads: the lone worker
    # gets as many, so both train with the same arithmetic.
    threads = {"AUTOLR_THREADS": str(max(1, (os.cpu_count() or 1) // 3))}
    one = AutolrProcess([*common, "--study", "one"], tmp_path, env=threads)
    assert one.finish() == 0, one.output
    three = AutolrProcess([*common, "--study", "three", "--jobs", "3"], tmp_path)
    assert three.finish() == 0, three.output
    assert "study three done" in three.output
    study = optuna.load_study(study_name="three", storage=storage)
    workers = {t.system_attrs["autolr:worker"]["pid"] for t in study.trials}
    assert len(workers) == 3  # all three trained
    assert population(storage, "three") == population(storage, "one")
    assert answer(storage, "three") == answer(storage, "one")
    shown = [
        AutolrProcess(["best", "--study", name, "--storage", storage, "--json"], tmp_path)
        for name in ("one", "three")
    ]
    for process in shown:
        assert process.finish() == 0, process.output
    texts = [json.loads(p.process.stdout.read()) for p in shown]  # type: ignore[union-attr]
    assert {k: v for k, v in texts[0].items() if k != "study"} == {
        k: v for k, v in texts[1].items() if k != "study"
    }
