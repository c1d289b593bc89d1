"""Population-based training: decisions by hand, then real populations on real storage."""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import FrozenTrial, TrialState

from autolr.answers.catalog import recommendation
from autolr.answers.pbt_results import PBTRecommendation
from autolr.search import pbt
from autolr.search.prior import SPACE_ATTR, SearchSpace
from autolr.settings import PBTSettings, StudySettings
from autolr.store.storage import open_storage
from autolr.study.runner import NullObserver, TuneRequest
from autolr.study.tuning import tune
from tests.helpers import SCALE

SETTINGS = StudySettings(
    sampler="pbt",
    optimizers=("adam", "sgd"),
    lr_min=1e-4,
    lr_max=1.0,
    pbt=PBTSettings(
        population=4, interval=50, quantile=0.25, perturb=(0.8, 1.25), resample_prob=0.0
    ),
)
DISTRIBUTIONS = {
    "optimizer": CategoricalDistribution(["adam", "sgd"]),
    "learning_rate": FloatDistribution(1e-4, 1.0, log=True),
}


def interval(
    number: int,
    member: int,
    generation: int,
    accuracy: float,
    lr: float,
    optimizer: str = "adam",
    state: str = "COMPLETE",
    **attrs: object,
) -> FrozenTrial:
    trial = optuna.trial.create_trial(
        state=TrialState[state],
        value=6000.0 if state == "COMPLETE" else None,
        params={"optimizer": optimizer, "learning_rate": lr},
        distributions=DISTRIBUTIONS,
        user_attrs={
            "member": member,
            "generation": generation,
            "lineage_steps": 50 * generation,
            "steps": 50,
            "final_accuracy": accuracy,
            "reached": False,
            "checkpoint": f"ckpt-{number}",
            **attrs,
        },
    )
    trial.number = number
    return trial


GENERATION_0 = [
    interval(0, 0, 0, 0.50, 1e-3),
    interval(1, 1, 0, 0.90, 1e-2),
    interval(2, 2, 0, 0.70, 3e-3),
    interval(3, 3, 0, 0.20, 0.9, optimizer="sgd"),
]


def test_generation_zero_samples_the_space() -> None:
    population = pbt.Population([], SETTINGS)
    decisions = [pbt.decide(population, pbt.Slot(0, m), seed=0) for m in range(4)]
    assert all(d.action == "start" and d.parent is None for d in decisions)
    assert all(1e-4 <= d.learning_rate <= 1.0 and d.optimizer in ("adam", "sgd") for d in decisions)


def test_the_bottom_member_copies_the_top_one_and_perturbs_its_rate() -> None:
    population = pbt.Population(GENERATION_0, SETTINGS)
    worst = pbt.decide(population, pbt.Slot(1, 3), seed=0)
    assert worst.action == "exploit-perturb" and worst.donor == 1
    assert worst.parent == 1 and worst.parent_checkpoint == "ckpt-1"
    assert worst.optimizer == "adam"
    assert worst.learning_rate in (pytest.approx(1e-2 * 0.8), pytest.approx(1e-2 * 1.25))
    assert worst.lineage_steps == 50 and worst.keep_optimizer_state


@pytest.mark.parametrize("member", [0, 1, 2])
def test_the_rest_continue_their_own_lineage(member: int) -> None:
    decision = pbt.decide(pbt.Population(GENERATION_0, SETTINGS), pbt.Slot(1, member), seed=0)
    own = GENERATION_0[member]
    assert decision.action == "continue" and decision.parent == own.number
    assert decision.learning_rate == own.params["learning_rate"]


def test_perturbation_stays_inside_the_space() -> None:
    near_top = [
        interval(0, 0, 0, 0.95, 0.9),
        interval(1, 1, 0, 0.1, 1e-4),
        interval(2, 2, 0, 0.5, 1e-3),
        interval(3, 3, 0, 0.4, 1e-3),
    ]
    rates = {
        pbt.decide(pbt.Population(near_top, SETTINGS), pbt.Slot(1, 1), seed=s).learning_rate
        for s in range(20)
    }
    assert rates <= {0.9 * 0.8, 1.0}  # 0.9 x 1.25 is clipped to lr_max


def test_resampling_draws_a_new_optimizer_and_rate_with_fresh_state_when_it_changes() -> None:
    resampling = StudySettings(
        **{**SETTINGS.__dict__, "pbt": PBTSettings(population=4, resample_prob=1.0)}
    )
    population = pbt.Population(GENERATION_0, resampling)
    decisions = [pbt.decide(population, pbt.Slot(1, 3), seed=s) for s in range(10)]
    assert {d.action for d in decisions} == {"exploit-resample"}
    assert all(d.keep_optimizer_state == (d.optimizer == "adam") for d in decisions)
    assert all(1e-4 <= d.learning_rate <= 1.0 for d in decisions)


def test_a_lost_or_diverged_member_exploits_and_the_barrier_counts_it_done() -> None:
    trials = [*GENERATION_0[:3], interval(3, 3, 0, 0.0, 0.9, state="FAIL", lost=True)]
    population = pbt.Population(trials, SETTINGS)
    assert population.next_slot() == pbt.Slot(1, 0)
    assert pbt.decide(population, pbt.Slot(1, 3), seed=0).action == "exploit-perturb"
    crashed = [*GENERATION_0[:3], interval(3, 3, 0, 0.0, 0.9, state="FAIL")]
    assert pbt.Population(crashed, SETTINGS).next_slot() == pbt.Slot(0, 3)  # redo it


def test_the_next_generation_waits_for_the_whole_population() -> None:
    running = [*GENERATION_0[:3], interval(3, 3, 0, 0.0, 0.9, state="RUNNING")]
    assert pbt.Population(running, SETTINGS).next_slot() == pbt.WAIT


def test_the_first_generation_that_reaches_is_trained_to_its_end_and_no_further() -> None:
    winner = interval(1, 1, 0, 0.97, 1e-2, reached=True)
    partial = [GENERATION_0[0], winner]
    assert pbt.Population(partial, SETTINGS).next_slot() == pbt.Slot(0, 2)
    running = [*partial, GENERATION_0[2], interval(3, 3, 0, 0.2, 0.9, state="RUNNING")]
    assert pbt.Population(running, SETTINGS).next_slot() == pbt.WAIT
    finished = [*partial, *GENERATION_0[2:]]
    population = pbt.Population(finished, SETTINGS)
    assert population.next_slot() == pbt.DONE  # generation 1 is never started
    assert [t.number for t in population.winners()] == [1]


def test_every_member_at_chance_is_replaced_whatever_the_quantile_says() -> None:
    chance = {"stop_reason": "chance", "steps": 20}
    trials = [
        interval(0, 0, 0, 0.90, 1e-2),
        interval(1, 1, 0, 0.80, 5e-3),
        interval(2, 2, 0, 0.12, 1e-4, **chance),
        interval(3, 3, 0, 0.11, 1e-4, **chance),
    ]
    population = pbt.Population(trials, SETTINGS)  # quantile 0.25 of 4: one member
    for member in (2, 3):
        decision = pbt.decide(population, pbt.Slot(1, member), seed=0)
        assert (decision.action, decision.donor, decision.parent) == ("exploit-perturb", 0, 0)
        assert decision.lineage_steps == 50  # the donor's steps, not the 20 it trained
    assert pbt.decide(population, pbt.Slot(1, 1), seed=0).action == "continue"


def test_a_population_all_at_chance_goes_on_by_the_quantile() -> None:
    chance = {"stop_reason": "chance", "steps": 20}
    trials = [interval(m, m, 0, 0.1 + m / 100, 1e-4, **chance) for m in range(4)]
    population = pbt.Population(trials, SETTINGS)
    decisions = [pbt.decide(population, pbt.Slot(1, m), seed=0) for m in range(4)]
    assert [d.action for d in decisions] == ["exploit-perturb"] + ["continue"] * 3
    assert decisions[0].donor == 3 and decisions[1].lineage_steps == 20  # steps it trained


def test_generation_zero_starts_at_the_range_test_suggestions() -> None:
    space = SearchSpace(
        {"sgd": (0.01, 1.0), "adam": (1e-4, 1e-2)}, suggestions={"sgd": 0.1, "adam": 1e-3}
    )
    population = pbt.Population([], SETTINGS)
    decisions = [pbt.decide(population, pbt.Slot(0, m), 0, space) for m in range(4)]
    assert [(d.optimizer, d.learning_rate) for d in decisions[:2]] == [("sgd", 0.1), ("adam", 1e-3)]
    for d in decisions[2:]:  # the rest drawn from each optimizer's range
        low, high = space.ranges[d.optimizer]
        assert d.action == "start" and low <= d.learning_rate <= high


def pbt_flags(mnist: str, **extra: object) -> dict:
    return {
        "sampler": "pbt",
        "optimizers": ["adam", "sgd"],
        "lr_min": 1e-3,
        "lr_max": 0.3,
        "scale": float(SCALE),
        "train_size": 2000,
        "target": 0.999,
        "max_steps": 200,
        "population": 4,
        "interval": 50,
        "prior": "none",  # most tests here are about PBT itself; one below uses the prior
        "band": "none",  # the population only (band runs: tests/study/test_pbt_generations.py)
        "data": mnist,
        **extra,
    }


def slots(study: optuna.Study) -> Counter:
    return Counter(
        (t.user_attrs["generation"], t.user_attrs["member"])
        for t in study.trials
        if t.state.name == "COMPLETE"
    )


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_a_population_trains_every_slot_once_and_exploit_copies_weights(
    tmp_path: Path, mnist: str
) -> None:
    storage = f"sqlite:///{tmp_path}/pbt.db"
    flags = pbt_flags(mnist, prior="find", find_steps=60)
    tune(TuneRequest("population", storage, flags), NullObserver())
    study = optuna.load_study(study_name="population", storage=storage)
    assert slots(study) == Counter({(g, m): 1 for g in range(4) for m in range(4)})
    by_number = {t.number: t for t in study.trials}
    exploits = 0
    # With the range-test prior, members start in, and perturb within, their bands.
    ranges = study.user_attrs[SPACE_ATTR]["ranges"]
    for trial in study.trials:
        attrs = trial.user_attrs
        low, high = ranges[trial.params["optimizer"]]
        assert 1e-3 <= low <= trial.params["learning_rate"] <= high <= 0.3
        if attrs["parent_trial"] is None:
            assert attrs["generation"] == 0
            continue
        parent = by_number[attrs["parent_trial"]]
        # The interval started from exactly the weights its parent ended with.
        assert attrs["start_fingerprint"] == parent.user_attrs["end_fingerprint"]
        assert attrs["lineage_steps"] == parent.user_attrs["lineage_steps"] + 50
        assert attrs["lineage_seconds"] == pytest.approx(
            parent.user_attrs["lineage_seconds"] + parent.user_attrs["train_seconds"], abs=1e-3
        )
        if attrs["action"].startswith("exploit"):
            exploits += 1
            assert parent.user_attrs["member"] == attrs["donor_member"] != attrs["member"]
    assert exploits >= 3  # one bottom member per generation after the first
    # Checkpoints nobody can inherit any more are gone: two generations at most remain.
    files = [p for p in (tmp_path / "artifacts").iterdir() if p.is_file()]
    assert len(files) <= 2 * 4
    oldest = {t.user_attrs["checkpoint"] for t in study.trials if t.user_attrs["generation"] < 2}
    assert not oldest & {p.name for p in files}


def _wrong_model_checkpoint() -> bytes:
    """A readable checkpoint, but of some other model: it opens, then does not fit."""
    buffer = io.BytesIO()
    np.savez(buffer, optimizer_name=np.array("adam"), model_0=np.zeros((3, 3), np.float32))
    return buffer.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda: b"not a checkpoint", "is missing or damaged"),
        (_wrong_model_checkpoint, "does not fit the model"),
    ],
    ids=["unreadable", "another-model"],
)
def test_a_damaged_checkpoint_fails_that_member_and_the_population_goes_on(
    tmp_path: Path, mnist: str, damage: Callable[[], bytes], message: str
) -> None:
    storage = f"sqlite:///{tmp_path}/pbt.db"
    flags = pbt_flags(mnist, max_steps=150)
    tune(TuneRequest("damaged", storage, flags, n_trials=4), NullObserver())  # generation 0 only
    study = optuna.load_study(study_name="damaged", storage=storage)
    victim = max(study.trials, key=lambda t: t.user_attrs["final_accuracy"])  # everyone's donor
    (tmp_path / "artifacts" / victim.user_attrs["checkpoint"]).write_bytes(damage())
    tune(TuneRequest("damaged", storage, flags), NullObserver())
    study = optuna.load_study(study_name="damaged", storage=storage)
    lost = [t for t in study.trials if t.user_attrs.get("lost")]
    assert lost and all(message in t.user_attrs["error"] for t in lost)
    assert all(t.user_attrs["parent_trial"] == victim.number for t in lost)
    generation_2 = [t for t in study.trials if t.user_attrs["generation"] == 2]
    assert len(generation_2) == 4 and all(t.state.name == "COMPLETE" for t in generation_2)


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_best_on_a_pbt_study_prints_the_winning_schedule(tmp_path: Path, mnist: str) -> None:
    storage = f"sqlite:///{tmp_path}/pbt.db"
    flags = pbt_flags(mnist, target=0.9, lr_min=1e-3, lr_max=0.1)
    outcome = tune(TuneRequest("winner", storage, flags), NullObserver())
    assert outcome.complete
    rec = recommendation(open_storage(storage), "winner", storage)
    assert isinstance(rec, PBTRecommendation)
    steps = [i.start_step for i in rec.schedule]
    assert steps == list(range(0, 50 * len(steps), 50)) and rec.value == steps[-1] + 50
    low, high = rec.band
    assert low <= rec.learning_rate <= high
    used = [i.learning_rate for i in rec.schedule if i.optimizer == rec.optimizer]
    assert math.isclose(rec.final_learning_rate, used[-1])
    data = rec.to_json()
    assert data["sampler"] == "pbt" and len(data["schedule"]) == len(rec.schedule)
