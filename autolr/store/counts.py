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
    "trials",
    sqlalchemy.column("trial_id"),
    sqlalchemy.column("study_id"),
    sqlalchemy.column("state"),
)  # Optuna's, read only
_user_attrs = sqlalchemy.table(
    "trial_user_attributes", sqlalchemy.column("trial_id"), sqlalchemy.column("key")
)


def count_finished(storage: RDBStorage, study_id: int, role_attr: str) -> tuple[int, int] | None:
    """Trials finished (complete or stopped early): those without the user attribute
    `role_attr` (the search's) and those with it (the follow-ups), in one statement; None
    when Optuna's tables are not laid out as this query reads them (the caller then
    counts from the study)."""
    if not known_schema(storage):
        return None
    has_role = (
        sqlalchemy.select(_user_attrs.c.trial_id)
        .where(_user_attrs.c.trial_id == _trials.c.trial_id, _user_attrs.c.key == role_attr)
        .exists()
    )
    query = (
        sqlalchemy.select(sqlalchemy.func.count(), sqlalchemy.func.count().filter(has_role))
        .select_from(_trials)
        .where(
            _trials.c.study_id == study_id,
            sqlalchemy.cast(_trials.c.state, sqlalchemy.String).in_(_FINISHED),
        )
    )
    with storage.engine.connect() as connection:
        finished, follow_ups = connection.execute(query).one()
    return int(finished) - int(follow_ups), int(follow_ups)
