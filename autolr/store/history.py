"""A trial's per-check history, kept out of the attributes people read.

Each check is stored as [step, seconds, accuracy, loss], plus [validation accuracy,
validation loss] when they were measured (null where a value does not exist: a
regression has no accuracy, a diverged run no finite loss); read them with `column`. The
list grows with the budget (120 checks for the 2018 setup), so as a user attribute it
filled optuna-dashboard's trial page with one long line. It lives in a trial system
attribute instead, which reports and `autolr trace` read through `checks`; the dashboard
plots the same checks as intermediate values, in the objective's unit. Studies stored
before this change kept it as the user attribute "history", still read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import FrozenTrial

if TYPE_CHECKING:  # readers (reports, `autolr trace`) must not import Keras
    from autolr.trainer import Check

HISTORY_ATTR = "autolr:history"
LEGACY_ATTR = "history"


COLUMNS = ("step", "seconds", "accuracy", "loss", "val_accuracy", "val_loss")


def rows(history: Sequence[Check]) -> list[list[float | None]]:
    """Checks as JSON rows (JSON has no NaN or infinity: those are null)."""
    return [
        [c.step, round(c.seconds, 4), _finite(c.accuracy), _finite(c.loss)]
        + (
            [_finite(c.val_accuracy), _finite(c.val_loss)]
            if c.val_accuracy is not None or c.val_loss is not None
            else []
        )
        for c in history
    ]


def column(row: Sequence[Any], name: str) -> float | None:
    """One value of a stored check by name (COLUMNS); None where it was not measured."""
    index = COLUMNS.index(name)
    value = row[index] if index < len(row) else None
    return None if value is None else float(value)


def store(trial: optuna.Trial, history: Sequence[Check]) -> None:
    """Record a running trial's checks (through the storage: Trial has no public setter
    for system attributes)."""
    storage = trial.storage
    study_id = storage.get_study_id_from_name(trial.study.study_name)
    trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
    storage.set_trial_system_attr(trial_id, HISTORY_ATTR, rows(history))


def checks(trial: FrozenTrial) -> list[list[Any]]:
    """A finished trial's stored checks, oldest first ([] if none were recorded)."""
    found = trial.system_attrs.get(HISTORY_ATTR)
    if found is None:
        found = trial.user_attrs.get(LEGACY_ATTR, [])
    return list(found)


def _finite(value: float | None) -> float | None:
    if value is None or value != value or abs(value) == float("inf"):
        return None
    return round(value, 6)
