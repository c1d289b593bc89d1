"""Trainer fixtures: a scaled-down reference CNN on an MNIST subset.

The suite runs under whichever Keras backend KERAS_BACKEND selects; JAX on a CPU compiles
convolutions slowly, so it gets a smaller model.
"""

from __future__ import annotations

import os

import pytest

from autolr.config import DataSpec, ModelSpec, TrainSettings

BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")
SMALL_SCALE = 0.25 if BACKEND == "tensorflow" else 0.125
TRAIN_SIZE = 3000


@pytest.fixture(scope="session")
def small_model() -> ModelSpec:
    return ModelSpec(scale=SMALL_SCALE)


@pytest.fixture(scope="session")
def small_data(mnist: str) -> DataSpec:
    return DataSpec(path=mnist, train_size=TRAIN_SIZE)


@pytest.fixture(scope="session")
def trainer(small_model: ModelSpec, small_data: DataSpec):
    """One Trainer for the session, so compiled steps are shared across tests."""
    from autolr.trainer import Trainer

    return Trainer(small_model, small_data, TrainSettings(target=0.9, max_steps=600))
