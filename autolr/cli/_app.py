"""Shared pieces of the CLI: the typer app, options used by several commands, and the
wrapper that turns user errors into one line and an exit code (no traceback)."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

import typer

from autolr import console
from autolr.config import DEBUG_ENV
from autolr.errors import AutolrError, Interrupted

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Find the optimizer and learning rate a deep-learning model should train with.",
)

F = TypeVar("F", bound=Callable[..., Any])
_secrets: list[str] = []  # storage URLs of this invocation, scrubbed from every error


def friendly_errors(command: F) -> F:
    """Turn AutolrError (and Ctrl-C) into one line and an exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except Interrupted as exc:
            console.error(str(exc))
            raise typer.Exit(130) from None
        except AutolrError as exc:
            console.error(scrub(str(exc)))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            console.error("interrupted")
            raise typer.Exit(130) from None
        except typer.Exit:
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            console.error(
                scrub(f"unexpected {type(exc).__name__}: {exc}".splitlines()[0])
                + f" (set {DEBUG_ENV}=1 for the traceback)"
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def resumable() -> Iterator[None]:
    """Ctrl-C inside: say that finished trials are kept and how to go on."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted; finished trials are saved: run the same command to resume"
        ) from None


def scrub(text: str) -> str:
    from autolr.study.storage import scrub

    for url in _secrets:
        text = scrub(text, url)
    return text


def storage_url(option: str | None, *, writer: bool = True) -> str:
    """The storage URL for this invocation; its password is scrubbed from any error."""
    from autolr.study.storage import resolve_url

    url = resolve_url(option, create=writer)
    _secrets.append(url)
    return url


# -- shared options -----------------------------------------------------------------
Study = Annotated[str, typer.Option("--study", help="Study name (also names its preset).")]
Storage = Annotated[
    str | None,
    typer.Option(
        "--storage",
        help="sqlite:///PATH or postgresql://... [default: $AUTOLR_STORAGE or "
        "sqlite:///studies/autolr.db]",
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
Target = Annotated[float | None, typer.Option(help="Training accuracy to reach [0.97].")]
Metric = Annotated[
    str | None,
    typer.Option(help="window: accuracy since the last check; cumulative: since step 0 [window]."),
]
MaxSteps = Annotated[int | None, typer.Option(help="Step budget per trial [6000].")]
MaxSeconds = Annotated[
    float | None,
    typer.Option(help="Wall-clock cut per trial, on top of --max-steps [none: steps only]."),
]
Scale = Annotated[
    float | None,
    typer.Option(
        help="Model size: the reference CNN's filters and width, or your --model's scale."
    ),
]
TrainSize = Annotated[int | None, typer.Option(help="Train on the first N examples [all].")]
Data = Annotated[str | None, typer.Option(help="Path to mnist.npz [$AUTOLR_MNIST, Keras cache].")]
Model = Annotated[
    str | None,
    typer.Option(
        help="Your own model: module:function returning an uncompiled keras.Model (logits)."
    ),
]
DataFn = Annotated[
    str | None,
    typer.Option(help="Your own data: module:function returning (x_train, y_train, x_val, y_val)."),
]
Quiet = Annotated[bool, typer.Option("--quiet", help="Log lines instead of live bars.")]
Seed = Annotated[int | None, typer.Option(help="Seed for weights, batches and sampler [0].")]
Optimizers = Annotated[
    str | None,
    typer.Option(help="Comma-separated subset of sgd,momentum,adam,adagrad,adadelta,rmsprop."),
]
LrMin = Annotated[float | None, typer.Option(help="Lowest learning rate [1e-6].")]
LrMax = Annotated[float | None, typer.Option(help="Highest learning rate [100].")]
FindSteps = Annotated[
    int | None,
    typer.Option(
        help="Range-test steps per optimizer, the rate rising from --lr-min to --lr-max [200]."
    ),
]
Preset = Annotated[
    str | None, typer.Option(help="Preset studies/NAME.toml to start from [the study name].")
]


def optimizer_list(text: str | None) -> list[str] | None:
    """--optimizers as a list (None when not given)."""
    return [o.strip() for o in text.split(",")] if text is not None else None


def floats(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise AutolrError(f"{option} must be comma-separated numbers, got {text!r}") from None


def given(**options: Any) -> dict[str, Any]:
    """Only the options the user actually set (None means 'not given')."""
    return {key: value for key, value in options.items() if value is not None}


# -- commands -----------------------------------------------------------------------
