"""Checks of command-line values that settings cannot see: an empty list, a negative
timeout, a port. Each fails at once with one line, before any storage is opened."""

from __future__ import annotations

import math

from autolr.errors import ConfigError

HIGHEST_PORT = 65535


def name_list(text: str | None, option: str) -> list[str] | None:
    """`a,b,c` as a list; None when the option was not given. An empty list or entry
    is an error, never "all of them"."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if not any(parts):
        raise ConfigError(f"{option} needs at least one name, got {text!r}")
    if "" in parts:
        raise ConfigError(f"{option} has an empty entry: {text!r}")
    return parts


def positive_seconds(value: float | None, option: str) -> float | None:
    if value is not None and not (value > 0 and not math.isnan(value)):
        raise ConfigError(f"{option} must be a positive number of seconds, got {value:g}")
    return value


def at_least_one(value: int | None, option: str) -> int | None:
    if value is not None and value < 1:
        raise ConfigError(f"{option} must be at least 1, got {value}")
    return value


def port(value: int) -> int:
    if not 1 <= value <= HIGHEST_PORT:
        raise ConfigError(f"--port must be in 1..{HIGHEST_PORT}, got {value}")
    return value
