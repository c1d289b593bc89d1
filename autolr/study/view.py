"""What a worker tells its display after each trial: trials done, and the best so far.

Neither needs the whole study, which would cost a worker more than a fast trial does:
every worker would read every other worker's trials, and Optuna re-reads each unfinished
one at every read, so the cost of a trial would grow with the number of workers.
- done: counted by the database, in one statement;
- best: this worker's trials as it finishes them, against the study's best looked up at
  most every LOOKUP_SECONDS: Optuna's best trial (the lowest value of a complete trial)
  if it reached the target, for then no trial that reached has a lower value (ties aside,
  which the steps objective breaks as `best` does: ties.py). Otherwise (nothing reached
  yet, or with the time objective a run that stopped short is projected below the
  fastest that reached), the best among all trials, read at most every READ_SECONDS.
So a display may learn of another worker's better trial seconds late; trials of that
length or longer see every lookup.
"""

from __future__ import annotations

import math
import time

import optuna
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial

from autolr.answers.results import best_reached, reached
from autolr.search import followups
from autolr.search.roles import ROLE_ATTR
from autolr.store.counts import count_finished
from autolr.study.schedules import finished_count

LOOKUP_SECONDS = 5.0  # a display may learn of another worker's better trial this late
READ_SECONDS = 10.0  # the whole study: only while nothing has reached


class StudyView:
    def __init__(self, study: optuna.Study, storage: RDBStorage, study_id: int) -> None:
        self.study, self.storage, self.study_id = study, storage, study_id
        self._best: FrozenTrial | None = None
        self._looked_up_at = self._read_at = -math.inf
        self._trials: dict[int, FrozenTrial] = {}

    def done(self) -> tuple[int, int]:
        """Trials finished (complete or stopped early), all workers together: the search's,
        and the follow-ups' (band and seed runs), counted apart by role."""
        counted = count_finished(self.storage, self.study_id, ROLE_ATTR)
        if counted is None:  # Optuna's tables are not as the count reads them
            trials = self.study.get_trials(deepcopy=False)
            search = finished_count(followups.search_trials(trials))
            return search, finished_count(trials) - search
        return counted

    def best(self, finished: FrozenTrial) -> FrozenTrial | None:
        """The best trial that reached the target; `finished` (just told) counts too."""
        now = time.monotonic()
        known = [finished] + ([self._best] if self._best is not None else [])
        if now - self._looked_up_at >= LOOKUP_SECONDS:
            known += self._look_up(now)
            self._looked_up_at = now
        # In trial-number order, as `autolr best` reads them: an exact tie goes the same way.
        known.sort(key=lambda trial: trial.number)
        self._best = best_reached(known)  # a trial that reached stays reached: only better
        return self._best

    def _look_up(self, now: float) -> list[FrozenTrial]:
        try:
            lowest: FrozenTrial | None = self.study.best_trial
        except ValueError:  # no complete trial yet
            lowest = None
        if lowest is not None and reached(lowest):
            return [lowest]
        if now - self._read_at >= READ_SECONDS:
            self._trials = {t.number: t for t in self.study.get_trials(deepcopy=False)}
            self._read_at = now
        return list(self._trials.values())
