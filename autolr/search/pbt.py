"""Population-based training (Jaderberg et al., 2017) as an Optuna sampler.

A population of members trains in intervals. Each member-interval is one Optuna trial;
after generation g, a member in the bottom quantile (by the study's metric) copies the
weights and optimizer state of a member in the top quantile (exploit) and then perturbs
its learning rate, or resamples optimizer and rate (explore). A member that diverged or
ended its interval at chance (chance.py) is replaced whatever the quantile says.
Generations are synchronous: generation g+1 starts once every member has finished
generation g, which makes every decision a pure function of stored results and a seed.
So any worker, after any crash, makes the same decision for the same (member,
generation), and the study lock (held while a trial is claimed) ensures no slot is
trained twice. The study ends with the first generation in which a member reached the
target, trained to its end: the answer is the fastest lineage among that generation's
(answers/pbt_results.py), the same whichever member happened to finish first.

Generation 0 starts one member at each range-test suggestion (the prior's, most
promising optimizer first), the rest at rates drawn from each optimizer's range.

All state lives in the storage: each trial's user attributes say its member, generation,
parent trial, the lineage's steps so far and the action taken; weights live in the
artifact store (see checkpoints.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution
from optuna.samplers import BaseSampler
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState

from autolr.metrics import final_metric
from autolr.search.chance import CHANCE, STOP_REASON
from autolr.search.prior import SearchSpace, whole_range
from autolr.search.roles import ROLE_ATTR
from autolr.settings import StudySettings

MEMBER, GENERATION, PARENT = "member", "generation", "parent_trial"
LINEAGE_STEPS, ACTION, DONOR = "lineage_steps", "action", "donor_member"
LINEAGE_SECONDS = "lineage_seconds"  # training seconds the lineage had before this interval
PARENT_CHECKPOINT, CHECKPOINT, LOST = "parent_checkpoint", "checkpoint", "lost"
KEEP_OPTIMIZER_STATE = "keep_optimizer_state"
WAIT, DONE = "wait", "done"
_SEED_SALT = 7919  # keeps PBT's random stream apart from the trainer's, which uses `seed`


@dataclass(frozen=True, order=True)
class Slot:
    generation: int
    member: int


@dataclass(frozen=True)
class Decision:
    optimizer: str
    learning_rate: float
    action: str  # start | continue | exploit-perturb | exploit-resample
    parent: int | None  # trial number whose checkpoint this interval starts from
    parent_checkpoint: str | None
    donor: int | None  # member whose weights were copied
    lineage_steps: int  # steps the lineage had trained before this interval
    keep_optimizer_state: bool
    lineage_seconds: float = 0.0  # and the training seconds those steps took


def generations(settings: StudySettings) -> int:
    """Intervals per lineage: the step budget of one ordinary trial, in intervals."""
    return math.ceil(settings.train.max_steps / settings.pbt.interval)


class Population:
    """The study's member-intervals, indexed by slot."""

    def __init__(self, trials: Sequence[FrozenTrial], settings: StudySettings) -> None:
        self.settings = settings
        self.size = settings.pbt.population
        self.generations = generations(settings)
        self.by_slot: dict[Slot, FrozenTrial] = {}
        for trial in trials:
            if MEMBER not in trial.user_attrs:
                continue
            # A trial whose worker died is FAIL without being "lost": its slot is free again.
            if trial.state == TrialState.FAIL and not trial.user_attrs.get(LOST):
                continue
            self.by_slot[Slot(trial.user_attrs[GENERATION], trial.user_attrs[MEMBER])] = trial

    def finished(self, slot: Slot) -> bool:
        trial = self.by_slot.get(slot)
        return trial is not None and trial.state.is_finished()

    def reached(self) -> list[FrozenTrial]:
        """Every member-interval that reached the target."""
        return [t for t in self.by_slot.values() if reached(t)]

    def first_reached_generation(self) -> int | None:
        """The first generation in which any member reached the target (None: none yet)."""
        return min((int(t.user_attrs[GENERATION]) for t in self.reached()), default=None)

    def winners(self) -> list[FrozenTrial]:
        """The members that reached in the first generation where any did: the answer is
        the fastest of their lineages. Later generations are never trained."""
        first = self.first_reached_generation()
        return [t for t in self.reached() if t.user_attrs[GENERATION] == first]

    def next_slot(self) -> Slot | str:
        """The next slot a worker may train, or WAIT (a barrier), or DONE: after the last
        generation, or after the first generation in which a member reached, trained to
        its end (so the answer does not depend on which member finished first)."""
        first = self.first_reached_generation()
        last = self.generations if first is None else first + 1
        for generation in range(last):
            for member in range(self.size):
                slot = Slot(generation, member)
                if slot in self.by_slot:
                    continue
                previous_done = generation == 0 or all(
                    self.finished(Slot(generation - 1, m)) for m in range(self.size)
                )
                return slot if previous_done else WAIT
        if any(not t.state.is_finished() for t in self.by_slot.values()):
            return WAIT
        return DONE

    def oldest_needed_generation(self) -> int:
        """Checkpoints older than this generation can never be inherited again."""
        unfinished = [
            g
            for g in range(self.generations)
            for m in range(self.size)
            if not self.finished(Slot(g, m))
        ]
        return (min(unfinished) - 1) if unfinished else self.generations - 1

    def at_chance(self, slot: Slot) -> bool:
        """The interval ended at chance (its objective judged it: autolr/search/chance.py)."""
        return self.by_slot[slot].user_attrs.get(STOP_REASON) == CHANCE

    def score(self, slot: Slot) -> float:
        """The study's metric at the end of the interval, higher better (a loss counts
        negated); lost, diverged or unmeasured ranks last (-inf)."""
        trial = self.by_slot[slot]
        if trial.state != TrialState.COMPLETE or trial.user_attrs.get("diverged"):
            return -math.inf
        value = final_metric(trial.user_attrs)
        if not math.isfinite(value):
            return -math.inf
        return value if self.settings.train.goal.rises else -value


def decide(
    population: Population, slot: Slot, seed: int, space: SearchSpace | None = None
) -> Decision:
    """Exploit and explore for one member at one generation (deterministic per slot).

    Rates are drawn from, and perturbed within, each optimizer's range in `space` (the
    range-test prior; by default the whole --lr-min..--lr-max range)."""
    settings = population.settings
    space = space or whole_range(settings)
    rng = np.random.default_rng((seed, _SEED_SALT, slot.member, slot.generation))
    if slot.generation == 0:
        suggested = [(o, space.suggestions[o]) for o in space.optimizers if o in space.suggestions]
        if slot.member < len(suggested):
            optimizer, learning_rate = suggested[slot.member]
            return Decision(optimizer, learning_rate, "start", None, None, None, 0, False)
        return _fresh(space, rng, "start")
    previous = {m: Slot(slot.generation - 1, m) for m in range(population.size)}
    scores = {m: population.score(s) for m, s in previous.items()}
    alive = _alive(population, previous, scores)
    if not alive:
        return _fresh(space, rng, "start")  # nothing worth inheriting: start over
    cut = max(1, math.floor(settings.pbt.quantile * population.size))
    top = alive[:cut]
    own = population.by_slot[previous[slot.member]]
    # Replaced: every member that is not alive, however many, and the bottom quantile of
    # the whole population (where those rank last).
    ranked = sorted(scores, key=lambda m: (m not in alive, -scores[m], m))
    bottom = slot.member not in alive or slot.member in ranked[-cut:]
    if not bottom or slot.member in top:
        return _inherit(
            own,
            "continue",
            None,
            own.params["optimizer"],
            own.params["learning_rate"],
            keep_state=True,
        )
    donor = int(rng.choice(top))
    parent = population.by_slot[previous[donor]]
    if rng.random() < settings.pbt.resample_prob:
        optimizer, learning_rate = _sample(space, rng)
        return _inherit(
            parent,
            "exploit-resample",
            donor,
            optimizer,
            learning_rate,
            keep_state=optimizer == parent.params["optimizer"],
        )
    factor = float(rng.choice(settings.pbt.perturb))
    low, high = space.ranges.get(parent.params["optimizer"], (settings.lr_min, settings.lr_max))
    learning_rate = float(np.clip(parent.params["learning_rate"] * factor, low, high))
    return _inherit(
        parent, "exploit-perturb", donor, parent.params["optimizer"], learning_rate, keep_state=True
    )


def _alive(
    population: Population, previous: dict[int, Slot], scores: dict[int, float]
) -> list[int]:
    """Members worth keeping, best first: measured, not diverged or lost, and not at
    chance, unless every measured member is (then none is better to copy: all go on)."""
    measured = [m for m in scores if math.isfinite(scores[m])]
    learning = [m for m in measured if not population.at_chance(previous[m])]
    return sorted(learning or measured, key=lambda m: (-scores[m], m))


def _sample(space: SearchSpace, rng: np.random.Generator) -> tuple[str, float]:
    optimizer = str(rng.choice(space.optimizers))
    low, high = space.ranges[optimizer]
    log_rate = rng.uniform(math.log(low), math.log(high))
    return optimizer, float(np.clip(math.exp(log_rate), low, high))


def _fresh(space: SearchSpace, rng: np.random.Generator, action: str) -> Decision:
    optimizer, learning_rate = _sample(space, rng)
    return Decision(optimizer, learning_rate, action, None, None, None, 0, False)


def _inherit(
    parent: FrozenTrial,
    action: str,
    donor: int | None,
    optimizer: str,
    learning_rate: float,
    keep_state: bool,
) -> Decision:
    attrs = parent.user_attrs
    lineage = int(attrs[LINEAGE_STEPS]) + int(attrs.get("steps", 0))
    seconds = float(attrs.get(LINEAGE_SECONDS, 0.0)) + float(attrs.get("train_seconds", 0.0))
    return Decision(
        optimizer,
        learning_rate,
        action,
        parent.number,
        attrs.get(CHECKPOINT),
        donor,
        lineage,
        keep_state,
        seconds,
    )


class PBTSampler(BaseSampler):
    """Proposes each member-interval's optimizer and rate; records the lineage on it."""

    def __init__(
        self,
        settings: StudySettings,
        storage: RDBStorage,
        seed: int,
        space: SearchSpace | None = None,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.seed = seed
        self.space = space or whole_range(settings)
        self._decisions: dict[int, Decision] = {}

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        if trial.user_attrs.get(ROLE_ATTR):  # a band run: created with its rate fixed
            return
        others = [t for t in study.get_trials(deepcopy=False) if t.number != trial.number]
        population = Population(others, self.settings)
        slot = population.next_slot()
        if not isinstance(slot, Slot):
            raise RuntimeError("a PBT trial was asked for with no slot free")  # runner bug
        decision = decide(population, slot, self.seed, self.space)
        self._decisions[trial.number] = decision
        trial_id = self.storage.get_trial_id_from_study_id_trial_number(
            self.storage.get_study_id_from_name(study.study_name), trial.number
        )
        attrs: dict[str, Any] = {
            MEMBER: slot.member,
            GENERATION: slot.generation,
            PARENT: decision.parent,
            LINEAGE_STEPS: decision.lineage_steps,
            LINEAGE_SECONDS: round(decision.lineage_seconds, 4),
            ACTION: decision.action,
            DONOR: decision.donor,
            PARENT_CHECKPOINT: decision.parent_checkpoint,
            KEEP_OPTIMIZER_STATE: decision.keep_optimizer_state,
        }
        for key, value in attrs.items():
            self.storage.set_trial_user_attr(trial_id, key, value)

    # The three methods below are Optuna's BaseSampler interface: prior_tpe.py and
    # trial_seeded.py spell out the same signatures, each with its own logic.
    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        low, high = self.space.bounds
        return {
            "optimizer": CategoricalDistribution(self.space.optimizers),
            "learning_rate": FloatDistribution(low, high, log=True),
        }

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        decision = self._decisions.get(trial.number)
        if decision is None:  # a band run: its fixed parameters are used
            return {}
        return {"optimizer": decision.optimizer, "learning_rate": decision.learning_rate}

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        raise ValueError(f"PBT proposes only optimizer and learning_rate, not {param_name!r}")


def reached(trial: FrozenTrial) -> bool:
    return trial.state == TrialState.COMPLETE and bool(trial.user_attrs.get("reached"))


def lineage(trials: Sequence[FrozenTrial], last: FrozenTrial) -> list[FrozenTrial]:
    """The chain of member-intervals that led to `last`, first interval first."""
    by_number = {t.number: t for t in trials}
    chain = [last]
    while chain[-1].user_attrs.get(PARENT) is not None:
        chain.append(by_number[chain[-1].user_attrs[PARENT]])
    return chain[::-1]
