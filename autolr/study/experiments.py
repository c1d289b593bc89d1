"""Follow-up experiments on a finished study, each stored as a study of its own:

- trace: each optimizer at its best rate, recording validation and training accuracy
  over time (the 2018 study's figure 4);
- scale: the reference CNN at several sizes with a fixed optimizer and rates, to the
  study's threshold (its model-size experiment).

Both are planned studies (a fixed list of points, like a grid), so they resume after a
crash and can be shared by several workers, and `autolr report` can draw them again.
"""

from __future__ import annotations

import dataclasses

from autolr.config import TrainSettings, check_learning_rate, check_optimizer
from autolr.errors import ConfigError
from autolr.study.results import Recommendation
from autolr.study.settings import StudySettings

TRACE_VALIDATIONS = 20  # validation passes along a trace: enough points for a curve


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
    optimizer: str | None,
    target: float,
) -> StudySettings:
    """The reference CNN at each scale x each rate, with one optimizer."""
    if source.model.factory is not None:
        raise ConfigError("scale needs the reference CNN; this study trained a --model")
    if not scales or any(s <= 0 for s in scales):
        raise ConfigError("--scales must be positive numbers, e.g. 1,2,4")
    name = check_optimizer(optimizer) if optimizer else rec.optimizer
    if rates is None:
        chosen = rec.per_optimizer.get(name)
        if chosen is None or chosen.learning_rate is None or chosen.band is None:
            raise ConfigError(f"no rate of {name} reached the target in {source_name}; give --lrs")
        rates = sorted({chosen.band[0], chosen.learning_rate, chosen.band[1]})
    rates = [check_learning_rate(r) for r in rates]
    train = dataclasses.replace(source.train, target=target)
    points = tuple((name, rate, scale) for scale in scales for rate in rates)
    return _planned(
        "scale", source_name, dataclasses.replace(source, optimizers=(name,)), train, points
    )


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
