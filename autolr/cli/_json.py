"""`--json` prints JSON and nothing else on stdout: on failure, {"error": "..."} (and the
usual one-line error on stderr, and a non-zero exit), so `autolr best --json | jq` never
meets an empty stream or a half-written object; and whatever else would reach stdout
meanwhile (a framework's download or progress line) goes to stderr."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from autolr import console
from autolr.cli._app import scrub
from autolr.errors import AutolrError

F = TypeVar("F", bound=Callable[..., Any])


def json_errors(command: F) -> F:
    """Wrap a command that takes `json_output`; goes under `friendly_errors`, which still
    turns the error into its stderr line and exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("json_output"):
            return command(*args, **kwargs)
        with console.json_only():
            try:
                return command(*args, **kwargs)
            except typer.Exit:
                raise  # the command has already said what it had to
            except (Exception, KeyboardInterrupt) as exc:
                details = getattr(exc, "details", None) or {}  # e.g. how close runs came
                console.print_json({"error": scrub(_message(exc)), **details})
                raise

    return wrapper  # type: ignore[return-value]


def _message(exc: BaseException) -> str:
    if isinstance(exc, AutolrError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"unexpected {type(exc).__name__}: {exc}".splitlines()[0]
