"""The claim queue of a planned study on PostgreSQL: one row per point.

`autolr_slots` holds one row per point of the plan, in plan order, with the trial that
holds the point now. A slot is free when it has no trial or its trial failed: Optuna's
trial states stay the only record of what ran. A claim is one transaction on a connection
of its own (claims.QueuedClaims):

    lock the first free row, SKIP LOCKED    (rows other claimers hold are passed over)
    create the point's trial, labelled      (Optuna's write, on Optuna's connection)
    record its heartbeat
    write the trial's id into the row, commit

Nothing is read but the row, and nothing decided under a study-wide lock: the only turns
claimers take are for Optuna's trial creation, which is serial in any Optuna study.

Crashes, by where they strike:
- before the commit: the transaction rolls back and frees the row. A trial it created is
  held by no row; once the row is unlocked, `abandoned` says so and recovery fails it.
- frozen while holding the row (SIGSTOP, a paused VM): the server ends the session after
  the lease, as for the study lock (locks.py), which frees the row; the frozen claimer's
  commit then fails (LockLost), and it undoes its claim when it wakes.
- after the commit: an ordinary running trial with a heartbeat, recovered as any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import optuna
import sqlalchemy
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState

from autolr.errors import StorageError
from autolr.store.locks import LEASE_SQL, lease_params, lease_seconds, make_tables, study_lock

TABLE = "autolr_slots"
# The user attribute that names the point a planned trial trains (its index in the plan).
GRID_ATTR = "grid_point"


class PlannedPoint(Protocol):
    """What the queue needs of a point of the plan (autolr.search.space.PlannedPoint)."""

    @property
    def index(self) -> int: ...


P = TypeVar("P", bound=PlannedPoint)


_metadata = sqlalchemy.MetaData()
_slots = sqlalchemy.Table(
    TABLE,
    _metadata,
    sqlalchemy.Column("study_id", sqlalchemy.Integer, primary_key=True, autoincrement=False),
    sqlalchemy.Column("slot", sqlalchemy.Integer, primary_key=True, autoincrement=False),
    sqlalchemy.Column("point", sqlalchemy.Integer, nullable=False),  # PlannedPoint.index
    sqlalchemy.Column("trial_id", sqlalchemy.Integer),  # the trial that holds the point
)
# Optuna's trials table, read (never written) to know whether a slot's trial failed.
_trials = sqlalchemy.table("trials", sqlalchemy.column("trial_id"), sqlalchemy.column("state"))
# Compared as text: PostgreSQL keeps it as an enum type of Optuna's.
_state = sqlalchemy.cast(_trials.c.state, sqlalchemy.String)
_FINISHED = (TrialState.COMPLETE.name, TrialState.PRUNED.name)


@dataclass(frozen=True)
class Slot(Generic[P]):
    slot: int  # position in the plan
    point: P


class SlotQueue(Generic[P]):
    """The slots of one study: the first `total` points of `points` (the plan order)."""

    def __init__(
        self,
        storage: RDBStorage,
        study: optuna.Study,
        study_id: int,
        points: Sequence[P],
        total: int,
    ) -> None:
        self.storage, self.study, self.study_id = storage, study, study_id
        self.points, self.total = list(points), total
        self._here = _slots.c.study_id == study_id
        self._joined = _slots.outerjoin(_trials, _trials.c.trial_id == _slots.c.trial_id)

    def take(self, connection: sqlalchemy.engine.Connection, lease: float) -> Slot[P] | None:
        """Lock the first free slot in `connection`'s transaction (see locks.leased_transaction),
        or None when every slot is held by a running or finished trial, or being claimed."""
        query = (
            sqlalchemy.select(_slots.c.slot, sqlalchemy.text(LEASE_SQL))
            .select_from(self._joined)
            .where(self._here, _slots.c.slot < self.total)
            .where(sqlalchemy.or_(_slots.c.trial_id.is_(None), _state == TrialState.FAIL.name))
            .order_by(_slots.c.slot)
            .limit(1)
            .with_for_update(of=_slots, skip_locked=True)
        )
        row = connection.execute(query, lease_params(lease)).first()
        return None if row is None else Slot(row.slot, self.points[row.slot])

    def hold(self, connection: sqlalchemy.engine.Connection, slot: Slot[P], trial_id: int) -> None:
        """Record that `trial_id` holds `slot` (committed with the claim's transaction)."""
        connection.execute(
            _slots.update().where(self._here, _slots.c.slot == slot.slot).values(trial_id=trial_id)
        )

    def progress(self) -> tuple[int, int]:
        """(slots whose trial finished, slots whose trial is running)."""
        query = (
            sqlalchemy.select(
                sqlalchemy.func.count().filter(_state.in_(_FINISHED)),
                sqlalchemy.func.count().filter(_state == TrialState.RUNNING.name),
            )
            .select_from(self._joined)
            .where(self._here, _slots.c.slot < self.total)
        )
        with self.storage.engine.connect() as connection:
            finished, running = connection.execute(query).one()
        return int(finished), int(running)

    def abandoned(self, running: Sequence[FrozenTrial]) -> set[int]:
        """Numbers of running trials that hold no slot, and never will: their claim ended
        without committing (a claim still in progress keeps its row locked, and is left
        alone). Trials without a point are not the queue's to judge."""
        points = {t.number: t.user_attrs.get(GRID_ATTR) for t in running}
        wanted = sorted({p for p in points.values() if p is not None})
        if not wanted:
            return set()
        query = (
            sqlalchemy.select(_slots.c.point, _slots.c.trial_id, sqlalchemy.text(LEASE_SQL))
            .where(self._here, _slots.c.point.in_(wanted))
            .with_for_update(read=True, skip_locked=True)
        )
        # Leased like a claim: a worker frozen here must not keep these rows locked (a
        # locked row is passed over by every claimer) for longer than the lease.
        with self.storage.engine.begin() as connection:
            rows = connection.execute(query, lease_params(lease_seconds())).all()
            holders = {row.point: row.trial_id for row in rows}
            ids = self._trial_ids(connection, list(points))
        return {
            number
            for number, point in points.items()
            if point in holders and holders[point] != ids.get(number)
        }

    def ensure(self) -> None:
        """Make the study's slots if it has none yet: once, under the study lock. Trials
        that already hold points (a study resumed, or run by an older autolr) keep them."""
        make_tables(self.storage.engine, _metadata)
        if self._count() == len(self.points):
            return
        with study_lock(self.storage, self.study.study_name):
            count = self._count()
            if count == len(self.points):
                return
            if count:
                raise StorageError(
                    f"the claim queue of study {self.study.study_name!r} holds {count} of "
                    f"{len(self.points)} points; delete the rows of study_id {self.study_id} "
                    f"from {TABLE} and start the workers again"
                )
            holders = self._holders(self.study.get_trials(deepcopy=False))
            rows = [
                {
                    "study_id": self.study_id,
                    "slot": slot,
                    "point": point.index,
                    "trial_id": holders.get(point.index),
                }
                for slot, point in enumerate(self.points)
            ]
            with self.storage.engine.begin() as connection:
                connection.execute(_slots.insert(), rows)

    def _holders(self, trials: Sequence[FrozenTrial]) -> dict[int, int]:
        """Point -> the trial that covers it: a finished one, else a running one. Points
        an older autolr queued (WAITING trials) are claimed afresh: their queue entries
        are failed, since the queue decides now."""
        with self.storage.engine.connect() as connection:
            ids = self._trial_ids(connection, [t.number for t in trials])
        holders: dict[int, int] = {}
        for trial in sorted(trials, key=lambda t: t.state.is_finished()):
            point = trial.user_attrs.get(GRID_ATTR)
            if trial.state == TrialState.WAITING:
                self.storage.set_trial_user_attr(
                    ids[trial.number], "error", "queued point claimed afresh"
                )
                self.storage.set_trial_state_values(ids[trial.number], TrialState.FAIL)
            elif point is not None and trial.state != TrialState.FAIL:
                if trial.state == TrialState.RUNNING and not self._beating(ids[trial.number]):
                    # Its claim never got as far as a heartbeat (the claimer died or its
                    # lease ran out): nothing would ever fail it. Fail it; claim afresh.
                    self.storage.set_trial_state_values(ids[trial.number], TrialState.FAIL)
                    continue
                holders[point] = ids[trial.number]  # finished trials come last, and win
        return holders

    def _beating(self, trial_id: int) -> bool:
        """Whether the trial has a heartbeat (Optuna's stale check passes over those
        without one)."""
        beats = sqlalchemy.table(
            "trial_heartbeats", sqlalchemy.column("trial_id"), sqlalchemy.column("heartbeat")
        )
        query = sqlalchemy.select(sqlalchemy.func.count()).where(beats.c.trial_id == trial_id)
        with self.storage.engine.connect() as connection:
            return bool(connection.execute(query).scalar_one())

    def _trial_ids(
        self, connection: sqlalchemy.engine.Connection, numbers: list[int]
    ) -> dict[int, int]:
        """Trial number -> id, for these trials of this study (FrozenTrial keeps its id
        private)."""
        trials = sqlalchemy.table(
            "trials",
            sqlalchemy.column("trial_id"),
            sqlalchemy.column("number"),
            sqlalchemy.column("study_id"),
        )
        query = sqlalchemy.select(trials.c.number, trials.c.trial_id).where(
            trials.c.study_id == self.study_id, trials.c.number.in_(numbers)
        )
        return {row.number: row.trial_id for row in connection.execute(query)}

    def _count(self) -> int:
        query = sqlalchemy.select(sqlalchemy.func.count()).select_from(_slots).where(self._here)
        with self.storage.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())


def forget(storage: RDBStorage, study_id: int) -> None:
    """Remove a deleted study's slots (a later study never reuses its id; this is tidiness)."""
    engine = storage.engine
    if engine.url.get_backend_name() == "postgresql" and sqlalchemy.inspect(engine).has_table(
        TABLE
    ):
        with engine.begin() as connection:
            connection.execute(_slots.delete().where(_slots.c.study_id == study_id))
