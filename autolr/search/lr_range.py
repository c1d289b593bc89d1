"""Reading a learning-rate range test: when to stop it, a suggested rate and a band.

The test (Smith 2015; fastai's `lr_find`) trains once from fresh weights while the rate
rises exponentially from `lr_min` to `lr_max`, one step per rate. The rule, step by step:

1. Smooth the per-step loss with a bias-corrected exponential moving average whose memory
   is a third of a decade of learning rate, whatever the number of steps (so the curve's
   shape in rate does not depend on how many steps it took).
2. Stop once the smoothed loss is above 4x its lowest value, or not finite: it diverged.
3. The start level is the median raw loss over the first 5% of steps (the rates there are
   too small to move anything), or the very first loss (the untrained model's) if that is
   lower: when the range starts at rates that already blow up, the loss falling back
   from its explosion is not learning. If the smoothed loss never falls 10% below the start
   level, the optimizer has **no usable valley** in the range.
4. Otherwise, `r` is the rate where the smoothed loss is lowest, moved back by half the
   average's memory (an average lags what it averages).
5. The band is [r / 10, 3 r]: a decade and a half around the lowest point. Anchoring on
   the lowest point instead of on where the descent starts matters: the descent starts
   at lower rates the more steps the test takes (more steps per rate, more progress), but
   where the loss turns up again hardly moves. The band reaches above r because a run
   that trains at one rate from the start tolerates more than a ramp that is still
   warming up: on the laptop proxy's full grid, the best rate of the six optimizers lay
   between 0.15 r (Adam) and 2 r (Adadelta) (`docs/benchmarks.md`).
6. The suggestion is r for SGD, momentum, Adagrad and Adadelta, and r / 4 for Adam and
   RMSProp. Those two divide each step by a running average of squared gradients, which
   during the ramp still remembers the small early gradients: they survive rates in the
   test that they do not survive when trained at one rate from the start. On the full
   grids of two models (the laptop proxy and an MLP) the best rate was 0.15-0.3 r for Adam
   and RMSProp and 0.7-3 r for the other four (`docs/benchmarks.md`). Adam's family
   (AdamW, Nadam, Adamax, LAMB) keeps the same running average, so it gets r / 4 too: on
   the MLP's grid AdamW's best rate was 0.1 r and its band ended below r / 2, so the
   search's run at r was out of it. Other optimizers (Lion's sign steps, FTRL's and
   Adagrad's accumulated sums, Adafactor's relative steps, a user's own) keep r.

Pure numpy over (rate, loss) lists: no Optuna, no Keras.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_STEPS = 200  # 25 steps per decade over 1e-6..100: enough to show each valley
SMOOTHING_DECADES = 1 / 3  # the moving average remembers a third of a decade of rates
DIVERGENCE_FACTOR = 4.0  # smoothed loss this many times its lowest: diverged, stop
START_SHARE = 0.05  # the start level is the median loss of the first 5% of steps
MIN_DROP = 0.10  # a valley must bring the loss 10% below its start level
BAND_BELOW = 10.0  # the band starts a decade below the lowest point
BAND_ABOVE = 3.0  # and ends half a decade above it
# Optimizers whose steps are scaled by a running average of squared gradients start
# lower (step 6 above); every other optimizer's suggestion is r itself.
ADAPTIVE_MOMENT = frozenset({"adam", "adamw", "nadam", "adamax", "lamb", "rmsprop"})
ADAPTIVE_FACTOR = 0.25
MIN_STEPS_BEFORE_STOP = 5  # the first few smoothed values rest on one or two losses


def ramp(lr_min: float, lr_max: float, steps: int) -> list[float]:
    """The rates the test trains with: exponential from lr_min to lr_max, both included."""
    return [float(r) for r in np.geomspace(lr_min, lr_max, steps)]


def steps_per_decade(lr_min: float, lr_max: float, steps: int) -> float:
    return (steps - 1) / max(math.log10(lr_max / lr_min), 1e-12)


class Smoother:
    """Bias-corrected exponential moving average of the loss; remembers its lowest value."""

    def __init__(self, lr_min: float, lr_max: float, steps: int) -> None:
        self.memory_steps = max(2.0, SMOOTHING_DECADES * steps_per_decade(lr_min, lr_max, steps))
        self.beta = 1.0 - 1.0 / self.memory_steps
        self._average = 0.0
        self._count = 0
        self.lowest = math.inf

    def add(self, loss: float) -> float:
        """Fold in one step's loss; return the smoothed value (inf once a loss is not finite)."""
        if not math.isfinite(loss) or not math.isfinite(self._average):
            self._average = math.inf
            return math.inf
        self._count += 1
        self._average = self.beta * self._average + (1.0 - self.beta) * loss
        smoothed = self._average / (1.0 - self.beta**self._count)
        self.lowest = min(self.lowest, smoothed)
        return smoothed

    def diverged(self, smoothed: float) -> bool:
        if not math.isfinite(smoothed):
            return True
        return self._count >= MIN_STEPS_BEFORE_STOP and smoothed > DIVERGENCE_FACTOR * self.lowest


@dataclass(frozen=True)
class RangeVerdict:
    """What one optimizer's curve says."""

    valley: bool  # False: no usable valley (the loss never fell enough)
    suggestion: float | None
    band: tuple[float, float] | None
    start_loss: float
    lowest_loss: float
    lowest_rate: float | None  # where the smoothed loss was lowest
    reason: str  # one line for people: why this verdict

    def to_json(self) -> dict[str, object]:
        return {
            "valley": self.valley,
            "suggestion": self.suggestion,
            "band": list(self.band) if self.band else None,
            "start_loss": self.start_loss,
            "lowest_loss": self.lowest_loss,
            "lowest_rate": self.lowest_rate,
            "reason": self.reason,
        }


def smooth(losses: Sequence[float], lr_min: float, lr_max: float, steps: int) -> list[float]:
    smoother = Smoother(lr_min, lr_max, steps)
    return [smoother.add(loss) for loss in losses]


def read_curve(
    rates: Sequence[float],
    losses: Sequence[float],
    lr_min: float,
    lr_max: float,
    steps: int,
    optimizer: str | None = None,
) -> RangeVerdict:
    """Apply the rule in the module docstring to one recorded test of `optimizer`.

    `steps` is the number of steps the test was planned with (it may have stopped early).
    """
    finite = [loss for loss in losses if math.isfinite(loss)]
    if not finite:
        return RangeVerdict(
            False, None, None, math.nan, math.nan, None, "the loss was never finite"
        )
    head = finite[: max(3, math.ceil(START_SHARE * steps))]
    start = min(float(np.median(head)), float(finite[0]))
    smoothed = np.array(smooth(losses, lr_min, lr_max, steps))
    lowest_index = int(np.argmin(np.where(np.isfinite(smoothed), smoothed, np.inf)))
    lowest = float(smoothed[lowest_index])
    if not lowest <= (1.0 - MIN_DROP) * start:
        return RangeVerdict(
            False,
            None,
            None,
            start,
            lowest,
            float(rates[lowest_index]),
            f"no usable valley: the loss never fell {MIN_DROP:.0%} below {start:.3g}",
        )
    lag = SMOOTHING_DECADES / 2  # decades the average lags behind the raw curve
    anchor = min(max(float(rates[lowest_index]) / 10**lag, lr_min), lr_max)
    low, high = max(anchor / BAND_BELOW, lr_min), min(anchor * BAND_ABOVE, lr_max)
    factor = ADAPTIVE_FACTOR if optimizer in ADAPTIVE_MOMENT else 1.0
    suggestion = min(max(anchor * factor, low), high)
    return RangeVerdict(
        True,
        suggestion,
        (low, high),
        start,
        lowest,
        float(rates[lowest_index]),
        f"loss fell from {start:.3g} to {lowest:.3g}",
    )
