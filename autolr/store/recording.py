"""A claimed trial whose results reach the storage in two writes, not a dozen.

`Objective` stores about ten user attributes per trial (record_result). Through Optuna
each is a transaction of its own: four round trips and a few milliseconds of CPU, on the
worker and on the server, which is most of what a fast trial costs. A trial that autolr
created itself (a planned point) keeps them until it is told, then writes them in one
statement: the same rows Optuna's `set_trial_user_attr` writes (`trial_user_attributes`,
one JSON value per key, replaced if present), so every reader sees the same trial.

A worker that dies before the write leaves a RUNNING trial, which is recovered and run
again, as before: nothing is lost that a finished trial would have had.

It is told its outcome by `finish`, which stores what `study.tell` stores, by the same
rules, without reading the trial back twice (`study.tell` reads it before and after).
"""

from __future__ import annotations

import copy
import datetime
import json
import math
from typing import Any

import optuna
import sqlalchemy
from optuna import pruners
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy.dialects import postgresql, sqlite

# Optuna's table layout these statements assume (its schema version, which Optuna checks
# on opening a storage). Under any other version, attributes are written one by one.
KNOWN_SCHEMAS = frozenset({"v3.2.0.a"})

_trials = sqlalchemy.table("trials", sqlalchemy.column("trial_id"), sqlalchemy.column("state"))
_user_attrs = sqlalchemy.table(
    "trial_user_attributes",
    sqlalchemy.column("trial_id"),
    sqlalchemy.column("key"),
    sqlalchemy.column("value_json"),
)
_schema_known: dict[str, bool] = {}  # per database URL, in this process


class RecordedTrial(optuna.Trial):
    """A trial that autolr created (not `study.ask`): it writes through the storage it was
    created in, and holds its user attributes until `flush`.

    Held attributes go where Optuna's own `set_user_attr` puts them in this process (the
    trial's cached copy), so everything that reads the trial meanwhile sees them: the
    objective, and the pruner in `should_prune` (the time objective's stop rules read
    `seconds_per_step` there)."""

    def __init__(self, study: optuna.Study, trial_id: int, storage: RDBStorage) -> None:
        super().__init__(study, trial_id)
        # The study's cache has not seen this trial (it was created beside it), and needs
        # to for nothing this trial writes: write to the storage itself.
        self.storage = self.rdb = storage
        self.trial_id = trial_id
        self._unwritten: set[str] = set()  # user attributes set here, not yet written

    def set_user_attr(self, key: str, value: Any) -> None:
        json.dumps(value)  # not JSON: fail here, where the caller is, as Optuna would
        self._cached_frozen_trial.user_attrs[key] = value
        self._unwritten.add(key)

    def finish(self, state: TrialState | None = None, values: Any = None) -> FrozenTrial:
        """Store the outcome after the held attributes, as `study.tell(trial, values,
        state)` would (optuna/study/_tell.py): a value completes the trial (or fails it if
        it is not a number); a pruned trial keeps its last intermediate value; the sampler
        hears of it first, of the trial as it stood (running). Returns the trial as
        stored. UpdateFinishedTrialError if another worker declared it dead meanwhile."""
        self.flush()
        running = copy.deepcopy(self._cached_frozen_trial)
        stored: list[float] | None = None
        if state is None:
            value = _number(values)
            state = TrialState.FAIL if value is None else TrialState.COMPLETE
            stored = None if value is None else [value]
        elif state == TrialState.COMPLETE:
            value = _number(values)
            if value is None:
                raise ValueError(f"The value {values!r} is not acceptable")  # as Optuna
            stored = [value]
        elif state == TrialState.PRUNED and running.last_step is not None:
            last = _number(running.intermediate_values[running.last_step])
            stored = None if last is None else [last]
        try:
            study = pruners._filter_study(self.study, running)
            study.sampler.after_trial(study, running, state, stored)
        finally:
            self.rdb.set_trial_state_values(self.trial_id, state, stored)
        finished = copy.deepcopy(running)
        finished.state, finished.values = state, stored
        finished.datetime_complete = datetime.datetime.now()  # the stored one differs by ms
        return finished

    def flush(self) -> None:
        """Write the held attributes; UpdateFinishedTrialError if the trial has finished
        meanwhile (another worker declared it dead)."""
        if self._unwritten:
            attrs = self._cached_frozen_trial.user_attrs
            write_user_attrs(self.rdb, self.trial_id, {k: attrs[k] for k in self._unwritten})
            self._unwritten = set()


def _number(value: Any) -> float | None:
    """`value` as a trial value, or None where Optuna would not store it (not a number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def write_user_attrs(storage: RDBStorage, trial_id: int, attrs: dict[str, Any]) -> None:
    """Set several user attributes of a running trial in one transaction."""
    engine = storage.engine
    if not known_schema(storage):
        for key, value in attrs.items():
            storage.set_trial_user_attr(trial_id, key, value)
        return
    insert: Any
    if engine.url.get_backend_name() == "postgresql":
        insert = postgresql.insert(_user_attrs)
    else:
        insert = sqlite.insert(_user_attrs)
    rows = [
        {"trial_id": trial_id, "key": key, "value_json": json.dumps(value)}
        for key, value in attrs.items()
    ]
    upsert = insert.values(rows).on_conflict_do_update(
        index_elements=["trial_id", "key"], set_={"value_json": insert.excluded.value_json}
    )
    with engine.begin() as connection:
        # As Optuna does: only a running trial takes writes (locked, so a concurrent
        # recovery orders before or after this write, never in between).
        state = connection.execute(
            sqlalchemy.select(_trials.c.state)
            .where(_trials.c.trial_id == trial_id)
            .with_for_update()
        ).scalar_one()
        if str(state) != TrialState.RUNNING.name:
            raise optuna.exceptions.UpdateFinishedTrialError(
                f"trial {trial_id} has already finished ({state}) and can not be updated"
            )
        connection.execute(upsert)


def known_schema(storage: RDBStorage) -> bool:
    """Whether Optuna's tables have the layout autolr's direct reads and writes assume."""
    key = storage.engine.url.render_as_string(hide_password=False)
    if key not in _schema_known:
        _schema_known[key] = storage.get_current_version() in KNOWN_SCHEMAS
    return _schema_known[key]
