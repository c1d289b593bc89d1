"""The search space: optimizer x learning rate, and the 2018 study's 6 x 48 grid."""

from __future__ import annotations

from dataclasses import dataclass

from autolr.errors import ConfigError
from autolr.settings import FIND, StudySettings

# Relative tolerance when deciding whether a grid rate lies inside [lr_min, lr_max],
# so that --lr-min 1e-6 keeps the grid's 10**(-36/6) despite float rounding.
_RANGE_TOLERANCE = 1e-9


def study_learning_rates() -> list[float]:
    """The study's 48 rates: 10^(-i/6) for i = 36..1, then 10^(i/6) for i = 1..12.

    That is 1e-6 up to ~0.681, then ~1.468 up to 100; 1.0 itself is not in the grid.
    """
    below_one = [10 ** (-i / 6) for i in range(36, 0, -1)]
    above_one = [10 ** (i / 6) for i in range(1, 13)]
    return below_one + above_one


@dataclass(frozen=True)
class PlannedPoint:
    """One configuration a planned study trains exactly once (a grid point, or a point of
    a trace or scale experiment)."""

    index: int  # position in the plan's canonical order; identifies the point in storage
    optimizer: str
    learning_rate: float | None  # None: a range test, which sweeps the rate itself
    scale: float | None = None  # scale experiments only: the model size

    def params(self) -> dict[str, object]:
        params: dict[str, object] = {"optimizer": self.optimizer}
        if self.learning_rate is not None:
            params["learning_rate"] = self.learning_rate
        if self.scale is not None:
            params["scale"] = self.scale
        return params


def planned_points(settings: StudySettings) -> list[PlannedPoint]:
    """The grid of a grid study, one range test per optimizer of a find study, or the
    explicit points of a trace or scale study."""
    if settings.sampler == "grid":
        return grid_points(settings)
    if settings.sampler == FIND:
        return [PlannedPoint(i, opt, None) for i, opt in enumerate(settings.optimizers)]
    with_scale = settings.sampler == "scale"
    return [
        PlannedPoint(i, opt, lr, scale if with_scale else None)
        for i, (opt, lr, scale) in enumerate(settings.points)
    ]


def grid_points(settings: StudySettings) -> list[PlannedPoint]:
    """The grid restricted to the study's optimizers and learning-rate range.

    Points are numbered optimizer-major in the study's order; `run_order` decides the
    order in which they are trained.
    """
    rates = grid_rates(settings.lr_min, settings.lr_max)
    pairs = [(opt, lr) for opt in settings.optimizers for lr in rates]
    return [PlannedPoint(i, opt, lr) for i, (opt, lr) in enumerate(pairs)]


def grid_rates(lr_min: float, lr_max: float) -> list[float]:
    """The grid's rates within [lr_min, lr_max]."""
    low, high = lr_min * (1 - _RANGE_TOLERANCE), lr_max * (1 + _RANGE_TOLERANCE)
    return [lr for lr in study_learning_rates() if low <= lr <= high]


def check_grid(settings: StudySettings) -> None:
    """A grid study must hold at least one grid rate: refused before it is stored, with
    the grid rates nearest the range on each side (a grid of no points could never run)."""
    if settings.sampler != "grid" or grid_rates(settings.lr_min, settings.lr_max):
        return
    rates = study_learning_rates()
    below = [lr for lr in rates if lr < settings.lr_min]
    above = [lr for lr in rates if lr > settings.lr_max]
    nearest = [f"{below[-1]:.3g} below"] if below else []
    nearest += [f"{above[0]:.3g} above"] if above else []
    raise ConfigError(
        f"--lr-min {settings.lr_min:g} .. --lr-max {settings.lr_max:g} holds no rate of "
        f"the grid (10^(k/6), {rates[0]:g} to {rates[-1]:g}); the nearest grid "
        f"{'rates are' if len(nearest) > 1 else 'rate is'} {' and '.join(nearest)}: "
        "widen the range to include one"
    )


def run_order(points: list[PlannedPoint]) -> list[PlannedPoint]:
    """Middle rates first, then ever finer bisection, optimizers interleaved.

    Any order gives the same results without pruning. With pruning, a good rate found
    early lets the slow-run pruner stop hopeless rates sooner, and the middle of the
    range is where good rates usually are.
    """
    by_optimizer: dict[str, list[PlannedPoint]] = {}
    for point in points:
        by_optimizer.setdefault(point.optimizer, []).append(point)
    ordered: list[PlannedPoint] = []
    for rank in _bisection_ranks(max(len(v) for v in by_optimizer.values())):
        for optimizer_points in by_optimizer.values():
            if rank < len(optimizer_points):
                ordered.append(optimizer_points[rank])
    return ordered


def _bisection_ranks(n: int) -> list[int]:
    """0..n-1 ordered middle first, then the middles of each half, and so on."""
    order: list[int] = []
    seen: set[int] = set()
    intervals = [(0, n - 1)]
    while intervals:
        next_intervals = []
        for low, high in intervals:
            if low > high:
                continue
            middle = (low + high) // 2
            if middle not in seen:
                seen.add(middle)
                order.append(middle)
            next_intervals += [(low, middle - 1), (middle + 1, high)]
        intervals = next_intervals
    return order
