"""How the report looks: one colour and marker per optimizer, axis labels, titles.

Shared by the PNG and the HTML figures so that an optimizer is the same colour in every
figure of every report, whichever optimizers a study happened to include.
"""

from __future__ import annotations

import math

from autolr.study.settings import StudySettings

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
MPL_MARKERS: dict[str, str] = {
    "sgd": "o",
    "momentum": "s",
    "adam": "^",
    "adagrad": "D",
    "adadelta": "v",
    "rmsprop": "P",
}
PLOTLY_MARKERS: dict[str, str] = {
    "sgd": "circle",
    "momentum": "square",
    "adam": "triangle-up",
    "adagrad": "diamond",
    "adadelta": "triangle-down",
    "rmsprop": "cross",
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
DECADES_AS_POWERS = 3  # a learning-rate axis at least this wide is labelled 10^k


def colour(optimizer: str) -> str:
    return COLOURS.get(optimizer, FALLBACK_COLOUR)


def mpl_marker(optimizer: str) -> str:
    return MPL_MARKERS.get(optimizer, "o")


def plotly_marker(optimizer: str) -> str:
    return PLOTLY_MARKERS.get(optimizer, "circle")


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


def never_reached(runs: int) -> str:
    return f"never reached the target ({runs} run{'' if runs == 1 else 's'})"


def title(study: str, what: str) -> str:
    return f"{study}: {what}"


def subtitle(settings: StudySettings, runs: int) -> str:
    """What was trained, to what target, and how the rates were chosen: the context a
    reader needs to compare this figure with another study's."""
    return (
        f"{settings.model.describe()} to {settings.train.target:g} training accuracy · "
        f"{settings.sampler} sampler, {runs} finished runs · "
        f"budget {settings.train.max_steps} steps / {settings.train.max_seconds:g} s"
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
