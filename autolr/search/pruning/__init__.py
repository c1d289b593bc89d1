"""When to stop a run early, and why (each stopped run records the rule's name).

- `slower`: past 1.5x the steps the best finished run needed: of its own optimizer in
  grid, trace and scale studies (exact: never changes any optimizer's best rate or band),
  of any optimizer in tpe and random studies (exact for the answer and its band; a losing
  optimizer's own best may go unmeasured). There, a run goes on to two checks past the
  best where that is further, as far as an optimizer still leads (is seeded for ties).
- `stalled`: not on course to reach the target within the budget for 4 checks in a row,
  and either far off (beyond twice the budget) or not getting closer (a heuristic; works
  before any run has succeeded).
- `behind`: worse than the median finished run at the same step (Optuna's
  `PercentilePruner` at 50, i.e. its `MedianPruner` rule, on the projected steps to the
  target; a heuristic).

Grid, trace and scale studies use only the exact per-optimizer rule, so a pruned grid
gives the same answers as `--no-prune`. PBT replaces pruning with exploitation.
"""

from __future__ import annotations

from optuna.pruners import BasePruner, NopPruner, PercentilePruner

from autolr.search.contenders import noise_steps
from autolr.search.pruning._rules import StopRules
from autolr.search.pruning._slower import DEFAULT_MARGIN, SlowerThanBestPruner, best_reached_steps
from autolr.search.pruning._stalled import StalledPruner
from autolr.search.roles import BAND
from autolr.settings import PLANNED, StudySettings

BEHIND_PERCENTILE = 50.0  # stop a run worse than half the finished runs at its step
BEHIND_STARTUP_TRIALS = 4  # finished runs needed before "behind" means anything
BEHIND_WARMUP_CHECKS = 2  # every run looks slow at its first checks


def make_pruner(settings: StudySettings) -> BasePruner:
    """The stop rules a study uses (see the module docstring)."""
    if not settings.prune:
        return NopPruner()
    if settings.sampler == "pbt":  # exploitation replaces pruning; band runs stop exactly
        return StopRules(
            [], band_rules=[("slower", SlowerThanBestPruner(DEFAULT_MARGIN, among=BAND))]
        )
    if settings.sampler in PLANNED:
        return StopRules([("slower", SlowerThanBestPruner(DEFAULT_MARGIN))])
    budget = settings.train.max_steps
    # Leaders reach within the margin or two checks of the best (contenders.leaders):
    # the search may not stop a run before that, or whether it leads would depend on
    # the order runs happened to finish in.
    leading_steps = noise_steps(settings.objective, settings.train.check_every)
    return StopRules(
        [
            (
                "slower",
                SlowerThanBestPruner(
                    DEFAULT_MARGIN, per_optimizer=False, noise_steps=leading_steps
                ),
            ),
            ("stalled", StalledPruner(budget, in_seconds=settings.objective == "time")),
            (
                "behind",
                PercentilePruner(
                    BEHIND_PERCENTILE,
                    n_startup_trials=BEHIND_STARTUP_TRIALS,
                    n_warmup_steps=BEHIND_WARMUP_CHECKS * settings.train.check_every,
                    n_min_trials=3,
                ),
            ),
        ],
        band_rules=[("slower", SlowerThanBestPruner(DEFAULT_MARGIN, per_optimizer=True))],
    )


__all__ = [
    "DEFAULT_MARGIN",
    "SlowerThanBestPruner",
    "StalledPruner",
    "StopRules",
    "best_reached_steps",
    "make_pruner",
]
