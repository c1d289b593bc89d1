"""Study names: what a name may be, and how one becomes a folder name.

A study name travels into terminal output, file paths (`reports/NAME/`), worker command
lines and log lines, so it is checked once, where it enters, rather than escaped
differently in each of those places.
"""

from __future__ import annotations

import re
from pathlib import Path

from autolr.errors import ConfigError

MAX_NAME_LENGTH = 100  # a name fits on one line of a table or a log


def check_study_name(name: str, option: str = "--study") -> str:
    """Return `name` if it can name a study, else raise a one-line error saying why.

    Allowed: 1 to 100 printable characters, not starting or ending with a space. A name
    is also a folder under reports/, so between slashes there must be no `.`, `..` or
    empty part (`../x`, `/etc`, `a//b`). Brackets are fine: no display parses them.
    """
    if not name:
        raise ConfigError(f"{option} must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise ConfigError(f"{option} is {len(name)} characters long; use at most {MAX_NAME_LENGTH}")
    if not name.isprintable():
        bad = next(ch for ch in name if not ch.isprintable())
        raise ConfigError(f"{option} may hold only printable characters; found {bad!r}")
    if name != name.strip():
        raise ConfigError(f"{option} must not start or end with a space: {name!r}")
    if any(part in ("", ".", "..") for part in re.split(r"[/\\]", name)):
        raise ConfigError(
            f"{option} {name!r} must not be a path that leaves its folder "
            "(no '.', '..' or empty part between slashes)"
        )
    return name


def inside(directory: Path, name: str) -> Path:
    """`directory / name`, refusing any `name` that would lead outside `directory`."""
    base = directory.resolve()
    path = (directory / name).resolve()
    if path == base or base not in path.parents:
        raise ConfigError(f"{name!r} cannot name a folder inside {directory}/")
    return directory / name
