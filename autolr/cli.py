"""The `autolr` command line: a thin layer over the study runner (the only typer user).

Each command turns options into a request, calls one function below, and hands the result
to `console`. Errors a user can fix become one line and a non-zero exit.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from autolr import console
from autolr.config import DEBUG_ENV
from autolr.errors import AutolrError

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
        except AutolrError as exc:
            console.error(_scrub(str(exc)))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            console.error("interrupted; finished trials are saved: run the same command to resume")
            raise typer.Exit(130) from None
        except typer.Exit:
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            console.error(
                _scrub(f"unexpected {type(exc).__name__}: {exc}".splitlines()[0])
                + f" (set {DEBUG_ENV}=1 for the traceback)"
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _scrub(text: str) -> str:
    from autolr.study.storage import scrub

    for url in _secrets:
        text = scrub(text, url)
    return text


def _storage_url(option: str | None) -> str:
    from autolr.study.storage import resolve_url

    url = resolve_url(option)
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
MaxSeconds = Annotated[float | None, typer.Option(help="Training-time budget per trial [120].")]
Scale = Annotated[float | None, typer.Option(help="Reference CNN conv-filter scale [1].")]
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
Seed = Annotated[int | None, typer.Option(help="Seed for weights, batches and sampler [0].")]


def _floats(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise AutolrError(f"{option} must be comma-separated numbers, got {text!r}") from None


def _given(**options: Any) -> dict[str, Any]:
    """Only the options the user actually set (None means 'not given')."""
    return {key: value for key, value in options.items() if value is not None}


# -- commands -----------------------------------------------------------------------
@app.command()
@friendly_errors
def tune(
    study: Study = "mnist",
    sampler: Annotated[str | None, typer.Option(help="grid, tpe, random or pbt [tpe].")] = None,
    n_trials: Annotated[
        int | None,
        typer.Option(
            help="Finish when the study holds N finished trials [grid: all points; else 40]."
        ),
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Stop starting trials after S seconds.")
    ] = None,
    storage: Storage = None,
    optimizers: Annotated[
        str | None,
        typer.Option(help="Comma-separated subset of sgd,momentum,adam,adagrad,adadelta,rmsprop."),
    ] = None,
    lr_min: Annotated[float | None, typer.Option(help="Lowest learning rate [1e-6].")] = None,
    lr_max: Annotated[float | None, typer.Option(help="Highest learning rate [100].")] = None,
    target: Target = None,
    metric: Metric = None,
    max_steps: MaxSteps = None,
    max_seconds: MaxSeconds = None,
    scale: Scale = None,
    train_size: TrainSize = None,
    data: Data = None,
    model: Model = None,
    data_fn: DataFn = None,
    seed: Seed = None,
    objective: Annotated[
        str | None, typer.Option(help="Minimise training steps or seconds to the target [steps].")
    ] = None,
    prune: Annotated[
        bool | None,
        typer.Option(
            "--prune/--no-prune", help="Stop runs slower than their optimizer's best [prune]."
        ),
    ] = None,
    population: Annotated[int | None, typer.Option(help="PBT: members [16].")] = None,
    interval: Annotated[
        int | None, typer.Option(help="PBT: steps between exploit/explore decisions [500].")
    ] = None,
    quantile: Annotated[
        float | None, typer.Option(help="PBT: bottom share that copies from the top [0.25].")
    ] = None,
    perturb: Annotated[
        str | None, typer.Option(help="PBT: learning-rate factors to explore with [0.8,1.25].")
    ] = None,
    resample_prob: Annotated[
        float | None,
        typer.Option(help="PBT: chance to resample optimizer and rate instead [0.25]."),
    ] = None,
    artifacts: Annotated[
        str | None,
        typer.Option(help="PBT: checkpoint directory [beside the SQLite file]."),
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="Preset studies/NAME.toml to start from [the study name].")
    ] = None,
    jobs: Annotated[int, typer.Option(help="Worker processes on this machine.", min=1)] = 1,
    heartbeat: Annotated[
        int,
        typer.Option(
            help="Seconds between liveness beats; a trial silent for 3 beats is re-run.", min=1
        ),
    ] = 10,
    quiet: Annotated[bool, typer.Option("--quiet", help="Log lines instead of live bars.")] = False,
) -> None:
    """Run (or resume) a study: train trials until it holds enough of them."""
    from autolr.study.runner import TuneRequest

    console.setup_logging(quiet)
    flags = _given(
        sampler=sampler,
        lr_min=lr_min,
        lr_max=lr_max,
        target=target,
        metric=metric,
        max_steps=max_steps,
        max_seconds=max_seconds,
        scale=scale,
        train_size=train_size,
        data=data,
        model=model,
        data_fn=data_fn,
        seed=seed,
        objective=objective,
        prune=prune,
        optimizers=[o.strip() for o in optimizers.split(",")] if optimizers else None,
        population=population,
        interval=interval,
        quantile=quantile,
        resample_prob=resample_prob,
        perturb=_floats(perturb, "--perturb"),
    )
    request = TuneRequest(
        study_name=study,
        storage_url=_storage_url(storage),
        flags=flags,
        preset=preset,
        n_trials=n_trials,
        timeout=timeout,
        heartbeat_seconds=heartbeat,
    )
    if jobs > 1:
        _tune_in_processes(request, jobs, quiet)
    else:
        _tune_here(request, quiet)


def _tune_here(request: Any, quiet: bool) -> None:
    from autolr.study.runner import tune as run_tune

    display = console.TuneLog() if quiet else console.TuneDisplay()
    with display:
        outcome = run_tune(request, display)
    _finish_message(outcome.study_name, outcome.finished, outcome.total, outcome.complete)


def _finish_message(name: str, finished: int, total: int, complete: bool) -> None:
    if complete:
        console.note(
            f"study {name} done: {finished}/{total} trials. Next: autolr best --study {name}"
        )
    else:
        console.note(
            f"study {name}: {finished}/{total} trials finished; run the same command to continue"
        )


def _tune_in_processes(request: Any, jobs: int, quiet: bool) -> None:
    """Create the study here (settings checked once), then let `jobs` workers share it."""
    from autolr.study.catalog import progress
    from autolr.study.runner import check_inputs, open_study
    from autolr.study.schedules import expected_trials
    from autolr.study.storage import open_storage
    from autolr.study.workers import run_workers

    storage = open_storage(request.storage_url)
    study, settings = open_study(
        storage, request.study_name, request.preset, request.flags, check=check_inputs
    )
    total = expected_trials(settings, request.n_trials)
    arguments = [
        "tune",
        "--study",
        request.study_name,
        "--quiet",
        "--heartbeat",
        str(request.heartbeat_seconds),
        "--n-trials",
        str(total),
    ]
    if settings.data.path:
        arguments += ["--data", settings.data.path]
    if request.timeout:
        arguments += ["--timeout", str(request.timeout)]
    if request.artifacts:
        arguments += ["--artifacts", request.artifacts]
    display = console.JobsDisplay(request.study_name, total, quiet)

    def poll() -> None:
        finished, running, best = progress(study)
        display.update(finished, running, console.describe_best(best, settings.objective))

    env_storage = {"AUTOLR_STORAGE": request.storage_url}  # not on the command line: no leaks
    os.environ.update(env_storage)
    with display:
        results = run_workers(arguments, jobs, poll)
    failures = [(code, line) for code, line in results if code != 0]
    if failures:
        code, line = failures[0]
        raise AutolrError(f"{len(failures)} of {jobs} workers failed (exit {code}): {line}")
    finished, _, _ = progress(study)
    _finish_message(request.study_name, finished, total, finished >= total)


@app.command()
@friendly_errors
def best(
    study: Study = "mnist",
    storage: Storage = None,
    for_scale: Annotated[
        float | None,
        typer.Option(
            help="Also advise a larger reference CNN at this scale (uses STUDY-scale if run)."
        ),
    ] = None,
    json_output: Json = False,
) -> None:
    """Print the recommended optimizer and learning rate, and the band of rates that work."""
    from autolr.study.catalog import larger_model, recommendation
    from autolr.study.pbt_results import PBTRecommendation
    from autolr.study.storage import open_storage

    url = _storage_url(storage)
    opened = open_storage(url, writer=False)
    rec = recommendation(opened, study, url)
    advice = (
        None if for_scale is None else larger_model(opened, study, rec.learning_rate, for_scale)
    )
    if json_output:
        console.print_json({**rec.to_json(), "larger_model": advice})
        return
    if isinstance(rec, PBTRecommendation):
        console.show_pbt_recommendation(rec)
    else:
        console.show_recommendation(rec, "steps" if rec.objective == "steps" else "seconds")
    console.show_larger_model(advice, study)


@app.command()
@friendly_errors
def studies(storage: Storage = None, json_output: Json = False) -> None:
    """List the studies in a storage: sampler, trials by state, best so far."""
    from autolr.study.catalog import study_rows
    from autolr.study.storage import open_storage, redact

    url = _storage_url(storage)
    rows = study_rows(open_storage(url, writer=False))
    if json_output:
        console.print_json(rows)
    else:
        console.show_studies(rows, redact(url))


@app.command()
@friendly_errors
def report(
    study: Study = "mnist",
    out: Annotated[str | None, typer.Option(help="Output folder [reports/STUDY].")] = None,
    storage: Storage = None,
) -> None:
    """Draw the study's figures (PNG and interactive HTML) and a Markdown summary."""
    from pathlib import Path

    from autolr.report import write_report
    from autolr.study.storage import load_study, open_storage

    url = _storage_url(storage)
    opened = open_storage(url, writer=False)
    result = write_report(load_study(opened, study, url), Path(out) if out else None)
    for skipped in result.skipped:
        console.note(f"skipped {skipped}")
    console.show_report(result.files, result.summary)


@app.command()
@friendly_errors
def dashboard(
    storage: Storage = None,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8080,
    host: Annotated[
        str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
) -> None:
    """Explore results in optuna-dashboard (Ctrl-C stops it)."""
    from optuna_dashboard import run_server

    from autolr.study.storage import open_storage, redact

    url = _storage_url(storage)
    opened = open_storage(url, writer=False)
    console.note(f"optuna-dashboard for {redact(url)} at http://{host}:{port}/ (Ctrl-C stops)")
    run_server(opened, host=host, port=port)


def _experiment_source(storage: str | None, study: str) -> tuple[str, Any, Any, Any]:
    """The storage URL, opened storage, stored settings and recommendation of a study."""
    from autolr.study.catalog import stored_settings
    from autolr.study.results import recommend
    from autolr.study.storage import load_study, open_storage

    url = _storage_url(storage)
    opened = open_storage(url, writer=False)
    source = load_study(opened, study, url)
    settings = stored_settings(source)
    if settings.sampler not in ("grid", "tpe", "random"):
        raise AutolrError(
            f"{study!r} is a {settings.sampler} study; follow up a grid, tpe or random study"
        )
    return url, opened, settings, recommend(study, settings, source.get_trials(deepcopy=False))


def _run_experiment(name: str, url: str, settings: Any, data: str | None, quiet: bool) -> Any:
    import dataclasses

    from autolr.study.runner import TuneRequest
    from autolr.study.runner import tune as run_tune

    console.setup_logging(quiet)
    settings = dataclasses.replace(settings, data=dataclasses.replace(settings.data, path=data))
    display = console.TuneLog() if quiet else console.TuneDisplay()
    with display:
        return run_tune(TuneRequest(name, url, {}, settings=settings), display)


Name = Annotated[
    str | None,
    typer.Option("--name", help="Name of the experiment's own study [STUDY-trace / STUDY-scale]."),
]
Quiet = Annotated[bool, typer.Option("--quiet", help="Log lines instead of live bars.")]


@app.command()
@friendly_errors
def trace(
    study: Study = "mnist",
    lr: Annotated[
        list[str] | None,
        typer.Option("--lr", help="Override a rate: OPTIMIZER=VALUE (repeatable)."),
    ] = None,
    steps: Annotated[
        int | None, typer.Option(help="Steps to train each optimizer [the study's --max-steps].")
    ] = None,
    validate_every: Annotated[
        int | None, typer.Option(help="Steps between validation passes [about 20 per run].")
    ] = None,
    data: Data = None,
    storage: Storage = None,
    name: Name = None,
    quiet: Quiet = False,
) -> None:
    """Train each optimizer at its best rate, recording validation accuracy over time."""
    from autolr.study.catalog import trace_rows
    from autolr.study.experiments import trace_settings

    url, opened, source, rec = _experiment_source(storage, study)
    overrides = dict(_rate_override(text) for text in lr or [])
    settings, skipped = trace_settings(study, source, rec, overrides, steps, validate_every)
    if skipped:
        console.note(f"left out (no rate reached the target): {', '.join(skipped)}")
    target = name or f"{study}-trace"
    _run_experiment(target, url, settings, data, quiet)
    console.show_trace(trace_rows(opened, target, url), target)


def _rate_override(text: str) -> tuple[str, float]:
    optimizer, sep, value = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return optimizer.strip(), float(value)
    except ValueError:
        raise AutolrError(f"--lr takes OPTIMIZER=VALUE, e.g. adam=1e-3; got {text!r}") from None


@app.command()
@friendly_errors
def scale(
    study: Study = "mnist",
    scales: Annotated[
        str, typer.Option(help="Model scales (conv-filter multipliers).")
    ] = "1,2,3,4,5,6,7,8,9,10",
    lrs: Annotated[
        str | None, typer.Option(help="Learning rates [the study's best and its band edges].")
    ] = None,
    optimizer: Annotated[str | None, typer.Option(help="Optimizer [the study's best].")] = None,
    target: Annotated[float, typer.Option(help="Training accuracy to reach.")] = 0.96,
    data: Data = None,
    storage: Storage = None,
    name: Name = None,
    quiet: Quiet = False,
) -> None:
    """The model-size experiment: time to threshold vs weights, fitted as c + k*n."""
    from autolr.study.catalog import scale_summary
    from autolr.study.experiments import scale_settings

    url, opened, source, rec = _experiment_source(storage, study)
    settings = scale_settings(
        study,
        source,
        rec,
        _floats(scales, "--scales") or [],
        _floats(lrs, "--lrs"),
        optimizer,
        target,
    )
    target_name = name or f"{study}-scale"
    _run_experiment(target_name, url, settings, data, quiet)
    console.show_scale(*scale_summary(opened, target_name, url), target_name)


@app.command()
@friendly_errors
def train(
    optimizer: Annotated[str, typer.Option(help="sgd, momentum, adam, adagrad, adadelta, rmsprop")],
    lr: Annotated[float, typer.Option("--lr", help="Learning rate.")],
    target: Target = None,
    metric: Metric = None,
    max_steps: MaxSteps = None,
    max_seconds: MaxSeconds = None,
    scale: Scale = None,
    train_size: TrainSize = None,
    data: Data = None,
    model: Model = None,
    data_fn: DataFn = None,
    seed: Seed = None,
    validate_every: Annotated[
        int | None, typer.Option(help="Measure validation accuracy every N steps.")
    ] = None,
    json_output: Json = False,
) -> None:
    """Train one configuration to the target and report how long it took."""
    from autolr.config import (
        DataSpec,
        ModelSpec,
        TrainSettings,
        check_learning_rate,
        check_optimizer,
    )

    check_optimizer(optimizer)
    check_learning_rate(lr)
    settings = TrainSettings(
        **_given(
            target=target,
            metric=metric,
            max_steps=max_steps,
            max_seconds=max_seconds,
            seed=seed,
            validate_every=validate_every,
        )
    )
    model_spec = ModelSpec(**_given(scale=scale, factory=model))
    data_spec = DataSpec(path=data, train_size=train_size, data_fn=data_fn)
    from autolr.trainer import Trainer

    result = Trainer(model_spec, data_spec, settings).train(optimizer, lr).to_dict()
    if json_output:
        console.print_json(result)
    else:
        console.show_train_result(result)


def main() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # autolr reports trials itself
    app()
