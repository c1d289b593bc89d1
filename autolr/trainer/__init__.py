"""The training engine: train a model with one optimizer and learning rate to a threshold.

Importing this package imports Keras (and its backend), so the lightweight commands
import it only when they train.
"""

from autolr.trainer.backend import configure_environment

configure_environment()  # must run before Keras is imported below

from autolr.trainer.engine import StateMismatch, TrainingState  # noqa: E402
from autolr.trainer.loop import Check, OnCheck, Trainer, TrainResult  # noqa: E402

__all__ = ["Check", "OnCheck", "StateMismatch", "TrainResult", "Trainer", "TrainingState"]
