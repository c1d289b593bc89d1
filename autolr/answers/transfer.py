"""`autolr best --for-scale S` / `--for-weights N`: a rate, steps and time for a model
larger (or smaller) than the ones measured, and how far to trust them.

Pure: the caller reads the studies; this module turns each size's best rate into the
answer's named fields (the JSON keys `best --json` prints under `larger_model`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autolr.answers.scaling import SizeBest
from autolr.answers.sizefit import CONFIDENCE, Line, RateFit, fit_line, fit_rates

AXIS_WORDS = {"weights": "weights", "scale": "scale factor"}
WARN_BEYOND = 10.0  # a target this many times outside the sizes measured gets a warning
PRIOR = "the 2018 study found the best rate held for the reference CNN from 1x to 10x its size"
NO_SIZES = "no sizes measured; a line through the sizes of `autolr scale` gives them"


@dataclass(frozen=True)
class Target:
    """The size asked about: a scale factor (and, for the reference CNN, its weights), or
    a weight count."""

    asked: str  # "scale" or "weights": which option the user gave
    scale: float | None
    weights: int | None

    def size(self, axis: str) -> float | None:
        return self.weights if axis == "weights" else self.scale

    def describe(self) -> str:
        if self.asked == "scale":
            weights = f" ({self.weights:,} weights)" if self.weights is not None else ""
            return f"scale x{self.scale:g}{weights}"
        return f"{self.weights:,} weights"


@dataclass(frozen=True)
class Measured:
    """The sizes measured so far, on the axis the user asked in."""

    smallest: float
    largest: float
    what: str  # e.g. "the scale study's 3 sizes", "the searched model"


def extrapolation_factor(target: float, measured: Measured) -> float:
    """How many times beyond the measured sizes the target lies (1 inside them)."""
    if target > measured.largest:
        return target / measured.largest
    if target < measured.smallest:
        return measured.smallest / target
    return 1.0


def extrapolation_warning(
    target: Target, factor: float, measured: Measured, given: Sequence[str]
) -> str | None:
    """Far beyond the sizes measured: what the numbers given (`given`: "rate", "steps",
    "seconds") rest on, said of those alone."""
    if factor <= WARN_BEYOND:
        return None
    where = f"{target.describe()} is {factor:.3g}x beyond {measured.what}"
    if list(given) == ["rate"]:
        return f"{where}: the rate is carried that far unmeasured; measure a size nearer it"
    return (
        f"{where}: the {_words(given)} given extend{'s' if len(given) == 1 else ''} a straight "
        "line that far; measure a size nearer it"
    )


def sizes_toward(measured: float, target: float, steps: int = 2) -> list[float]:
    """Scales to measure next: the one measured, then doublings (or halvings) toward the
    target, never past it, so every size is nearer the target than the one measured."""
    if target == measured:
        return []
    factor = 2.0 if target > measured else 0.5
    sizes = [measured]
    for _ in range(steps):
        following = sizes[-1] * factor
        if (following - target) * (sizes[-1] - target) < 0 or following == target:
            sizes.append(target)
            break
        sizes.append(following)
    return sorted(float(f"{size:.3g}") for size in sizes)


def without_scale_study(
    optimizer: str, rate: float, target: Target, measured: Measured, how: str | None
) -> dict[str, Any]:
    """The answer when no size was measured but the searched one: the prior only."""
    factor = extrapolation_factor(_asked(target), measured)
    return {
        "optimizer": optimizer,
        "target": {"scale": target.scale, "weights": target.weights},
        "learning_rate": rate,
        "interval": None,
        "transfers": None,
        "steps": None,
        "seconds": None,
        "not_given": {key: NO_SIZES for key in ("steps", "seconds")},
        "extrapolation_factor": factor,
        "warning": extrapolation_warning(target, factor, measured, ["rate"]),
        "evidence": f"no sizes measured: {PRIOR}; this study alone cannot confirm it",
        "more": how,
    }


def with_scale_study(
    optimizer: str,
    rate: float,
    best: Sequence[SizeBest],
    target: Target,
    axis: str,
    study: str,
    check_every: int,
) -> dict[str, Any]:
    """The answer from a scale study's sizes: the fitted best rate with its interval,
    whether it transfers, and steps and seconds from c + k·x."""
    sizes = [b for b in best if b.band is not None]
    asked = [b.size(target.asked) for b in sizes] or [b.size(target.asked) for b in best]
    span = " .. ".join(_show(x, target.asked) for x in (min(asked), max(asked)))
    measured = Measured(min(asked), max(asked), f"the sizes {study} measured ({span})")
    factor = extrapolation_factor(_asked(target), measured)
    answer = without_scale_study(optimizer, rate, target, measured, None)
    answer.pop("more")
    size = target.size(axis)
    fit = fit_rates(sizes, axis)
    answer["not_given"] = {
        key: f"{len(sizes)} size(s) reached the target in {study}: a line needs 2"
        for key in ("steps", "seconds")
    }
    answer["axis"] = axis
    answer["evidence"] = f"{study}: {len(sizes)} size(s) where {optimizer} reached the target"
    answer["caveats"] = [
        f"at x{b.scale:g} the rates that work reach the {' and '.join(b.at_edge)} end of "
        "the rates tried, so the best may lie beyond (a larger `autolr scale --widen`)"
        for b in sizes
        if b.at_edge
    ]
    if fit is None or size is None:
        answer["evidence"] += ": too few to fit"
        return answer
    transfers = fit.transfers
    answer.update(
        learning_rate=rate if transfers else fit.predict(size),
        interval=list(fit.interval(size)),
        transfers=transfers,
        fitted_rate=fit.predict(size),
        slope=rate_fit_summary(fit),
        sizes=[size_row(b) for b in sizes],
        extrapolation_factor=factor,
    )
    if fit.caveat():
        answer["caveats"].append(fit.caveat())
    answer["not_given"] = {}
    for key in ("steps", "seconds"):
        line = measure_line(sizes, axis, key)
        answer[key] = None if line is None else {**line_summary(line), **_predicted(line, size)}
        if line is None:
            answer["not_given"][key] = f"fewer than 2 sizes in {study} have their {key}"
    given = ["rate", *(key for key in ("steps", "seconds") if answer[key] is not None)]
    answer["warning"] = extrapolation_warning(target, factor, measured, given)
    steps = answer["steps"]
    if steps is not None:
        # Steps are counted at checks: "reached at 100" means somewhere in (50, 100], so
        # sizes that all read 150 do not pin the next one to 150. The interval allows one
        # check either way.
        steps["counted_every"] = check_every
        if steps["interval"] is not None:
            low, high = steps["interval"]
            steps["interval"] = [max(0.0, low - check_every), high + check_every]
    return answer


def size_summary(best: dict[str, list[SizeBest]], axis: str = "weights") -> dict[str, Any]:
    """What `autolr scale` prints per optimizer: each size's best, the rate's slope and
    the c + k·n lines of steps and seconds."""
    summary = {}
    for optimizer, sizes in best.items():
        fit = fit_rates(sizes, axis)
        lines = {key: measure_line(sizes, axis, key) for key in ("steps", "seconds")}
        summary[optimizer] = {
            "sizes": [size_row(b) for b in sizes],
            "rate_fit": None if fit is None else rate_fit_summary(fit),
            **{k: None if v is None else line_summary(v) for k, v in lines.items()},
        }
    return summary


def size_row(best: SizeBest) -> dict[str, Any]:
    return {
        "scale": best.scale,
        "weights": best.weights,
        "best_rate": best.learning_rate,
        "band": None if best.band is None else list(best.band),
        "at_edge": list(best.at_edge),
        "steps": best.steps,
        "seconds": best.seconds,
    }


def rate_fit_summary(fit: RateFit) -> dict[str, Any]:
    return {
        "value": fit.slope,
        "interval": list(fit.slope_interval),
        "confidence": CONFIDENCE,
        "per": f"decade of {AXIS_WORDS[fit.axis]}",
        "transfers": fit.transfers,
        "caveat": fit.caveat() or None,
    }


def measure_line(sizes: Sequence[SizeBest], axis: str, key: str) -> Line | None:
    """c + k·x through each size's best run: its steps or seconds to the target."""
    points = [(b.size(axis), getattr(b, key)) for b in sizes if getattr(b, key) is not None]
    if len({x for x, _ in points}) < 2:
        return None
    return fit_line([x for x, _ in points], [y for _, y in points])


def line_summary(line: Line) -> dict[str, Any]:
    return {
        "c": line.c,
        "k": line.k,
        "r2": line.r2,
        "quality": line.quality(),
        "c_note": line.c_note() or None,
        "sizes": line.sizes,
        "confidence": CONFIDENCE,
    }


def _predicted(line: Line, size: float) -> dict[str, Any]:
    predicted = line.predict(size)
    interval = line.interval(size)
    if predicted < 0:  # a line that falls with size: no count or time can be negative
        return {
            "predicted": None,
            "interval": None,
            "note": "the line falls below 0 before this size: it does not extrapolate",
        }
    return {
        "predicted": predicted,
        "interval": None if interval is None else [max(0.0, interval[0]), max(0.0, interval[1])],
        "note": None,
    }


def _words(items: Sequence[str]) -> str:
    """The items as read: "rate, steps and seconds"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _show(size: float, axis: str) -> str:
    return f"x{size:g}" if axis == "scale" else f"{size:,.0f} weights"


def _asked(target: Target) -> float:
    value = target.size(target.asked)
    assert value is not None and value > 0 and math.isfinite(value)
    return float(value)
