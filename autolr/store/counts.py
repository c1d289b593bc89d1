"""A study's finished trials, counted by the database in one statement.

A display that counts by reading the study pays for every trial of every worker (Optuna
re-reads each unfinished one at every read); this is one query, whatever the study's size.
"""

from __future__ import annotations

import sqlalchemy
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from autolr.store.recording import known_schema

_FINISHED = (TrialState.COMPLETE.name, TrialState.PRUNED.name)
_trials = sqlalchemy.table(
    "trials", sqlalchemy.column("study_id"), sqlalchemy.column("state")
)  # Optuna's, read only


def count_finished(storage: RDBStorage, study_id: int) -> int | None:
    """Trials finished (complete or stopped early); None when Optuna's tables are not laid
    out as this query reads them (the caller then counts from the study)."""
    if not known_schema(storage):
        return None
    query = (
        sqlalchemy.select(sqlalchemy.func.count())
        .select_from(_trials)
        .where(
            _trials.c.study_id == study_id,
            sqlalchemy.cast(_trials.c.state, sqlalchemy.String).in_(_FINISHED),
        )
    )
    with storage.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())
