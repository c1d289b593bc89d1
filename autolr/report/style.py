"""How the report looks: one colour and marker per optimizer, axis labels, titles.

Shared by the PNG and the HTML figures so that an optimizer is the same colour in every
figure of every report, whichever optimizers a study happened to include.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autolr.config import describe_goal
from autolr.report.chart import Dash, Symbol
from autolr.settings import StudySettings

# Okabe-Ito colours (readable with the common colour-vision deficiencies); momentum is a
# lighter blue than plain SGD because it is SGD with momentum.
COLOURS: dict[str, str] = {
    "sgd": "#0072B2",
    "momentum": "#56B4E9",
    "adam": "#D55E00",
    "adagrad": "#009E73",
    "adadelta": "#CC79A7",
    "rmsprop": "#E69F00",
}
FALLBACK_COLOUR = "#555555"  # an optimizer this table does not know yet

# Marker shapes as well as colours, so the figures survive greyscale printing.
SYMBOLS: dict[str, Symbol] = {
    "sgd": "circle",
    "momentum": "square",
    "adam": "triangle-up",
    "adagrad": "diamond",
    "adadelta": "triangle-down",
    "rmsprop": "cross",
}

# Line styles as well, each its own: the two blues (sgd, momentum) and greyscale prints
# tell lines apart by their dashes. None is dotted: a dotted line is a PBT exploit link.
DASHES: dict[str, Dash] = {
    "sgd": "solid",
    "momentum": "dash",
    "adam": "dashdot",
    "adagrad": "longdash",
    "adadelta": "longdashdot",
    "rmsprop": "dashdotdot",
}

# Figure titles (after "STUDY: "), the same in PNG and HTML.
TIME_TITLE = "time to target vs learning rate"
ENVELOPE_TITLE = "fastest and slowest optimizer at each learning rate"
BANDS_TITLE = "learning rates that reach the target, per optimizer"

LEARNING_RATE = "learning rate"
MEASURE_LABELS: dict[str, str] = {
    "seconds": "training time to target (s)",
    "steps": "training steps to target",
}
MEASURE_UNITS: dict[str, str] = {"seconds": "s", "steps": "steps"}
PANEL_TITLES: dict[str, str] = {"seconds": "training time", "steps": "training steps"}
DECADES_AS_POWERS = 3  # a learning-rate axis at least this wide is labelled 10^k


def colour(optimizer: str) -> str:
    return COLOURS.get(optimizer, FALLBACK_COLOUR)


def symbol(optimizer: str) -> Symbol:
    return SYMBOLS.get(optimizer, "circle")


def dash(optimizer: str) -> Dash:
    return DASHES.get(optimizer, "solid")


def joins_points(settings: StudySettings) -> bool:
    """Whether figure 1 joins an optimizer's points with lines: on a grid, neighbours are
    measured neighbours; TPE and random rates are scattered, so a line would invent a curve."""
    return settings.sampler == "grid"


def rate_ticks(settings: StudySettings) -> list[float] | None:
    """Round learning-rate ticks (0.01, 0.02, 0.05) for a range of a few decades; None for a
    wider one, which reads best as powers of ten (the 2018 study's 1e-6 to 100)."""
    if settings.lr_max / settings.lr_min >= 10**DECADES_AS_POWERS:
        return None
    return nice_log_ticks(settings.lr_min, settings.lr_max)


def span(low: float, high: float) -> str:
    """A band as read: "0.01 to 0.05", or "0.0609 only" when its ends print alike (one
    rate, or rates closer than three digits tell apart)."""
    a, b = f"{low:.3g}", f"{high:.3g}"
    return f"{a} only" if a == b else f"{a} to {b}"


def never_reached(runs: int) -> str:
    return f"never reached the target ({runs} run{'' if runs == 1 else 's'})"


def title(study: str, what: str) -> str:
    return f"{study}: {what}"


def subtitle(settings: StudySettings, runs: int) -> str:
    """What was trained, to what target, and how the rates were chosen: the context a
    reader needs to compare this figure with another study's."""
    return (
        f"{settings.model.describe()} to {describe_goal(settings.train)}, batch "
        f"{settings.train.batch_size} · "
        f"{settings.sampler} sampler, {runs} finished runs · "
        f"budget {settings.train.describe_budget()}"
    )


def nice_log_ticks(low: float, high: float) -> list[float]:
    """Round numbers from just below `low` to just above `high`: 1, 2, 3, 5 x powers of ten
    on a short axis, fewer on a long one."""
    decades = math.log10(high / low)
    mantissas: tuple[float, ...] = (1,)
    for most, choice in ((1, (1, 1.5, 2, 3, 4, 5, 7)), (2, (1, 2, 3, 5)), (3.5, (1, 2, 5))):
        if decades <= most:
            mantissas = choice
            break
    ticks = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for mantissa in mantissas:
            ticks.append(mantissa * 10.0**exponent)
    below = max([t for t in ticks if t <= low], default=ticks[0])
    above = min([t for t in ticks if t >= high], default=ticks[-1])
    return [t for t in ticks if below <= t <= above]


# Follow-up studies (trace, scale) and PBT.
TRACE_TITLE = "accuracy over training time at each optimizer's best rate"
SCALE_TIME_TITLE = "training time to target vs model size"
SCALE_RATE_TITLE = "time to target vs learning rate at each model size"
PBT_TITLE = "learning rate and training accuracy of each PBT member"
TRAINING_TIME = "training time (s)"
TRAINING_ACCURACY = "training accuracy"
VALIDATION_ACCURACY = "validation accuracy"
LINEAGE_STEP = "training steps along the lineage"
WEIGHTS = "weights (millions)"
TARGET_GREY = "#444444"  # the target accuracy line
WINNER_GREY = "#222222"  # under the lineage that reached the target first

# Sequential palettes for figures with one optimizer: learning rates (low rate dark blue,
# high rate orange) and model sizes (small light blue, large dark blue). Both leave out
# the palest colours, which vanish on white.
RATE_STOPS = ("#0d0887", "#6a00a8", "#b12a90", "#e16462", "#f89540")
SIZE_STOPS = ("#6baed6", "#2171b5", "#08306b")


def rate_colours(rates: Sequence[float]) -> dict[float, str]:
    """A colour per rate, low to high; the same rates get the same colours in every
    figure of a report."""
    return sequential(rates, RATE_STOPS)


def sequential(values: Sequence[float], stops: Sequence[str]) -> dict[float, str]:
    """A colour per distinct value, spread evenly over `stops` in sorted order."""
    ordered = sorted(set(values))
    if len(ordered) == 1:
        return {ordered[0]: stops[0]}
    return {v: _along(i / (len(ordered) - 1), stops) for i, v in enumerate(ordered)}


def _along(fraction: float, stops: Sequence[str]) -> str:
    """The colour `fraction` of the way along `stops`, interpolated in RGB."""
    position = fraction * (len(stops) - 1)
    i = min(int(position), len(stops) - 2)
    low, high = _rgb(stops[i]), _rgb(stops[i + 1])
    mix = [round(a + (b - a) * (position - i)) for a, b in zip(low, high, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))


def target_subtitle(settings: StudySettings, model: str, what: str) -> str:
    """Subtitle of a trace, scale or PBT figure: the model, the target, and what ran."""
    return f"{model} to {describe_goal(settings.train)} · {what}"


def scale_label(scale: float) -> str:
    return f"x{scale:g}"


def accuracy_floor(target: float, values: Sequence[float]) -> float:
    """Where an accuracy axis starts: twice the target's distance from 1 below it (0.85
    for a 0.95 target), or lower if one of `values` (final accuracies) is lower. Accuracy
    creeps towards 1, so on a 0-to-1 axis the part that matters is a thin strip."""
    lowest = min([target - 2 * (1 - target), *(v - 0.005 for v in values)])
    return max(0.0, math.floor(round(lowest * 100, 6)) / 100)
