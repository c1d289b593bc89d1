"""When to stop a run early, and why (each stopped run records the rule's name).

- `slower`: past 1.5x the steps its optimizer's best finished run needed (exact: never
  changes a best rate or band), and, for sampled studies, past 3x the best run of any
  optimizer (exact for the overall answer; see `_slower.py`).
- `stalled`: not on course to reach the target within twice the budget, for 4 checks in
  a row (a heuristic; works before any run has succeeded).
- `behind`: worse than nine in ten finished runs at the same step (Optuna's
  `PercentilePruner` on the projected steps to target; a heuristic).

Grid, trace and scale studies use only the exact per-optimizer rule, so a pruned grid
gives the same answers as `--no-prune`. PBT replaces pruning with exploitation.
"""

from __future__ import annotations

from optuna.pruners import BasePruner, NopPruner, PercentilePruner

from autolr.study.pruning._rules import StopRules
from autolr.study.pruning._slower import DEFAULT_MARGIN, SlowerThanBestPruner, best_reached_steps
from autolr.study.pruning._stalled import StalledPruner
from autolr.study.settings import PLANNED, StudySettings

OVERALL_MARGIN = 3.0  # sampled studies: stop past 3x the best run of any optimizer
BEHIND_PERCENTILE = 90.0  # stop a run worse than nine in ten finished runs at its step
BEHIND_STARTUP_TRIALS = 4  # finished runs needed before "behind" means anything
BEHIND_WARMUP_CHECKS = 2  # every run looks slow at its first checks


def make_pruner(settings: StudySettings) -> BasePruner:
    """The stop rules a study uses (see the module docstring)."""
    if not settings.prune or settings.sampler == "pbt":
        return NopPruner()
    exact = ("slower", SlowerThanBestPruner(DEFAULT_MARGIN))
    if settings.sampler in PLANNED:
        return StopRules([exact])
    budget = settings.train.max_steps
    return StopRules(
        [
            exact,
            ("slower", SlowerThanBestPruner(OVERALL_MARGIN, per_optimizer=False)),
            ("stalled", StalledPruner(budget)),
            (
                "behind",
                PercentilePruner(
                    BEHIND_PERCENTILE,
                    n_startup_trials=BEHIND_STARTUP_TRIALS,
                    n_warmup_steps=BEHIND_WARMUP_CHECKS * settings.train.check_every,
                    n_min_trials=3,
                ),
            ),
        ]
    )


__all__ = [
    "DEFAULT_MARGIN",
    "SlowerThanBestPruner",
    "StalledPruner",
    "StopRules",
    "best_reached_steps",
    "make_pruner",
]
