"""Stop rules on hand-made trials: what stops, what does not, and the reason recorded."""

from __future__ import annotations

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState

from autolr.search.progress import PACE_ATTR, steps_value
from autolr.search.pruning import SlowerThanBestPruner, StalledPruner, StopRules

BUDGET = 1500
DISTRIBUTIONS = {
    "optimizer": CategoricalDistribution(["adam", "sgd"]),
    "learning_rate": FloatDistribution(1e-6, 100, log=True),
}
STEPS = list(range(50, 1501, 50))
# Training accuracy at each check of a real run (Adam at 0.025 on the laptop proxy) that
# plateaued just below the 0.97 target: its projected finish kept moving away.
PLATEAU = [0.585, 0.907, 0.934, 0.927, 0.945, 0.942, 0.937, 0.947, 0.944, 0.946, 0.945]
# A run whose error falls as a power of the step (error = 0.6 (step / 50) ** -0.6): ever
# more slowly, but it reaches 0.97 at step 7450, so with a 1500-step budget it never
# will... and one at the same pace that gets there at step 1000.
SLOW = [1 - 0.6 * (s / 50) ** -0.6 for s in STEPS]
STEADY = [1 - 0.6 * (s / 50) ** -1.0 for s in STEPS]
CHANCE = [0.1, 0.11, 0.09, 0.1, 0.12, 0.1, 0.09, 0.1, 0.11, 0.1]


def _running(accuracies: list[float]) -> optuna.trial.FrozenTrial:
    """A running trial whose intermediate values are what the objective reports."""
    checks = list(zip(STEPS, accuracies, strict=False))
    values = {
        step: steps_value(checks[: i + 1], 0.97, BUDGET, reached_step=None, diverged=False)
        for i, (step, _) in enumerate(checks)
    }
    return optuna.trial.create_trial(
        state=TrialState.RUNNING,
        params={"optimizer": "adam", "learning_rate": 0.01},
        distributions=DISTRIBUTIONS,
        intermediate_values=values,
    )


def _first_stop(accuracies: list[float]) -> int | None:
    pruner = StalledPruner(BUDGET)
    study = optuna.create_study()
    for n in range(1, len(accuracies) + 1):
        if pruner.prune(study, _running(accuracies[:n])):
            return STEPS[n - 1]
    return None


def test_a_plateau_below_the_target_is_stopped_within_a_few_checks() -> None:
    stop = _first_stop(PLATEAU)
    assert stop is not None and stop <= 500  # of a 1500-step budget


def test_a_run_that_learns_ever_more_slowly_but_on_course_is_never_stopped() -> None:
    assert _first_stop(STEADY[:20]) is None


def test_a_run_on_course_whose_projection_recedes_is_not_stopped() -> None:
    # Fast at first, then slower (as most runs): projections recede, but stay in budget.
    early = [0.45, 0.70, 0.80, 0.85, 0.88, 0.90, 0.915, 0.925, 0.935, 0.94, 0.945, 0.95]
    assert _first_stop(early) is None


def test_a_run_too_slow_for_twice_the_budget_is_stopped() -> None:
    stop = _first_stop(SLOW)
    assert stop is not None and stop <= 400


def test_a_run_at_chance_is_stopped_once_past_the_warm_up() -> None:
    assert _first_stop(CHANCE) == 250  # 5 checks in (the warm-up is 150 steps)


def test_the_first_rule_that_fires_is_recorded_as_the_reason() -> None:
    rules = StopRules(
        [
            ("slower", SlowerThanBestPruner(1.5, per_optimizer=False)),
            ("stalled", StalledPruner(BUDGET)),
        ]
    )
    study = optuna.create_study(pruner=rules)
    study.add_trial(
        optuna.trial.create_trial(
            state=TrialState.COMPLETE,
            value=100.0,
            params={"optimizer": "sgd", "learning_rate": 0.1},
            distributions=DISTRIBUTIONS,
            user_attrs={"reached": True, "steps": 100},
        )
    )
    plateau = _running(PLATEAU[:4])  # at step 200: not stalled yet, but past 1.5 x 100
    plateau.number = 7
    assert rules.prune(study, plateau) and rules.reason(7) == "slower"
    assert rules.reason(8) is None


def test_with_the_time_objective_values_are_read_back_as_steps() -> None:
    """--objective time reports seconds: the rule divides by the run's seconds per step."""
    pace = 0.02
    steps_trial = _running(CHANCE)
    timed = optuna.trial.create_trial(
        state=TrialState.RUNNING,
        params=steps_trial.params,
        distributions=steps_trial.distributions,
        intermediate_values={s: v * pace for s, v in steps_trial.intermediate_values.items()},
        user_attrs={PACE_ATTR: pace},
    )
    study = optuna.create_study()
    assert StalledPruner(BUDGET).prune(study, steps_trial)
    assert StalledPruner(BUDGET, in_seconds=True).prune(study, timed)
    assert not StalledPruner(BUDGET).prune(study, timed)  # read as steps, it looks on course
