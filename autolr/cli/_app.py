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
from autolr.cli import completion as complete
from autolr.cli.checks import name_list
from autolr.config import DEBUG_ENV
from autolr.errors import AutolrError, Interrupted, Terminated, failed_on_interrupt
from autolr.names import check_study_name

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Find the optimizer and learning rate a deep-learning model should train with.",
)


def _print_version(value: bool) -> None:
    if value:
        from autolr import __version__

        typer.echo(f"autolr {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    """Find the optimizer and learning rate a deep-learning model should train with."""


F = TypeVar("F", bound=Callable[..., Any])
TERMINATED_EXIT = 128 + 15  # what a shell reports for a process ended by SIGTERM
_secrets: list[str] = []  # storage URLs of this invocation, scrubbed from every error
# Parameters that name a study to create or read, checked before a command runs.
_STUDY_NAME_PARAMETERS = {"study": "--study", "name": "--name"}


def friendly_errors(command: F) -> F:
    """Turn AutolrError (and Ctrl-C) into one line and an exit code, never a traceback.

    Study names (parameters `study` and `name`) are checked here, before any command
    touches a storage, so no command can store or show a name that is not printable,
    too long, or a path.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            for parameter, option in _STUDY_NAME_PARAMETERS.items():
                if kwargs.get(parameter) is not None:
                    check_study_name(kwargs[parameter], option)
            return command(*args, **kwargs)
        except Interrupted as exc:
            console.error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except AutolrError as exc:
            console.error(scrub(str(exc)))
            raise typer.Exit(1) from None
        except Terminated:
            console.error("terminated (SIGTERM)")
            raise typer.Exit(TERMINATED_EXIT) from None
        except KeyboardInterrupt:
            console.error("interrupted")
            raise typer.Exit(130) from None
        except typer.Exit:
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            fault = _storage_fault(exc)
            if fault is not None:
                console.error(scrub(fault))
                raise typer.Exit(1) from None
            console.error(
                scrub(f"unexpected {type(exc).__name__}: {exc}".splitlines()[0])
                + f" (set {DEBUG_ENV}=1 for the traceback)"
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def resumable() -> Iterator[None]:
    """Ctrl-C or SIGTERM inside: say that finished trials are kept, which running trial
    was recorded as failed (none, if it came before any trial started), and how to go on."""
    try:
        yield
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        failed = failed_on_interrupt(exc)
        what = (
            f", and {' and '.join(failed)} recorded as failed"
            if failed
            else " (no trial was running)"
        )
        raise Interrupted(
            f"{'terminated (SIGTERM)' if terminated else 'interrupted'}; finished trials are "
            f"saved{what}: run the same command to resume",
            TERMINATED_EXIT if terminated else 130,
        ) from None


def _storage_fault(exc: Exception) -> str | None:
    """A full disk, a read-only or damaged database: named, not "unexpected"."""
    from autolr.store.faults import describe
    from autolr.store.storage import redact

    return describe(exc, redact(_secrets[-1]) if _secrets else "the storage")


def scrub(text: str) -> str:
    from autolr.store.storage import scrub

    for url in _secrets:
        text = scrub(text, url)
    return text


def storage_url(option: str | None, *, writer: bool = True) -> str:
    """The storage URL for this invocation; its password is scrubbed from any error."""
    from autolr.store.storage import resolve_url

    url = resolve_url(option, create=writer)
    _secrets.append(url)
    return url


# -- shared options -----------------------------------------------------------------
# Each is an Annotated type, defined once; alike in shape because typer's options are.
Study = Annotated[
    str,
    typer.Option(
        "--study", help="Study name (also names its preset).", autocompletion=complete.studies
    ),
]
Storage = Annotated[
    str | None,
    typer.Option(
        "--storage",
        help="sqlite:///PATH or postgresql://... [default: $AUTOLR_STORAGE or "
        "sqlite:///studies/autolr.db]",
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
Target = Annotated[
    float | None,
    typer.Option(
        help="The --metric's value that counts as trained: an accuracy to reach, or a loss to "
        "fall to (a loss metric needs one) [0.97]."
    ),
]
Metric = Annotated[
    str | None,
    typer.Option(
        help="What a run is judged by (Keras's names): accuracy, val_accuracy, loss or "
        "val_loss [accuracy; regression: loss].",
        autocompletion=complete.metrics,
    ),
]
Average = Annotated[
    str | None,
    typer.Option(
        help="Training metrics over the steps since the last check (window) or since step 0 "
        "(cumulative) [window].",
        autocompletion=complete.averages,
    ),
]
Task = Annotated[
    str | None,
    typer.Option(
        help="classification (integer labels, cross-entropy) or regression (float targets "
        "(N,) or (N, k), mean squared error) [classification].",
        autocompletion=complete.tasks,
    ),
]
BatchSize = Annotated[int | None, typer.Option(help="Examples per training step [100].")]
CheckEvery = Annotated[
    int | None,
    typer.Option(
        help="Steps between checks of the metric: a run's steps to the target are counted "
        "in these [50]."
    ),
]
ValSize = Annotated[
    int | None,
    typer.Option(
        help="Validation metrics: measured at every check on the first N validation "
        "examples, 0 for all [1000]."
    ),
]
OptimizerFn = Annotated[
    list[str] | None,
    typer.Option(
        help="Your own optimizer: module:function taking the learning rate and returning a "
        "keras.optimizers.Optimizer; searched as the function's name (repeatable)."
    ),
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
Data = Annotated[
    str | None,
    typer.Option(
        help="A Keras-layout .npz (x_train, y_train, x_test, y_test): images, feature vectors "
        "or token sequences [MNIST: $AUTOLR_MNIST, the Keras cache, or the 10,000 images "
        "shipped with autolr]."
    ),
]
Model = Annotated[
    str | None,
    typer.Option(
        help="Your own model: module:function returning an uncompiled keras.Model that "
        "outputs a logit per class (or a value per regression target)."
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
    typer.Option(
        help="Comma-separated: the study's sgd,momentum,adam,adagrad,adadelta,rmsprop (TF1 "
        "settings), Keras's adamw,nadam,adamax,lion,lamb,adafactor,ftrl,nesterov [the study's "
        "six; with --model, and adamw].",
        autocompletion=complete.optimizer_list,
    ),
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
    str | None,
    typer.Option(
        help="Preset studies/NAME.toml to start from [the study name].",
        autocompletion=complete.presets,
    ),
]


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


def setting_flags(options: dict[str, Any]) -> dict[str, Any]:
    """The study settings among a command's options (pass `locals()` first thing), only
    those the user gave, in the settings' own terms. Typer needs every command's
    parameters spelled out; what they mean as settings is said once, here."""
    from autolr.settings import KNOWN_KEYS

    flags = {k: v for k, v in options.items() if k in KNOWN_KEYS and v is not None}
    if "optimizers" in flags:
        flags["optimizers"] = name_list(flags["optimizers"], "--optimizers")
    if "perturb" in flags:
        flags["perturb"] = floats(flags["perturb"], "--perturb")
    if options.get("optimizer_fn"):
        flags["optimizer_fns"] = optimizer_functions(options["optimizer_fn"])
    return flags


def optimizer_functions(references: list[str]) -> dict[str, str]:
    """--optimizer-fn module:function (repeatable) as name -> reference, named by the
    function (`my_opts:sgd_warm` is searched as `sgd_warm`)."""
    named: dict[str, str] = {}
    for reference in references:
        module, sep, attribute = reference.rpartition(":")
        if not sep or not module or not attribute:
            raise AutolrError(f"--optimizer-fn must look like module:function, got {reference!r}")
        name = attribute.rpartition(".")[2]
        if name in named:
            raise AutolrError(f"--optimizer-fn names {name!r} twice")
        named[name] = reference
    return named


# -- commands -----------------------------------------------------------------------
