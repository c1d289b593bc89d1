"""Reading stored studies: their settings, trial counts and recommendations."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import optuna
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from autolr.errors import ConfigError
from autolr.study.history import checks
from autolr.study.pbt_results import PBTRecommendation, recommend_pbt
from autolr.study.results import Recommendation, best_reached, recommend
from autolr.study.scaling import (
    LinearFit,
    ScaleRun,
    fastest_rate_by_scale,
    fits_by_rate,
    reference_weight_count,
    scale_runs,
)
from autolr.study.settings import StudySettings
from autolr.study.storage import load_study, study_names

SETTINGS_ATTR = "autolr"


def stored_settings(study: optuna.Study) -> StudySettings:
    flat = study.user_attrs.get(SETTINGS_ATTR)
    if flat is None:
        raise ConfigError(f"study {study.study_name!r} was not created by autolr")
    return StudySettings.from_flat(flat)


def recommendation(storage: RDBStorage, name: str, url: str) -> Recommendation | PBTRecommendation:
    """`autolr best`: the fastest rate (or, for PBT, the winning lineage)."""
    study = load_study(storage, name, url)
    settings = stored_settings(study)
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
        rows.append(
            {
                "study": name,
                "sampler": flat.get("sampler", "?"),
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
        )
    return rows


def progress(study: optuna.Study) -> tuple[int, int, optuna.trial.FrozenTrial | None]:
    """Finished and running trial counts, and the best trial that reached the target."""
    trials = study.get_trials(deepcopy=False)
    counts = Counter(t.state for t in trials)
    finished = counts[TrialState.COMPLETE] + counts[TrialState.PRUNED]
    return finished, counts[TrialState.RUNNING], best_reached(trials)


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


def scale_summary(
    storage: RDBStorage, name: str, url: str
) -> tuple[dict[float, LinearFit | None], dict[float, float | None], list[ScaleRun]]:
    runs = scale_runs(load_study(storage, name, url).get_trials(deepcopy=False))
    return fits_by_rate(runs), fastest_rate_by_scale(runs), runs


def larger_model(
    storage: RDBStorage, name: str, learning_rate: float, scale: float
) -> dict[str, Any]:
    """What to expect at another model size: the same rate (the 2018 study's finding),
    and, when a `NAME-scale` study exists, the time its c + k*n line predicts."""
    weights = reference_weight_count(scale)
    answer: dict[str, Any] = {
        "scale": scale,
        "weights": weights,
        "learning_rate": learning_rate,
        "predicted_seconds": None,
        "fit": None,
    }
    scale_study = f"{name}-scale"
    if scale_study in study_names(storage):
        runs = scale_runs(optuna.load_study(study_name=scale_study, storage=storage).trials)
        fits = {rate: fit for rate, fit in fits_by_rate(runs).items() if fit is not None}
        if fits:
            nearest = min(fits, key=lambda rate: abs(math.log(rate / learning_rate)))
            fit = fits[nearest]
            answer["predicted_seconds"] = fit.predict(weights)
            answer["fit"] = {
                "study": scale_study,
                "learning_rate": nearest,
                "c": fit.c,
                "k": fit.k,
                "r2": fit.r2,
            }
    return answer
