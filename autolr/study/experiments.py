"""Follow-up experiments on a finished study, each stored as a study of its own:

- trace: each optimizer at its best rate, recording validation and training accuracy
  over time (the 2018 study's figure 4);
- scale: the model at several sizes (the reference CNN, or a `--model` function that takes
  a `scale` keyword), each with a short search for each optimizer's best rate, to the
  target (the study's model-size experiment, and the evidence for `best --for-scale`).

Both are planned studies (a fixed list of points, like a grid), so they resume after a
crash and can be shared by several workers, and `autolr report` can draw them again.
"""

from __future__ import annotations

import dataclasses
import math

from autolr.answers.results import Recommendation
from autolr.config import TrainSettings, check_learning_rate, check_optimizer
from autolr.errors import ConfigError
from autolr.importing import load_model_factory
from autolr.search.space import study_learning_rates
from autolr.settings import StudySettings

TRACE_VALIDATIONS = 20  # validation passes along a trace: enough points for a curve
# Each size searches this many times beyond the source study's band on both sides: about
# 3 of the study's rate steps (x1.47 each), room for the best rate to move as the model
# grows while keeping each size's search short.
WIDEN = 3.0


def trace_settings(
    source_name: str,
    source: StudySettings,
    rec: Recommendation,
    overrides: dict[str, float],
    steps: int | None,
    validate_every: int | None,
) -> tuple[StudySettings, list[str]]:
    """Each optimizer at its best rate (or an override); returns settings and the
    optimizers left out because no rate of theirs reached the target."""
    rates = {
        name: r.learning_rate
        for name, r in rec.per_optimizer.items()
        if r.learning_rate is not None
    }
    for name, rate in overrides.items():
        rates[check_optimizer(name)] = check_learning_rate(rate)
    skipped = [name for name in source.optimizers if name not in rates]
    optimizers = tuple(name for name in source.optimizers if name in rates) + tuple(
        name for name in rates if name not in source.optimizers
    )
    budget = steps or source.train.max_steps
    check_every = source.train.check_every
    every = validate_every or max(
        check_every, budget // TRACE_VALIDATIONS // check_every * check_every
    )
    train = dataclasses.replace(
        source.train, max_steps=budget, validate_every=every, stop_at_target=False
    )
    points = tuple((name, rates[name], source.model.scale) for name in optimizers)
    return _planned("trace", source_name, source, train, points), skipped


def scale_settings(
    source_name: str,
    source: StudySettings,
    rec: Recommendation,
    scales: list[float],
    rates: list[float] | None,
    optimizers: list[str] | None,
    target: float | None,
    widen: float = WIDEN,
) -> StudySettings:
    """The model at each scale x each optimizer x the rates `size_search_rates` picks
    (or `rates`): each size's own short search for its best rate."""
    if not scales or any(not (s > 0 and math.isfinite(s)) for s in scales):
        raise ConfigError("--scales must be positive numbers, e.g. 0.25,0.5,1")
    if not (widen >= 1 and math.isfinite(widen)):
        raise ConfigError(f"--widen must be a factor of at least 1, got {widen:g}")
    if source.model.factory is not None:
        for scale in scales:  # a factory without a `scale` keyword fails here, at once
            load_model_factory(source.model.factory, scale)
    names = [check_optimizer(o) for o in optimizers] if optimizers else [rec.optimizer]
    per_optimizer = {}
    for name in names:
        if rates is not None:
            per_optimizer[name] = [check_learning_rate(r) for r in rates]
            continue
        result = rec.per_optimizer.get(name)
        if result is None or result.band is None:
            raise ConfigError(f"no rate of {name} reached the target in {source_name}; give --lrs")
        per_optimizer[name] = size_search_rates(result.band, widen)
    train = dataclasses.replace(
        source.train, target=source.train.target if target is None else target
    )
    points = tuple(
        (name, rate, scale)
        for scale in sorted(set(scales))
        for name in names
        for rate in per_optimizer[name]
    )
    return _planned("scale", source_name, source, train, points)


def size_search_rates(band: tuple[float, float], widen: float = WIDEN) -> list[float]:
    """The rates one size tries: the 2018 study's 48 rates from `widen` x below the source
    study's band to `widen` x above it.

    The one place that decides what a size searches, so that a smarter search (TPE with a
    range test's prior, say) can take its place.
    """
    low, high = band[0] / widen, band[1] * widen
    tolerance = 1e-9  # keep a grid rate that sits on an edge despite float rounding
    return [
        r for r in study_learning_rates() if low * (1 - tolerance) <= r <= high * (1 + tolerance)
    ]


def _planned(
    kind: str,
    source_name: str,
    source: StudySettings,
    train: TrainSettings,
    points: tuple[tuple[str, float, float], ...],
) -> StudySettings:
    rates = [p[1] for p in points]
    return dataclasses.replace(
        source,
        sampler=kind,
        optimizers=tuple(dict.fromkeys(p[0] for p in points)),
        lr_min=min(min(rates), source.lr_min),
        lr_max=max(max(rates), source.lr_max),
        prune=False,
        train=train,
        points=points,
        source=source_name,
        prior="none",
    )
