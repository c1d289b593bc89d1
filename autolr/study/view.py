"""What a worker tells its display after each trial: trials done, and the best so far.

Reading the whole study after every trial would cost a worker more than a fast trial does
(Optuna re-reads every unfinished trial of the study, so the cost grows with the number
of workers). The study is read at most once a second instead, and the trials this worker
finished since are laid over that reading: the display shows the study as it was under a
second ago, plus everything this worker did. Trials of minutes are read after each one.
"""

from __future__ import annotations

import math
import time

import optuna
from optuna.trial import FrozenTrial

REFRESH_SECONDS = 1.0  # no display needs a fresher count; slower than any person reads


class StudyView:
    def __init__(self, study: optuna.Study) -> None:
        self.study = study
        self._trials: dict[int, FrozenTrial] = {}
        self._read_at = -math.inf

    def with_trial(self, trial: FrozenTrial) -> list[FrozenTrial]:
        """The study's trials, as recently read, with `trial` (just finished) as told."""
        now = time.monotonic()
        if now - self._read_at >= REFRESH_SECONDS:
            self._trials = {t.number: t for t in self.study.get_trials(deepcopy=False)}
            self._read_at = now
        self._trials[trial.number] = trial
        return list(self._trials.values())
