"""Reading stored studies: their settings, trial counts and recommendations."""

from __future__ import annotations

import shlex
from collections import Counter
from typing import TYPE_CHECKING, Any

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from autolr.answers.pbt_results import PBTRecommendation, recommend_pbt
from autolr.answers.range_tests import verdicts
from autolr.answers.results import Recommendation, best_reached, recommend
from autolr.answers.scaling import best_by_size, reference_weight_count
from autolr.errors import ConfigError
from autolr.search import followups
from autolr.settings import FIND
from autolr.store.history import checks
from autolr.store.storage import load_study, study_names
from autolr.store.stored import SETTINGS_ATTR, stored_settings

if TYPE_CHECKING:
    from autolr.answers.transfer import Target


def recommendation(storage: RDBStorage, name: str, url: str) -> Recommendation | PBTRecommendation:
    """`autolr best`: the fastest rate (or, for PBT, the winning lineage)."""
    study = load_study(storage, name, url)
    settings = stored_settings(study)
    if settings.sampler == FIND:
        raise ConfigError(
            f"{name!r} is a learning-rate range test, which has no target: "
            f"`autolr find --study {shlex.quote(settings.source or name)}` shows its "
            "suggestions and bands"
        )
    trials = study.get_trials(deepcopy=False)
    if settings.sampler == "pbt":
        return recommend_pbt(name, settings, trials)
    return recommend(name, settings, trials)


def state_counts(trials: list[optuna.trial.FrozenTrial]) -> dict[str, int]:
    return dict(Counter(t.state.name for t in trials))


def study_rows(storage: RDBStorage) -> list[dict[str, Any]]:
    """One row per study: sampler, trials by state, best configuration so far."""
    rows = []
    for name in study_names(storage):
        study = optuna.load_study(study_name=name, storage=storage)
        trials = study.get_trials(deepcopy=False)
        flat = study.user_attrs.get(SETTINGS_ATTR) or {}
        best = best_reached(trials)
        row = {
            "study": name,
            "sampler": flat.get("sampler", "?"),
            # What "reached" means here (a range test has no target).
            "target": None if flat.get("sampler") == FIND else flat.get("target"),
            "states": state_counts(trials),
            "best": (
                f"{best.params['optimizer']} lr={best.params['learning_rate']:.3g} "
                f"({best.value:.4g})"
                if best
                else "-"
            ),
            "best_trial": None
            if best is None
            else {"number": best.number, "value": best.value, **best.params},
        }
        if flat.get("sampler") == FIND:
            row["best"] = _range_test_summary(trials)
        rows.append(row)
    return rows


def _range_test_summary(trials: list[optuna.trial.FrozenTrial]) -> str:
    """A range test's headline: the optimizer whose loss fell lowest, and its suggestion."""
    usable = {name: v for name, v in verdicts(trials).items() if v.valley and v.suggestion}
    if not usable:
        return "no usable valley yet"
    name = min(usable, key=lambda n: usable[n].lowest_loss)
    return f"{name} suggests lr={usable[name].suggestion:.3g} (lowest loss)"


def progress(study: optuna.Study) -> tuple[int, int, optuna.trial.FrozenTrial | None, int]:
    """Finished search trials, running trials, the best trial that reached the target,
    and the finished follow-ups (runs measuring the band and ties)."""
    trials = study.get_trials(deepcopy=False)
    counts = Counter(t.state for t in trials)
    finished = counts[TrialState.COMPLETE] + counts[TrialState.PRUNED]
    searched = [t for t in followups.search_trials(trials) if t.state.is_finished()]
    searched_count = sum(t.state != TrialState.FAIL for t in searched)
    return (
        searched_count,
        counts[TrialState.RUNNING],
        best_reached(trials),
        finished - searched_count,
    )


def trace_rows(storage: RDBStorage, name: str, url: str) -> list[dict[str, Any]]:
    """Per optimizer of a trace study: its rate, when it reached the target, and its
    final training and validation accuracy."""
    rows = []
    for trial in load_study(storage, name, url).get_trials(deepcopy=False):
        if trial.state != TrialState.COMPLETE:
            continue
        history = checks(trial)
        validations = [h[4] for h in history if len(h) > 4]
        attrs = trial.user_attrs
        rows.append(
            {
                "optimizer": trial.params["optimizer"],
                "learning_rate": trial.params["learning_rate"],
                "reached_step": attrs.get(
                    "reached_step", attrs["steps"] if attrs.get("reached") else None
                ),
                "steps": attrs.get("steps"),
                "train_accuracy": attrs.get("final_accuracy"),
                "val_accuracy": validations[-1] if validations else None,
            }
        )
    return rows


def scale_summary(storage: RDBStorage, name: str, url: str) -> dict[str, Any]:
    """Per optimizer of a scale study: its best rate at each size, how that rate moves
    with the weight count, and the steps and seconds lines."""
    from autolr.answers.transfer import size_summary

    return size_summary(best_by_size(load_study(storage, name, url).get_trials(deepcopy=False)))


def larger_model(
    storage: RDBStorage, name: str, rec: Recommendation | PBTRecommendation, target: Target
) -> dict[str, Any]:
    """What to expect at another model size. From the sizes of a `NAME-scale` study when
    one exists (a fitted rate with its interval, steps and seconds); otherwise only the
    2018 study's finding, with what to run to learn more."""
    import dataclasses

    from autolr.answers.transfer import Measured, with_scale_study, without_scale_study

    source = optuna.load_study(study_name=name, storage=storage)
    settings = stored_settings(source)
    if target.asked == "scale" and settings.model.factory is None:
        target = dataclasses.replace(target, weights=reference_weight_count(target.scale or 0))
    rates = {
        optimizer: r.learning_rate
        for optimizer, r in getattr(rec, "per_optimizer", {}).items()
        if r.learning_rate is not None
    }
    rates.setdefault(rec.optimizer, rec.learning_rate)
    scale_study = f"{name}-scale"
    if scale_study in study_names(storage):
        sized = optuna.load_study(study_name=scale_study, storage=storage)
        best = best_by_size(sized.get_trials(deepcopy=False))
        check_every = stored_settings(sized).train.check_every
        measured = [o for o in best if any(b.band for b in best[o])]
        if measured:
            optimizer = rec.optimizer if rec.optimizer in measured else measured[0]
            axis = "weights" if target.weights is not None else "scale"
            rate = rates.get(optimizer) or best[optimizer][-1].learning_rate
            assert rate is not None
            return with_scale_study(
                optimizer, rate, best[optimizer], target, axis, scale_study, check_every
            )
    scale = settings.model.scale
    weights = max(
        (t.user_attrs.get("weight_count", 0) for t in source.get_trials(deepcopy=False)), default=0
    )
    size = scale if target.asked == "scale" else weights
    here = f"x{scale:g}" if target.asked == "scale" else f"{weights:,} weights"
    measured_size = Measured(size, size, f"the searched model ({here})")
    target_scale = target.scale
    if target_scale is None and settings.model.factory is None and target.weights is not None:
        target_scale = _reference_scale(target.weights)
    how = _how_to_measure(name, scale, size, target, target_scale)
    return without_scale_study(rec.optimizer, rec.learning_rate, target, measured_size, how)


def _how_to_measure(
    name: str, scale: float, size: float, target: Target, target_scale: float | None
) -> str | None:
    """The `autolr scale` command that measures sizes from the searched one toward the
    target (never further from it); None when the target is the searched size."""
    from autolr.answers.transfer import sizes_toward

    if target.size(target.asked) == size:
        return None
    if target_scale is None:  # a user's model, asked by weights: its scales are unknown
        return (
            f"measure: `autolr scale --study {name} --scales ...` at scales from x{scale:g} "
            f"toward {target.describe()} searches each size's best rate and fits how it "
            "moves with size"
        )
    listed = ",".join(f"{s:g}" for s in sizes_toward(scale, target_scale))
    return (
        f"measure: `autolr scale --study {name} --scales {listed}` searches each size's "
        "best rate, from the searched size toward the target, and fits how it moves with size"
    )


def _reference_scale(weights: int) -> float:
    """The reference CNN's scale with about `weights` weights (its count grows with the
    scale, so bisect), to 3 digits."""
    low, high = 1e-3, 1e4
    while high / low > 1.0001:
        middle = (low * high) ** 0.5
        low, high = (middle, high) if reference_weight_count(middle) < weights else (low, middle)
    return float(f"{high:.3g}")
