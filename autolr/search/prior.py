"""The learning rates a sampled study searches, per optimizer.

With `--prior find` each optimizer's range is its range-test band widened by
`PRIOR_MARGIN` on each side (clipped to --lr-min..--lr-max), optimizers with no usable
valley are left out, and the range test's suggestions are the first trials. With
`--prior none` every optimizer searches the whole range. The space is stored with the
study, so every worker and every resume searches the same one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autolr.errors import ConfigError
from autolr.search.lr_range import RangeVerdict
from autolr.settings import StudySettings

PRIOR_MARGIN = 3.0  # a band [low, high] is searched as [low / 3, high * 3]
SPACE_ATTR = "autolr:search_space"


@dataclass(frozen=True)
class SearchSpace:
    ranges: dict[str, tuple[float, float]]  # optimizer -> (low, high), most promising first
    suggestions: dict[str, float] = field(default_factory=dict)  # the range test's picks
    left_out: dict[str, str] = field(default_factory=dict)  # optimizer -> why

    @property
    def optimizers(self) -> list[str]:
        return list(self.ranges)

    @property
    def bounds(self) -> tuple[float, float]:
        """The lowest and highest rate any optimizer searches."""
        return min(lo for lo, _ in self.ranges.values()), max(hi for _, hi in self.ranges.values())

    def to_attr(self) -> dict[str, Any]:
        return {
            "ranges": {name: list(bounds) for name, bounds in self.ranges.items()},
            "suggestions": dict(self.suggestions),
            "left_out": dict(self.left_out),
        }

    @classmethod
    def from_attr(cls, attr: Mapping[str, Any]) -> SearchSpace:
        return cls(
            {name: (float(lo), float(hi)) for name, (lo, hi) in attr["ranges"].items()},
            {name: float(v) for name, v in attr.get("suggestions", {}).items()},
            dict(attr.get("left_out", {})),
        )


def whole_range(settings: StudySettings) -> SearchSpace:
    """--prior none: every optimizer over --lr-min..--lr-max."""
    return SearchSpace({name: (settings.lr_min, settings.lr_max) for name in settings.optimizers})


def from_range_tests(settings: StudySettings, verdicts: Mapping[str, RangeVerdict]) -> SearchSpace:
    """--prior find: each usable optimizer's band, widened; the lowest range-test loss first.

    Raises ConfigError when no optimizer has a usable valley: there is nothing to search.
    """
    usable = {
        name: verdicts[name]
        for name in settings.optimizers
        if name in verdicts and verdicts[name].valley
    }
    left_out = {
        name: verdicts[name].reason if name in verdicts else "no range test"
        for name in settings.optimizers
        if name not in usable
    }
    if not usable:
        raise ConfigError(
            "the range test found no usable learning rate for any optimizer "
            f"({'; '.join(f'{k}: {v}' for k, v in left_out.items())}); check the model and "
            "data, widen --lr-min/--lr-max, or search the whole range with --prior none"
        )
    ranges: dict[str, tuple[float, float]] = {}
    for name in sorted(usable, key=lambda n: usable[n].lowest_loss):
        band = usable[name].band
        assert band is not None
        ranges[name] = (
            max(band[0] / PRIOR_MARGIN, settings.lr_min),
            min(band[1] * PRIOR_MARGIN, settings.lr_max),
        )
    suggestions = {name: float(usable[name].suggestion or 0.0) for name in ranges}
    return SearchSpace(ranges, suggestions, left_out)
