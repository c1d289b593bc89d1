"""Stop runs that can no longer matter: slower than a finished run by a margin.

A trial at step s that has not reached the target will need more than s steps. Once s
exceeds `margin` times the steps the best finished trial *of the same optimizer* needed,
it can be neither that optimizer's best nor inside its band (rates within `margin` of the
best), so stopping it changes no answer `autolr best` gives, per optimizer or overall.
Comparing within an optimizer, not across, is what keeps every optimizer's best exact.
This is exact for the default steps objective. With `--objective time` the pruner still
counts steps, a close proxy (one model's step time is nearly constant) but not a proof.
"""

from __future__ import annotations

import optuna
from optuna.pruners import BasePruner
from optuna.trial import FrozenTrial, TrialState

from autolr.search.roles import ROLE_ATTR

DEFAULT_MARGIN = 1.5


class SlowerThanBestPruner(BasePruner):
    """`per_optimizer=False` compares with the best run of any optimizer instead: still
    exact for the overall answer and its band (the winner's rates within the margin of
    its steps), but a losing optimizer's own best may go unmeasured."""

    def __init__(
        self,
        margin: float = DEFAULT_MARGIN,
        per_optimizer: bool = True,
        among: str | None = None,
        noise_steps: int = 0,
    ) -> None:
        if margin < 1:
            raise ValueError("margin must be at least 1, or pruning could hide the best")
        self.margin = margin
        # A search's runs go on to `noise_steps` past the best where that is further than
        # the margin: a run there still leads (contenders.leaders), so it must be measured.
        self.noise_steps = noise_steps
        self.per_optimizer = per_optimizer
        # Compare only with the runs of this role (a PBT study's band runs: its members'
        # steps count one interval each, not a run from scratch).
        self.among = among

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        step = trial.last_step
        optimizer = trial.params.get("optimizer")
        if step is None or optimizer is None:
            return False
        best_steps = best_reached_steps(
            study, optimizer if self.per_optimizer else None, self.among
        )
        if best_steps is None:
            return False
        return step >= max(self.margin * best_steps, best_steps + self.noise_steps)


def best_reached_steps(
    study: optuna.Study, optimizer: str | None, among: str | None = None
) -> int | None:
    """Steps the best (by objective value) finished trial of `optimizer` (None: of any
    optimizer) needed; only among trials of the role `among`, when given."""
    best: FrozenTrial | None = None
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if optimizer is not None and trial.params.get("optimizer") != optimizer:
            continue
        if among is not None and trial.user_attrs.get(ROLE_ATTR) != among:
            continue
        if not trial.user_attrs.get("reached"):
            continue
        if best is None or (trial.value or 0.0) < (best.value or 0.0):
            best = trial
    return int(best.user_attrs["steps"]) if best is not None else None
