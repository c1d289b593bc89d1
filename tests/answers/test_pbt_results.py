"""PBT's answer from hand-made member-intervals: the fastest lineage of the first generation
that reached, its constant rate, and the band of the constant rates that reached too."""

from __future__ import annotations

import math

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import FrozenTrial, TrialState

from autolr.answers.pbt_results import recommend_pbt
from autolr.answers.results import NoResultError
from autolr.config import TrainSettings
from autolr.settings import PBTSettings, StudySettings

SETTINGS = StudySettings(
    sampler="pbt",
    optimizers=("adam", "sgd"),
    lr_min=1e-4,
    lr_max=1.0,
    train=TrainSettings(target=0.9, max_steps=300),
    pbt=PBTSettings(population=4, interval=100),
)
DISTRIBUTIONS = {
    "optimizer": CategoricalDistribution(["adam", "sgd"]),
    "learning_rate": FloatDistribution(1e-4, 1.0, log=True),
}


def member(
    number: int,
    who: int,
    generation: int,
    optimizer: str,
    lr: float,
    *,
    parent: int | None = None,
    reached_at: float | None = None,  # lineage steps (+ tie-break) where it reached
    steps: int = 100,
    **attrs: object,
) -> FrozenTrial:
    trial = optuna.trial.create_trial(
        state=TrialState.COMPLETE,
        value=reached_at if reached_at is not None else 2000.0,
        params={"optimizer": optimizer, "learning_rate": lr},
        distributions=DISTRIBUTIONS,
        user_attrs={
            "member": who,
            "generation": generation,
            "parent_trial": parent,
            "lineage_steps": 100 * generation,
            "action": "start" if parent is None else "continue",
            "steps": steps,
            "final_accuracy": 0.92 if reached_at is not None else 0.6,
            "reached": reached_at is not None,
            "diverged": False,
            **attrs,
        },
    )
    trial.number = number
    return trial


# Generation 0: nobody reaches; member 3 sits at chance and ends its interval after 60
# steps. Generation 1: members 0, 1 and 2 reach with adam at 150, 200 and 150 lineage
# steps (2 copied 0 and perturbed its rate to 1.25e-3; its value's tie-break is lower),
# member 3 (replaced by a copy of member 1, resampled to sgd) reaches at 250.
TRIALS = [
    member(0, 0, 0, "adam", 1e-3),
    member(1, 1, 0, "adam", 2e-3),
    member(2, 2, 0, "adam", 8e-3),
    member(3, 3, 0, "sgd", 1e-4, steps=60, stop_reason="chance", final_accuracy=0.11),
    member(4, 0, 1, "adam", 1e-3, parent=0, reached_at=150.004, steps=50),
    member(5, 1, 1, "adam", 2e-3, parent=1, reached_at=200.002),
    member(6, 2, 1, "adam", 1.25e-3, parent=0, reached_at=150.001, steps=50, action="exploit"),
    member(7, 3, 1, "sgd", 0.1, parent=1, reached_at=250.0, action="exploit-resample"),
]


def test_the_answer_is_the_fastest_lineage_of_the_first_generation_that_reached() -> None:
    rec = recommend_pbt("made", SETTINGS, TRIALS)
    assert [i.trial for i in rec.schedule] == [0, 6]  # the lower tie-break of the two at 150
    assert (rec.optimizer, rec.value, rec.generation, rec.reached_members) == ("adam", 150, 1, 4)
    constant = math.exp((100 * math.log(1e-3) + 50 * math.log(1.25e-3)) / 150)
    assert rec.learning_rate == pytest.approx(constant)
    assert rec.final_learning_rate == 1.25e-3
    assert (rec.at_chance, rec.diverged) == (1, 0)


def test_the_band_is_the_constant_rates_of_every_member_that_reached_within_the_margin() -> None:
    rec = recommend_pbt("made", SETTINGS, TRIALS)
    # Adam members within 1.5 x 150 steps: 0 (1e-3), 2 (the winner) and 1 (2e-3, at 200).
    # Member 3 reached with sgd: its own optimizer's row, not adam's band.
    assert rec.band == (pytest.approx(1e-3), pytest.approx(2e-3))
    assert rec.band_rates == 3 and not rec.thin_band
    sgd = rec.per_optimizer["sgd"]
    # Its lineage trained adam, then sgd: its constant rate is its sgd rate alone.
    assert (sgd.learning_rate, sgd.value, sgd.band, sgd.band_rates) == (0.1, 250, (0.1, 0.1), 1)


def test_a_band_on_fewer_than_three_rates_is_thin_with_a_place_for_a_measured_one() -> None:
    slower = [t for t in TRIALS if t.number != 5]  # member 1 never reached
    rec = recommend_pbt("made", SETTINGS, slower)
    assert rec.band_rates == 2 and rec.thin_band
    data = rec.to_json()
    assert data["band_thin"] and data["band_source"] == "population"
    assert data["band_measured"] is False  # the population's band: no band runs here
    assert data["per_optimizer"]["adam"]["band_thin"]


def test_no_member_reached_no_answer() -> None:
    with pytest.raises(NoResultError, match="no member of PBT study 'made' reached"):
        recommend_pbt("made", SETTINGS, TRIALS[:4])
