"""Hand-made trace, scale and PBT trials, stored the way the runner stores them, for the
tests that need exact numbers. Every number here is worked out by hand in the tests."""

from __future__ import annotations

from typing import Any

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import FrozenTrial, TrialState

from autolr.config import TrainSettings
from autolr.settings import PBTSettings, StudySettings

RATE = FloatDistribution(1e-4, 1.0, log=True)
OPTIMIZERS = CategoricalDistribution(["adam", "sgd", "momentum"])

# --- trace: each optimizer at one rate for 200 steps, validation every 100 ---------------
TRACE_SETTINGS = StudySettings(
    sampler="trace",
    optimizers=("adam", "sgd", "momentum"),
    points=(("adam", 1e-3, 1.0), ("sgd", 0.1, 1.0), ("momentum", 0.05, 1.0)),
    source="made",
    prune=False,
    train=TrainSettings(target=0.9, max_steps=200, validate_every=100, stop_at_target=False),
)


def trace_trial(optimizer: str, lr: float, history: list[list[Any]], **attrs: Any) -> FrozenTrial:
    last = history[-1]
    return optuna.trial.create_trial(
        state=TrialState.COMPLETE,
        value=float(attrs.get("reached_step", last[0])),
        params={"optimizer": optimizer, "learning_rate": lr},
        distributions={"optimizer": OPTIMIZERS, "learning_rate": RATE},
        user_attrs={
            "steps": last[0],
            "train_seconds": last[1],
            "final_accuracy": last[2],
            "diverged": False,
            "weight_count": 1000,
            "history": history,
            **attrs,
        },
    )


TRACE_TRIALS = [
    # Reached at step 100 and trained on: reached_step/seconds are stored.
    trace_trial(
        "adam",
        1e-3,
        [
            [50, 0.5, 0.8, 1.0],
            [100, 1.0, 0.92, 0.5, 0.91],
            [150, 1.5, 0.95, 0.3],
            [200, 2.0, 0.97, 0.2, 0.93],
        ],
        reached=True,
        reached_step=100,
        reached_seconds=1.0,
    ),
    # Reached at its last check: only `steps` says when.
    trace_trial(
        "sgd",
        0.1,
        [
            [50, 0.4, 0.6, 1.2],
            [100, 0.8, 0.7, 0.9, 0.72],
            [150, 1.2, 0.85, 0.5],
            [200, 1.6, 0.91, 0.4, 0.95],
        ],
        reached=True,
    ),
    # Never reached.
    trace_trial(
        "momentum",
        0.05,
        [
            [50, 0.45, 0.5, 1.5],
            [100, 0.9, 0.6, 1.1, 0.55],
            [150, 1.35, 0.7, 0.9],
            [200, 1.8, 0.8, 0.7, 0.78],
        ],
        reached=False,
    ),
]

# --- scale: adam at three rates and three sizes --------------------------------------
SIZES = {0.125: 52_506, 0.25: 206_954, 0.5: 821_706}  # reference_weight_count(scale)
SCALE_SETTINGS = StudySettings(
    sampler="scale",
    optimizers=("adam",),
    points=tuple(("adam", lr, s) for s in SIZES for lr in (1e-3, 1e-2, 1e-1)),
    source="made",
    prune=False,
    train=TrainSettings(target=0.9, max_steps=400),
)


def scale_trial(lr: float, scale: float, seconds: float, steps: int, reached: bool = True):
    return optuna.trial.create_trial(
        state=TrialState.COMPLETE,
        value=float(steps if reached else 400),
        params={"optimizer": "adam", "learning_rate": lr, "scale": scale},
        distributions={
            "optimizer": CategoricalDistribution(["adam"]),
            "learning_rate": RATE,
            "scale": CategoricalDistribution(list(SIZES)),
        },
        user_attrs={
            "weight_count": SIZES[scale],
            "train_seconds": seconds,
            "steps": steps,
            "reached": reached,
            "diverged": False,
        },
    )


SCALE_TRIALS = [
    scale_trial(1e-3, 0.125, 1.5, 150),  # the only size 1e-3 reached: no line to fit
    scale_trial(1e-3, 0.25, 4.0, 400, reached=False),
    scale_trial(1e-3, 0.5, 8.0, 400, reached=False),
    scale_trial(1e-2, 0.125, 1.0, 100),
    scale_trial(1e-2, 0.25, 1.8, 100),
    scale_trial(1e-2, 0.5, 3.5, 100),
    scale_trial(1e-1, 0.125, 0.9, 100),  # fastest at x0.125, tied on steps with 1e-2
    scale_trial(1e-1, 0.25, 2.0, 150),
    scale_trial(1e-1, 0.5, 5.0, 400, reached=False),
]

# --- PBT: two members, three generations of 50 steps ---------------------------------
PBT_SETTINGS = StudySettings(
    sampler="pbt",
    optimizers=("adam", "sgd"),
    lr_min=1e-4,
    lr_max=1.0,
    train=TrainSettings(target=0.9, max_steps=150),
    pbt=PBTSettings(population=2, interval=50),
)


def pbt_trial(
    member: int,
    generation: int,
    optimizer: str,
    lr: float,
    action: str,
    accuracy: float,
    parent: int | None = None,
    donor: int | None = None,
    reached: bool = False,
    diverged: bool = False,
    stop_reason: str | None = None,
) -> FrozenTrial:
    start = 50 * generation
    return optuna.trial.create_trial(
        state=TrialState.COMPLETE,
        value=float(start + 50 if reached else 150),
        params={"optimizer": optimizer, "learning_rate": lr},
        distributions={
            "optimizer": CategoricalDistribution(["adam", "sgd"]),
            "learning_rate": RATE,
        },
        user_attrs={
            "member": member,
            "generation": generation,
            "parent_trial": parent,
            "lineage_steps": start,
            "action": action,
            "donor_member": donor,
            "steps": 50,
            "train_seconds": 0.5,
            "final_accuracy": accuracy,
            "reached": reached,
            "diverged": diverged,
            "history": [[50, 0.5, accuracy, None if diverged else 0.5]],
            **({"stop_reason": stop_reason} if stop_reason else {}),
        },
    )


# Member 1 (sgd 0.1) leads; member 0 copies it and perturbs to 0.125, then reaches the
# target: the winning lineage is trials 1 -> 2 -> 4.
PBT_TRIALS = [
    pbt_trial(0, 0, "adam", 1e-3, "start", 0.5),  # 0
    pbt_trial(1, 0, "sgd", 0.1, "start", 0.7),  # 1
    pbt_trial(0, 1, "sgd", 0.125, "exploit-perturb", 0.8, parent=1, donor=1),  # 2
    pbt_trial(1, 1, "sgd", 0.1, "continue", 0.75, parent=1),  # 3
    pbt_trial(0, 2, "sgd", 0.125, "continue", 0.92, parent=2, reached=True),  # 4
    pbt_trial(1, 2, "adam", 3e-3, "exploit-resample", 0.1, parent=2, donor=0, diverged=True),
]
for number, trial in enumerate(PBT_TRIALS):
    trial.number = number  # as the study numbers them; parent_trial refers to these
