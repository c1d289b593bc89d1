"""What a worker does next, per kind of study: run a trial, wait, or stop.

Each schedule's `next` and `template` are consulted under the study lock, so its
read-then-decide is atomic across workers (`after_trial` is not: see there). Three kinds:
- planned (grid): a fixed list of points, each created as a running trial when claimed;
- sampled (tpe, random): the Optuna sampler proposes each trial, up to a total;
- population (pbt): member-intervals in synchronous generations, up to and including the
  first in which a member reached the target (see pbt.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import optuna
from optuna.trial import FrozenTrial, TrialState

from autolr.search import followups, pbt, roles
from autolr.search.space import PlannedPoint
from autolr.settings import PLANNED, StudySettings
from autolr.store.artifacts_db import ArtifactStore
from autolr.store.slots import GRID_ATTR

Next = Literal["run", "wait", "done"]
# TPE and random trials when --n-trials is not given: with the range-test prior and early
# stops, 20 finds a rate inside the best optimizer's band (scripts/bench_search.py).
DEFAULT_SAMPLED_TRIALS = 20
LIVE = (TrialState.WAITING, TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED)


def finished_count(trials: Sequence[FrozenTrial]) -> int:
    return sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)


class Schedule(Protocol):
    total: int  # trials the study wants (for progress and the stop rule)

    def next(self, trials: Sequence[FrozenTrial]) -> Next: ...
    def template(self, trials: Sequence[FrozenTrial]) -> FrozenTrial | None: ...
    def after_trial(self, study: optuna.Study) -> None: ...
    def complete(self, trials: Sequence[FrozenTrial]) -> bool: ...


class PlannedSchedule:
    """Every point exactly once. Optuna's GridSampler counts a failed point as visited;
    here a point whose trial failed (a killed worker, Ctrl-C) is simply claimed again."""

    def __init__(self, points: Sequence[PlannedPoint], limit: int | None) -> None:
        self.points = list(points)
        self.total = len(self.points) if limit is None else min(len(self.points), limit)

    def next(self, trials: Sequence[FrozenTrial]) -> Next:
        if finished_count(trials) >= self.total:
            return "done"
        if any(t.state == TrialState.WAITING for t in trials) or self._uncovered(trials):
            return "run"
        return "wait" if any(t.state == TrialState.RUNNING for t in trials) else "done"

    def template(self, trials: Sequence[FrozenTrial]) -> FrozenTrial | None:
        """The first uncovered point, in plan order, as the RUNNING trial a claim creates
        in one write (no queue to fill and pop: the lock's hold stays short at any grid
        size). None when a queued trial waits (studies from older versions): ask pops it.
        """
        if any(t.state == TrialState.WAITING for t in trials):
            return None
        point = self._uncovered(trials)
        assert point is not None, "template() after next() said run"
        return self.template_for(point)

    @staticmethod
    def template_for(point: PlannedPoint) -> FrozenTrial:
        """The RUNNING trial that trains `point`, created in one write."""
        return optuna.trial.create_trial(
            state=TrialState.RUNNING,
            # Where enqueue_trial keeps a queued trial's parameters: suggest_* returns them.
            system_attrs={"fixed_params": point.params()},
            user_attrs={GRID_ATTR: point.index},
        )

    def _uncovered(self, trials: Sequence[FrozenTrial]) -> PlannedPoint | None:
        """The first point no live trial covers, if the study still needs one."""
        live = [t for t in trials if t.state in LIVE]
        if len(live) >= self.total:
            return None
        covered = {t.user_attrs.get(GRID_ATTR) for t in live}
        return next((p for p in self.points if p.index not in covered), None)

    def after_trial(self, study: optuna.Study) -> None:
        return None

    def complete(self, trials: Sequence[FrozenTrial]) -> bool:
        return finished_count(trials) >= self.total


class SampledSchedule:
    """The sampler proposes; the search stops at `searched` finished search trials, all
    workers together. A worker waits while others' trials could still fail and need
    replacing. With `--band measure`, the follow-ups come next (search/followups.py):
    each created with its parameters fixed, until the answer's band and ties are
    measured."""

    def __init__(self, searched: int, settings: StudySettings | None = None) -> None:
        self.searched = searched
        self.settings = settings
        self.measure = settings is not None and settings.band == "measure"
        self.total = searched  # grows as follow-ups are planned

    def _search_next(self, trials: Sequence[FrozenTrial]) -> Next:
        search = followups.search_trials(trials)
        finished = finished_count(search)
        running = sum(t.state == TrialState.RUNNING for t in search)
        if finished >= self.searched:
            return "done"
        if finished + running < self.searched:
            return "run"
        return "wait"

    def _plan(self, trials: Sequence[FrozenTrial]) -> followups.Plan:
        assert self.settings is not None
        plan = followups.plan(trials, self.settings)
        self.total = self.searched + len(trials) - len(followups.search_trials(trials))
        self.total += len(plan.to_run)
        return plan

    def next(self, trials: Sequence[FrozenTrial]) -> Next:
        searching = self._search_next(trials)
        if searching != "done" or not self.measure:
            return searching
        if any(t.state == TrialState.RUNNING for t in followups.search_trials(trials)):
            return "wait"  # the search's last runs decide what to measure
        plan = self._plan(trials)
        if plan.to_run:
            return "run"
        return "wait" if plan.waiting else "done"

    def template(self, trials: Sequence[FrozenTrial]) -> FrozenTrial | None:
        """None while searching (the sampler proposes); then the first follow-up."""
        if not self.measure or self._search_next(trials) != "done":
            return None
        return follow_up_trial(self._plan(trials).to_run[0])

    def after_trial(self, study: optuna.Study) -> None:
        return None

    def complete(self, trials: Sequence[FrozenTrial]) -> bool:
        if self._search_next(trials) != "done":
            return False
        return not self.measure or self._plan(trials).done


class PopulationSchedule:
    """PBT generations; also deletes checkpoints no member can inherit any more. With
    `--band measure`, when the population's answer has a thin band, constant-rate runs
    measure it after the population is done (search/followups.py: population_plan)."""

    def __init__(
        self, settings: StudySettings, store: ArtifactStore | None, limit: int | None
    ) -> None:
        self.settings = settings
        self.store = store  # None: only read (the --jobs parent asks whether it is done)
        slots = settings.pbt.population * pbt.generations(settings)
        self.total = slots if limit is None else min(slots, limit)
        self.searched = self.total
        self.measure = settings.band == "measure"

    def population(self, trials: Sequence[FrozenTrial]) -> pbt.Population:
        return pbt.Population(trials, self.settings)

    def _population_next(self, trials: Sequence[FrozenTrial]) -> Next:
        if finished_count(followups.search_trials(trials)) >= self.searched:
            return "done"
        slot = self.population(trials).next_slot()
        if slot == pbt.DONE:
            return "done"
        return "wait" if slot == pbt.WAIT else "run"

    def _plan(self, trials: Sequence[FrozenTrial]) -> followups.Plan:
        from autolr.answers.pbt_results import band_to_measure

        measured = band_to_measure(self.settings, trials)
        if measured is None:
            return followups.Plan((), False)
        plan = followups.population_plan(trials, self.settings, *measured)
        members = len(followups.search_trials(trials))
        self.total = self.searched + len(trials) - members + len(plan.to_run)
        return plan

    def template(self, trials: Sequence[FrozenTrial]) -> FrozenTrial | None:
        """None while the population trains (the sampler proposes, study.ask); then the
        first band run."""
        if not self.measure or self._population_next(trials) != "done":
            return None
        return follow_up_trial(self._plan(trials).to_run[0])

    def next(self, trials: Sequence[FrozenTrial]) -> Next:
        training = self._population_next(trials)
        if training != "done" or not self.measure:
            return training
        plan = self._plan(trials)
        if plan.to_run:
            return "run"
        return "wait" if plan.waiting else "done"

    def after_trial(self, study: optuna.Study) -> None:
        """Delete checkpoints older than any generation still to be trained, keeping the
        winning lineage's last one: storage stays bounded by about twice the population.

        Safe without the lock: the oldest generation still needed only moves forward, so
        a stale snapshot deletes less, never something a claim could still inherit."""
        from autolr.store import checkpoints  # imports Keras: only in training workers

        trials = study.get_trials(deepcopy=False)
        population = self.population(trials)
        oldest = population.oldest_needed_generation()
        winners = {t.number for t in population.winners()}
        assert self.store is not None, "a training worker's schedule has its store"
        checkpoints.remove(
            self.store,
            [
                trial.user_attrs[pbt.CHECKPOINT]
                for trial in trials
                if trial.user_attrs.get(pbt.CHECKPOINT)
                and trial.number not in winners
                and trial.user_attrs.get(pbt.GENERATION, oldest) < oldest
            ],
        )

    def complete(self, trials: Sequence[FrozenTrial]) -> bool:
        if self.population(trials).next_slot() != pbt.DONE:
            return False
        return not self.measure or self._plan(trials).done


def follow_up_trial(follow_up: followups.FollowUp) -> FrozenTrial:
    """A follow-up to create as it is: parameters fixed, labelled with its role and seed."""
    return optuna.trial.create_trial(
        state=TrialState.RUNNING,
        system_attrs={
            "fixed_params": {
                "optimizer": follow_up.optimizer,
                "learning_rate": follow_up.learning_rate,
            }
        },
        user_attrs={roles.ROLE_ATTR: follow_up.role, roles.SEED_ATTR: follow_up.seed},
    )


def expected_trials(
    settings: StudySettings, limit: int | None, default_trials: int = DEFAULT_SAMPLED_TRIALS
) -> int:
    """How many finished trials the study asks for (what --jobs' progress bar counts to)."""
    if settings.sampler in PLANNED:
        from autolr.search.space import planned_points

        size = len(planned_points(settings))
    elif settings.sampler == "pbt":
        size = settings.pbt.population * pbt.generations(settings)
    else:
        return default_trials if limit is None else limit
    return size if limit is None else min(size, limit)


def study_complete(
    settings: StudySettings, trials: Sequence[FrozenTrial], limit: int | None
) -> bool:
    """Whether a study holds what it asked for, read from outside its workers (the --jobs
    parent): a PBT study may end generations before population x generations, and a
    sampled one measures its band and ties after its search trials."""
    if settings.sampler == "pbt":
        if limit is not None:
            return finished_count(trials) >= expected_trials(settings, limit)
        return PopulationSchedule(settings, None, limit).complete(trials)
    return make_schedule(settings, limit).complete(trials)


def make_schedule(
    settings: StudySettings,
    limit: int | None,
    store: ArtifactStore | None = None,
    default_trials: int = DEFAULT_SAMPLED_TRIALS,
) -> Schedule:
    """The schedule for a study's sampler; `limit` is --n-trials (None: the default)."""
    if settings.sampler in PLANNED:
        from autolr.search.space import planned_points, run_order

        points = planned_points(settings)
        return PlannedSchedule(run_order(points) if settings.sampler == "grid" else points, limit)
    if settings.sampler == "pbt":
        if store is None:
            raise ValueError("a PBT schedule needs an artifact store")
        return PopulationSchedule(settings, store, limit)
    return SampledSchedule(default_trials if limit is None else limit, settings)
