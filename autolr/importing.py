"""Load a user's `module:function` (their own model or data) with errors they can act on."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autolr.errors import ConfigError


def load_callable(reference: str, what: str) -> Callable[..., Any]:
    """Import `module:function` or `path/to/file.py:function`.

    The working directory is importable, as it is for `python -m`, so a user's
    `my_models.py` next to them works without packaging it.
    """
    module_name, sep, attribute = reference.rpartition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(f"{what} must look like module:function, got {reference!r}")
    module = _import_module(module_name, reference, what)
    target = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ConfigError(f"{what} {reference!r}: module {module_name!r} has no {attribute!r}")
        target = getattr(target, part)
    if not callable(target):
        raise ConfigError(f"{what} {reference!r} is not callable")
    return target


def _import_module(module_name: str, reference: str, what: str) -> Any:
    if module_name.endswith(".py"):
        path = Path(module_name)
        if not path.is_file():
            raise ConfigError(f"{what} {reference!r}: no such file {module_name}")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"{what} {reference!r}: cannot import {module_name}")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise ConfigError(f"{what} {reference!r} failed to import: {exc}") from exc
        return module
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"{what} {reference!r}: cannot import module {exc.name!r}") from exc
    except Exception as exc:
        raise ConfigError(f"{what} {reference!r} failed to import: {exc}") from exc
