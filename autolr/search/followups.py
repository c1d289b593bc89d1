"""After a search: the runs that make its answer a measured band, not a lucky point.

When more than one optimizer leads (its best search run within the margin of the
overall best, or two checks of it):
1. Climb (bracket.climb): each leader's best search rate can sit a grid step or more
   beside its fastest rate (on the convnet, AdamW's best search run was at 0.00542,
   below its band: seeded there it took 250, 250 and 200 steps and did not tie, while
   the 3-seed grid ties it at 0.0147). So the grid rates either side of it are trained,
   and on downhill while one is faster.
2. Seeds (contenders.py): each leader's fastest rate at the study's seed (search or
   follow-up run) is trained at two more seeds, so that ties within the seeds' noise
   are seen.
3. Bands (bracket.walk): every optimizer tied for first (or the one leader) has its
   band's edges measured on the study's grid, walking out from the farthest rates known
   to be in it until a rate falls out of the band. A faster rate found on the way is
   seeded in its turn (step 2 again).

Each follow-up is a trial labelled with its role (and seed), created with its parameters
fixed, in the same study: it resumes and is shared like any trial. What to run next is a
pure function of the study's trials, so any worker, after any crash, decides alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from autolr.search import bracket, contenders
from autolr.search.pruning import DEFAULT_MARGIN
from autolr.search.roles import BAND, ROLE_ATTR, SEED, SEED_ATTR
from autolr.search.ties import whole_steps
from autolr.settings import StudySettings


@dataclass(frozen=True)
class FollowUp:
    optimizer: str
    learning_rate: float
    role: str
    seed: int


@dataclass(frozen=True)
class Plan:
    """What the follow-ups need now: runs to start, or running ones to wait for."""

    to_run: tuple[FollowUp, ...]
    waiting: bool

    @property
    def done(self) -> bool:
        return not self.to_run and not self.waiting


def role(trial: FrozenTrial) -> str | None:
    return trial.user_attrs.get(ROLE_ATTR)


def planned(trial: FrozenTrial) -> dict[str, Any]:
    """A follow-up's optimizer and rate: its parameters, or, for one created moments ago
    that has not suggested them yet, the fixed ones it was created with. Another worker
    planning then must see it as running, or it would plan the same run twice."""
    return {**trial.system_attrs.get("fixed_params", {}), **trial.params}


def search_trials(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    return [t for t in trials if role(t) is None]


def at_study_seed(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """The search and the band runs: what an optimizer's best rate and band come from."""
    return [t for t in trials if role(t) != SEED]


def plan(trials: Sequence[FrozenTrial], settings: StudySettings) -> Plan:
    """The follow-ups still needed, once the search has finished."""
    best, leading = _leading(trials, settings)
    if len(leading) < 2:
        return _band_runs(trials, leading, settings)
    climbs = _climb_runs(trials, leading, best, settings)
    if not climbs.done:
        return climbs
    seeds = _seed_runs(trials, leading, settings)
    if not seeds.done:
        return seeds
    tied = [c.optimizer for c in contenders.tied(contender_list(trials, settings))]
    return _band_runs(trials, tied, settings)


def contender_list(
    trials: Sequence[FrozenTrial], settings: StudySettings
) -> list[contenders.Contender]:
    """Each leader with its steps at the study's seed and the others, at its fastest rate
    (as `best` ranks them) whose extra seeds have all finished: once the plan is done,
    the rate `_seed_rate` chose. A leader with no finished seed set is left out."""
    objective = settings.objective
    found = []
    for optimizer in _leading(trials, settings)[1]:
        runs = _reached_at_seed(trials, optimizer)
        for steps, rate in ((_steps(t, objective), float(t.params["learning_rate"])) for t in runs):
            at_each = [  # the first finished run at each extra seed (a duplicate is ignored)
                min(
                    (
                        t
                        for t in trials
                        if _is_seed_run(t, optimizer, rate, s) and t.state.is_finished()
                    ),
                    key=lambda t: t.number,
                    default=None,
                )
                for s in contenders.extra_seeds(settings.train.seed)
            ]
            others = [_steps(t, objective) for t in at_each if t is not None]
            if len(others) == contenders.EXTRA_SEEDS:
                found.append(contenders.Contender(optimizer, rate, (steps, *others)))
                break
    return found


def _leading(
    trials: Sequence[FrozenTrial], settings: StudySettings
) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Each optimizer's best search run (rate, steps), and the leaders among them."""
    searched = [t for t in search_trials(trials) if t.state.is_finished()]
    best = _best_runs(searched, settings.objective)
    values = {optimizer: value for optimizer, (_, value) in best.items()}
    noise = contenders.noise_steps(settings.objective, settings.train.check_every)
    return best, contenders.leaders(values, DEFAULT_MARGIN, noise)


def _reached_at_seed(trials: Sequence[FrozenTrial], optimizer: str) -> list[FrozenTrial]:
    """`optimizer`'s runs at the study's seed that reached the target, fastest first as
    `autolr best` ranks them."""
    own = [t for t in at_study_seed(trials) if _reached_run(t)]
    return sorted((t for t in own if t.params.get("optimizer") == optimizer), key=_rank)


def _reached_run(trial: FrozenTrial) -> bool:
    return trial.state == TrialState.COMPLETE and bool(trial.user_attrs.get("reached"))


def _best_runs(trials: Sequence[FrozenTrial], objective: str) -> dict[str, tuple[float, float]]:
    """Per optimizer: (rate, steps) of its fastest run that reached the target, ranked
    as `autolr best` ranks them (by stored value, whose fraction breaks a tie in whole
    steps by how far the run cleared the target; then the lower rate), so that the seeds
    run at the rate the answer shows."""
    fastest: dict[str, FrozenTrial] = {}
    for t in filter(_reached_run, trials):
        name = str(t.params["optimizer"])
        if name not in fastest or _rank(t) < _rank(fastest[name]):
            fastest[name] = t
    return {
        name: (float(t.params["learning_rate"]), _steps(t, objective))
        for name, t in fastest.items()
    }


def _rank(trial: FrozenTrial) -> tuple[float, float]:
    return (float(trial.value or 0.0), float(trial.params["learning_rate"]))


def _steps(trial: FrozenTrial, objective: str) -> float:
    """What a run cost to reach the target, as people read it: whole steps (the stored
    value less its tie-break), or seconds as stored under the time objective. A run that
    did not reach is worth its stored value, which is above the budget."""
    if trial.value is None:
        return float("inf")
    return whole_steps(trial.value) if objective == "steps" else float(trial.value)


def _is_seed_run(trial: FrozenTrial, optimizer: str, rate: float, seed: int) -> bool:
    return (
        role(trial) == SEED
        and trial.user_attrs.get(SEED_ATTR) == seed
        and planned(trial).get("optimizer") == optimizer
        and abs(float(planned(trial).get("learning_rate", 0.0)) / rate - 1) < 1e-9
        and trial.state != TrialState.FAIL
    )


def _seed_runs(
    trials: Sequence[FrozenTrial], leading: Sequence[str], settings: StudySettings
) -> Plan:
    seed = settings.train.seed
    needed, waiting = [], False
    for optimizer in leading:
        rate = _seed_rate(trials, optimizer, settings)
        if rate is None:
            continue
        for extra in contenders.extra_seeds(seed):
            runs = [t for t in trials if _is_seed_run(t, optimizer, rate, extra)]
            if not runs:
                needed.append(FollowUp(optimizer, rate, SEED, extra))
            elif not any(t.state.is_finished() for t in runs):
                waiting = True
    return Plan(tuple(needed), waiting)


def _seed_rate(
    trials: Sequence[FrozenTrial], optimizer: str, settings: StudySettings
) -> float | None:
    """The rate `optimizer`'s seeds run at: its fastest at the study's seed (ranked as
    `autolr best` ranks), unless a rate as fast in whole steps has seeds already. A band
    run that only clears the target by more at the same check is not a new rate to
    seed (on the proxy CNN, Adadelta's walk re-seeded for that alone); one that is a
    check faster is."""
    own = _reached_at_seed(trials, optimizer)
    if not own:
        return None
    for t in own:
        if _steps(t, settings.objective) > _steps(own[0], settings.objective):
            break
        rate = float(t.params["learning_rate"])
        if any(
            _is_seed_run(run, optimizer, rate, extra)
            for run in trials
            for extra in contenders.extra_seeds(settings.train.seed)
        ):
            return rate
    return float(own[0].params["learning_rate"])


def _band_runs(trials: Sequence[FrozenTrial], tied: Sequence[str], settings: StudySettings) -> Plan:
    seed = settings.train.seed
    needed: list[FollowUp] = []
    waiting = False
    for optimizer in tied:
        step = band_walk(trials, optimizer, settings)
        needed += [FollowUp(optimizer, rate, BAND, seed) for rate in step.to_run]
        waiting = waiting or step.waiting
    return Plan(tuple(needed), waiting)


def _climb_runs(
    trials: Sequence[FrozenTrial],
    leading: Sequence[str],
    best: dict[str, tuple[float, float]],
    settings: StudySettings,
) -> Plan:
    needed: list[FollowUp] = []
    waiting = False
    for optimizer in leading:
        runs, running = _own_runs(at_study_seed(trials), optimizer, settings.objective)
        start = bracket.Run(*best[optimizer])
        step = bracket.climb(runs, running, start, settings.lr_min, settings.lr_max)
        needed += [FollowUp(optimizer, rate, BAND, settings.train.seed) for rate in step.to_run]
        waiting = waiting or step.waiting
    return Plan(tuple(needed), waiting)


def _own_runs(
    trials: Sequence[FrozenTrial], optimizer: str, objective: str
) -> tuple[list[bracket.Run], list[float]]:
    """`optimizer`'s finished runs among `trials`, and the rates of its running ones."""
    own = [t for t in trials if planned(t).get("optimizer") == optimizer]
    runs = [
        bracket.Run(float(t.params["learning_rate"]), _reached(t, objective), _exact(t))
        for t in own
        if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
    ]
    running = [
        float(planned(t)["learning_rate"])
        for t in own
        if t.state == TrialState.RUNNING and "learning_rate" in planned(t)
    ]
    return runs, running


def band_walk(
    trials: Sequence[FrozenTrial], optimizer: str, settings: StudySettings
) -> bracket.Walk:
    """Where the measurement of `optimizer`'s band stands (its runs at the study's seed;
    in a PBT study, its band runs: member-intervals are not constant-rate runs)."""
    runs_of = population_band_runs if settings.sampler == "pbt" else at_study_seed
    runs, running = _own_runs(runs_of(trials), optimizer, settings.objective)
    return bracket.walk(runs, running, DEFAULT_MARGIN, settings.lr_min, settings.lr_max)


def population_band_runs(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """A PBT study's constant-rate runs: those that measure its band."""
    return [t for t in trials if role(t) == BAND]


def population_plan(
    trials: Sequence[FrozenTrial], settings: StudySettings, optimizer: str, rate: float
) -> Plan:
    """A PBT study's thin band, measured as a search's is: the winning lineage's constant
    rate `rate` trained as an ordinary run at the study's seed first, then the band's
    edges bracketed on the grid around the fastest of those runs (bracket.py). When the
    constant rate misses the target, there is no band to bracket: the plan ends there,
    and the answer says so."""
    own = [t for t in population_band_runs(trials) if planned(t).get("optimizer") == optimizer]
    at_rate = [
        t
        for t in own
        if abs(float(planned(t).get("learning_rate", 0.0)) / rate - 1) < 1e-9
        and t.state != TrialState.FAIL
    ]
    if not at_rate:
        return Plan((FollowUp(optimizer, rate, BAND, settings.train.seed),), False)
    return _band_runs(trials, [optimizer], settings)


def _reached(trial: FrozenTrial, objective: str) -> float | None:
    return _steps(trial, objective) if _reached_run(trial) else None


def _exact(trial: FrozenTrial) -> bool:
    """Whether a run's verdict can bound a band: it ran to its end, or it measured a band
    and only the exact rule stopped it (slower than the margin times its own optimizer's
    best). A search run stopped early is not: a heuristic stopped it, or the slower rule
    against another optimizer's best."""
    if trial.state == TrialState.COMPLETE:
        return True
    return role(trial) == BAND and trial.user_attrs.get("stop_reason") == "slower"
