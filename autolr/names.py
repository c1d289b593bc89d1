"""Study names: what a name may be, and how one becomes a folder name.

A study name travels into terminal output, file paths (`reports/NAME/`), worker command
lines and log lines, so it is checked once, where it enters, rather than escaped
differently in each of those places.
"""

from __future__ import annotations

import re
from pathlib import Path

from autolr.errors import ConfigError

MAX_NAME_LENGTH = 100  # characters: a name fits on one line of a table or a log
# UTF-8 bytes: a name is a file name (studies/NAME.toml, reports/NAME-scale/), and a file
# name holds 255 bytes on every common file system; this leaves room for what is added.
MAX_NAME_BYTES = 200
# The studies autolr names after another (NAME-find, NAME-trace, NAME-scale). The limits
# apply to a name less one of these, so that a study's own follow-ups are valid names
# wherever the study's name is.
DERIVED_SUFFIXES = ("-find", "-trace", "-scale")


def check_study_name(name: str, option: str = "--study") -> str:
    """Return `name` if it can name a study, else raise a one-line error saying why.

    Allowed: 1 to 100 printable characters and 200 bytes (UTF-8), not counting a
    trailing -find, -trace or -scale, not starting or ending with a space. A name is
    also a folder under reports/, so between slashes there must be no `.`, `..` or empty
    part (`../x`, `/etc`, `a//b`). Brackets are fine: no display parses them.
    """
    if not name:
        raise ConfigError(f"{option} must not be empty")
    _check_size(name, option)
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


def _check_size(name: str, option: str) -> None:
    suffix = next((s for s in DERIVED_SUFFIXES if name.endswith(s) and name != s), "")
    extra = f" (plus {suffix})" if suffix else ""
    if len(name) - len(suffix) > MAX_NAME_LENGTH:
        raise ConfigError(
            f"{option} is {len(name)} characters long; use at most {MAX_NAME_LENGTH}{extra}"
        )
    size = len(name.encode("utf-8", "surrogatepass"))
    if size - len(suffix) > MAX_NAME_BYTES:
        raise ConfigError(
            f"{option} is {size} bytes long in UTF-8 ({len(name)} characters); use at most "
            f"{MAX_NAME_BYTES} bytes{extra}: a study name is also a file name"
        )


def inside(directory: Path, name: str) -> Path:
    """`directory / name`, refusing any `name` that would lead outside `directory`."""
    base = directory.resolve()
    path = (directory / name).resolve()
    if path == base or base not in path.parents:
        raise ConfigError(f"{name!r} cannot name a folder inside {directory}/")
    return directory / name
