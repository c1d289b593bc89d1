"""Load a user's `module:function` (their own model or data) with errors they can act on."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autolr.errors import AutolrError, ConfigError

DEFAULT_SCALE = 1.0  # ModelSpec's default: a factory without `scale` is built at this one


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


def call_user_code(
    function: Callable[..., Any],
    what: str,
    *args: Any,
    error: type[AutolrError] = ConfigError,
    **kwargs: Any,
) -> Any:
    """Call a user's function; what it raises (or a sys.exit) becomes one line naming it,
    never a traceback and never autolr exiting silently with the user's code."""
    try:
        return function(*args, **kwargs)
    except SystemExit as exc:
        raise error(f"{what} called sys.exit({exc.code!r}) instead of returning") from None
    except Exception as exc:
        raise error(f"{what} raised {type(exc).__name__}: {exc}") from exc


def load_model_factory(reference: str, scale: float) -> Callable[[], Any]:
    """The user's `--model` function, bound to `scale` when it takes a `scale` keyword.

    A function without one builds a single size: asking it for another scale (`--scale`,
    `autolr scale --scales`) is an error, not the same model trained under a new name.
    """
    factory = load_callable(reference, "--model")
    if takes_scale(factory):
        return functools.partial(factory, scale=scale)
    if scale != DEFAULT_SCALE:
        raise ConfigError(
            f"--model {reference!r} has no `scale` parameter, so it cannot be built at scale "
            f"{scale:g}; give it one (e.g. `def build(scale: float = 1.0)`, sizing the model) "
            "or leave out --scale / --scales"
        )
    return factory


def takes_scale(factory: Callable[..., Any]) -> bool:
    """Whether `factory` names a `scale` parameter (a bare **kwargs does not count: it
    may well ignore it, and every size would silently be the same model)."""
    try:
        parameter = inspect.signature(factory).parameters.get("scale")
    except (TypeError, ValueError):  # builtins and C functions may have no signature
        return False
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )


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
