"""What a study is: its search space, trial settings, model and data, as one frozen value.

Settings come from three places, later ones winning: built-in defaults (the 2018 study's
setup), a preset file `studies/NAME.toml`, and the command line. Once a study exists, its
stored settings are the truth: a flag that disagrees is an error, never a silently
different study.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import math
import tomllib
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from autolr.config import (
    AVERAGES,
    BUILTIN_OPTIMIZERS,
    OPTIMIZERS,
    USER_MODEL_OPTIMIZERS,
    DataSpec,
    ModelSpec,
    TrainSettings,
    check_optimizer,
)
from autolr.errors import ConfigError
from autolr.metrics import ACCURACY_METRICS, LOSS_METRICS

SAMPLERS: tuple[str, ...] = ("grid", "tpe", "random", "pbt")
# Studies made by `autolr trace` and `autolr scale`: a fixed list of points, like a grid.
EXPERIMENTS: tuple[str, ...] = ("trace", "scale")
FIND = "find"  # `autolr find`: one learning-rate range test per optimizer, stored as NAME-find
PLANNED: tuple[str, ...] = ("grid", *EXPERIMENTS, FIND)
# Where a sampled study's learning rates come from: each optimizer's range-test band
# (widened), or the whole --lr-min..--lr-max range.
PRIORS: tuple[str, ...] = ("find", "none")
# After a sampled search: measure the answer's band on the grid and the leaders' ties at
# more seeds (autolr/search/followups.py), or stop at the search's own runs.
BANDS: tuple[str, ...] = ("measure", "none")
DEFAULT_FIND_STEPS = 200  # range-test steps per optimizer (see autolr/search/lr_range.py)
Point = tuple[str, float, float]  # optimizer, learning rate, model scale
OBJECTIVES: tuple[str, ...] = ("steps", "time")
PRESET_DIR = Path("studies")  # the user's own presets, beside the default database


MIN_POPULATION = 2  # one member to copy from, one to copy


@dataclass(frozen=True)
class PBTSettings:
    """Population-based training knobs (used only by `--sampler pbt`)."""

    # Measured on the laptop proxy (docs/benchmarks.md, scripts/bench_pbt.py): 8 members
    # and 100-step intervals answered as well as 16 x 500 at under half its steps.
    population: int = 8
    interval: int = 100  # steps between exploit/explore decisions
    quantile: float = 0.25  # bottom share copies from the top share
    perturb: tuple[float, ...] = (0.8, 1.25)  # learning-rate factors on explore
    resample_prob: float = 0.25  # chance to resample optimizer and rate instead

    def __post_init__(self) -> None:
        if self.population < MIN_POPULATION:
            raise ConfigError(f"--population must be at least {MIN_POPULATION}")
        if self.interval < 1:
            raise ConfigError("--interval must be at least 1 step")
        if not 0 < self.quantile <= 0.5:
            raise ConfigError("--quantile must be in (0, 0.5]")
        if not self.perturb or any(not (f > 0 and math.isfinite(f)) for f in self.perturb):
            raise ConfigError("--perturb must be positive factors, e.g. 0.8,1.25")
        if not 0 <= self.resample_prob <= 1:
            raise ConfigError("--resample-prob must be in [0, 1]")


@dataclass(frozen=True)
class StudySettings:
    sampler: str = "tpe"
    optimizers: tuple[str, ...] = OPTIMIZERS
    lr_min: float = 1e-6
    lr_max: float = 100.0
    objective: str = "steps"  # minimise steps to target (or training seconds)
    prune: bool = True
    train: TrainSettings = field(default_factory=TrainSettings)
    model: ModelSpec = field(default_factory=ModelSpec)
    data: DataSpec = field(default_factory=DataSpec)
    pbt: PBTSettings = field(default_factory=PBTSettings)
    points: tuple[Point, ...] = ()  # trace and scale studies: what to train
    source: str | None = None  # trace, scale and find studies: the study they serve
    prior: str = "none"  # find: search each optimizer's range-test band; none: the range
    find_steps: int = DEFAULT_FIND_STEPS
    band: str = "none"  # measure: the answer's band and ties measured after the search
    # A user's own optimizers (--optimizer-fn): name -> module:function of the learning rate.
    optimizer_fns: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.sampler in EXPERIMENTS:
            if not self.points:
                raise ConfigError(f"a {self.sampler} study needs at least one point")
        elif self.sampler not in (*SAMPLERS, FIND):
            raise ConfigError(
                f"unknown sampler {self.sampler!r}; choose from {', '.join(SAMPLERS)}"
            )
        # Both serve searches only: the range test narrows one, follow-ups measure its
        # answer; a planned study trains its own fixed rates.
        for option, choice, choices, searched in (
            ("prior", self.prior, PRIORS, "find"),
            ("band", self.band, BANDS, "measure"),
        ):
            if choice not in choices:
                raise ConfigError(f"unknown {option} {choice!r}; choose {' or '.join(choices)}")
            if choice == searched and self.sampler not in ("tpe", "random", "pbt"):
                raise ConfigError(
                    f"--{option} {searched} serves tpe, random and pbt searches; a "
                    f"{self.sampler} study trains its own fixed rates (use --{option} none)"
                )
        if self.find_steps < 10:
            raise ConfigError(f"--find-steps must be at least 10, got {self.find_steps}")
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"unknown objective {self.objective!r}; choose steps or time")
        if not self.optimizers:
            raise ConfigError("--optimizers needs at least one optimizer")
        for name, reference in self.optimizer_fns:
            if name in BUILTIN_OPTIMIZERS:
                raise ConfigError(
                    f"--optimizer-fn {reference!r} is named {name!r} like a built-in optimizer; "
                    "name your function differently"
                )
        for name in self.optimizers:
            check_optimizer(name, self.own_optimizers)
        if self.data.task == "regression" and self.train.metric in ACCURACY_METRICS:
            raise ConfigError(
                f"--metric {self.train.metric} needs class labels; --task regression trains "
                "to a loss: use --metric loss or --metric val_loss with a --target loss"
            )
        if len(set(self.optimizers)) != len(self.optimizers):
            raise ConfigError("--optimizers lists an optimizer twice")
        for name, value in (("--lr-min", self.lr_min), ("--lr-max", self.lr_max)):
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be a positive number, got {value}")
        if self.lr_min >= self.lr_max:
            raise ConfigError(
                f"--lr-min ({self.lr_min:g}) must be below --lr-max ({self.lr_max:g})"
            )

    @property
    def own_optimizers(self) -> dict[str, str]:
        """The user's optimizers (--optimizer-fn), name -> module:function."""
        return dict(self.optimizer_fns)

    def to_flat(self) -> dict[str, Any]:
        """One flat dict with the CLI's option names (underscored), for TOML and storage."""
        flat: dict[str, Any] = {
            "sampler": self.sampler,
            "optimizers": list(self.optimizers),
            "lr_min": self.lr_min,
            "lr_max": self.lr_max,
            "objective": self.objective,
            "prune": self.prune,
            "scale": self.model.scale,
            "model": self.model.factory,
            "train_size": self.data.train_size,
            "data_fn": self.data.data_fn,
            "task": self.data.task,
            "data": self.data.path,
            "prior": self.prior,
            "find_steps": self.find_steps,
            "band": self.band,
        }
        if self.optimizer_fns:
            flat["optimizer_fns"] = dict(self.optimizer_fns)
        flat.update(dataclasses.asdict(self.train))
        if self.sampler == "pbt":
            pbt = dataclasses.asdict(self.pbt)
            pbt["perturb"] = list(self.pbt.perturb)
            flat.update(pbt)
        if self.sampler in EXPERIMENTS:
            flat["points"] = [list(point) for point in self.points]
        if self.sampler in (*EXPERIMENTS, FIND):
            flat["source"] = self.source
        return flat

    def identity(self) -> dict[str, Any]:
        """What is stored with a study and must match on resume (the data path is not)."""
        flat = self.to_flat()
        del flat["data"]
        return flat

    @classmethod
    def from_flat(cls, flat: dict[str, Any]) -> StudySettings:
        flat = _upgraded(flat)
        unknown = set(flat) - KNOWN_KEYS
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        train_keys = {f.name for f in dataclasses.fields(TrainSettings)}
        pbt_keys = {f.name for f in dataclasses.fields(PBTSettings)}
        train = {k: v for k, v in flat.items() if k in train_keys and v is not None}
        pbt = {k: v for k, v in flat.items() if k in pbt_keys and v is not None}
        if "perturb" in pbt:
            pbt["perturb"] = tuple(float(f) for f in pbt["perturb"])
        try:
            return cls(
                sampler=flat.get("sampler", "tpe"),
                optimizers=tuple(flat.get("optimizers", OPTIMIZERS)),
                lr_min=float(flat.get("lr_min", 1e-6)),
                lr_max=float(flat.get("lr_max", 100.0)),
                objective=flat.get("objective", "steps"),
                prune=bool(flat.get("prune", True)),
                train=TrainSettings(**train),
                model=ModelSpec(scale=_or(flat.get("scale"), 1.0), factory=flat.get("model")),
                data=DataSpec(
                    path=flat.get("data"),
                    train_size=flat.get("train_size"),
                    data_fn=flat.get("data_fn"),
                    task=flat.get("task") or "classification",
                ),
                pbt=PBTSettings(**pbt),
                points=tuple(
                    (str(o), float(lr), float(sc)) for o, lr, sc in flat.get("points", ())
                ),
                source=flat.get("source"),
                # Studies made before priors existed searched the whole range.
                prior=flat.get("prior") or "none",
                find_steps=int(_or(flat.get("find_steps"), DEFAULT_FIND_STEPS)),
                # Studies made before bands were measured stopped at the search's runs.
                band=flat.get("band") or "none",
                optimizer_fns=tuple(
                    (str(k), str(v)) for k, v in (flat.get("optimizer_fns") or {}).items()
                ),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid setting: {exc}") from exc


def _upgraded(flat: dict[str, Any]) -> dict[str, Any]:
    """Settings as stored by earlier versions, in today's terms, meaning what they meant:
    `metric` was the averaging of training accuracy (window or cumulative), which is now
    `average`, the metric being training accuracy."""
    if flat.get("metric") in AVERAGES:
        flat = {**flat, "average": flat.get("average") or flat["metric"], "metric": "accuracy"}
    return flat


def _or(value: Any, default: float) -> float:
    """`value` unless it is missing (None): a 0 the user gave stays 0, to be refused."""
    return default if value is None else float(value)


KNOWN_KEYS = (
    {
        "sampler",
        "optimizers",
        "lr_min",
        "lr_max",
        "objective",
        "prune",
        "scale",
        "model",
        "train_size",
        "data_fn",
        "data",
        "points",
        "source",
        "prior",
        "find_steps",
        "task",
        "optimizer_fns",
        "band",
    }
    | {f.name for f in dataclasses.fields(TrainSettings)}
    | {f.name for f in dataclasses.fields(PBTSettings)}
)


def _builtin_presets() -> Traversable:
    """The presets shipped in the package (autolr/presets links to the repo's studies/)."""
    return importlib.resources.files("autolr") / "presets"


def preset_names() -> list[str]:
    names = {
        p.name.removesuffix(".toml")
        for p in _builtin_presets().iterdir()
        if p.name.endswith(".toml")
    }
    if PRESET_DIR.is_dir():
        names |= {p.stem for p in PRESET_DIR.glob("*.toml")}
    return sorted(names)


def load_preset(name: str, required: bool = False) -> dict[str, Any]:
    """Flat settings from `studies/NAME.toml` (working directory first, then built-ins).

    A study named like a preset uses it when there is one; `--preset NAME` (required)
    must exist, so a typo cannot silently train the full-size defaults.
    """
    for source in (PRESET_DIR / f"{name}.toml", _builtin_presets() / f"{name}.toml"):
        if source.is_file():
            try:
                preset = tomllib.loads(source.read_text())
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"preset {name!r} is not valid TOML: {exc}") from exc
            unknown = set(preset) - KNOWN_KEYS
            if unknown:
                raise ConfigError(
                    f"preset {name!r}: unknown setting(s) {', '.join(sorted(unknown))}"
                )
            return preset
    if required:
        raise ConfigError(f"no preset named {name!r} (presets: {', '.join(preset_names())})")
    return {}


def resolve(
    preset: dict[str, Any], stored: dict[str, Any] | None, flags: dict[str, Any]
) -> StudySettings:
    """Merge defaults, preset and flags; for an existing study, check flags against it.

    `flags` holds only the options the user actually gave.
    """
    if stored is None:
        return StudySettings.from_flat(_new_study(preset, flags))
    stored_settings = StudySettings.from_flat(stored)
    canonical_stored = stored_settings.identity()
    asked = StudySettings.from_flat({**stored, **flags}).identity()
    conflicts = [k for k in flags if k in canonical_stored and asked[k] != canonical_stored[k]]
    if conflicts:
        details = ", ".join(
            f"--{k.replace('_', '-')} {_show(canonical_stored[k])} (asked {_show(asked[k])})"
            for k in conflicts
        )
        raise ConfigError(
            f"this study was created with {details}; use a new --study name for other settings"
        )
    return StudySettings.from_flat({**stored, "data": flags.get("data", preset.get("data"))})


def _new_study(preset: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any]:
    """A new study's flat settings: the preset, the flags, and defaults that depend on
    them (the prior on the sampler, the metric on the task, the optimizers on the model)."""
    preset = _upgraded(preset)
    merged = {**preset, **flags}
    merged.setdefault("prior", default_prior(merged.get("sampler", "tpe")))
    merged.setdefault("band", default_band(merged.get("sampler", "tpe")))
    if merged.get("task") == "regression" and "metric" not in flags:
        merged["metric"] = preset.get("metric") if preset.get("metric") in LOSS_METRICS else "loss"
    _check_loss_target(preset, flags, merged)
    if "optimizers" not in merged:
        merged["optimizers"] = list(USER_MODEL_OPTIMIZERS if merged.get("model") else OPTIMIZERS)
    own = [name for name in merged.get("optimizer_fns") or {} if name not in merged["optimizers"]]
    merged["optimizers"] = [*merged["optimizers"], *own]
    return merged


def _check_loss_target(
    preset: dict[str, Any], flags: dict[str, Any], merged: dict[str, Any]
) -> None:
    """A loss has no natural target (an accuracy's 0.97 means nothing for it): a loss
    metric needs its --target given with it, by flag or in the same preset."""
    if merged.get("metric") not in LOSS_METRICS or "target" in flags:
        return
    if "target" in preset and preset.get("metric") in LOSS_METRICS:
        return
    raise ConfigError(
        f"--metric {merged['metric']} needs --target: the loss a run must fall to (e.g. the "
        "loss of a model you would call trained; `autolr find` shows the losses seen)"
    )


def default_band(sampler: str) -> str:
    """Searches measure their answer's band (PBT only where its population left it
    thin); planned studies already hold every rate."""
    return "measure" if sampler in ("tpe", "random", "pbt") else "none"


def default_prior(sampler: str) -> str:
    """Sampled searches start from the range test; planned studies keep their rates."""
    return "find" if sampler in ("tpe", "random", "pbt") else "none"


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
