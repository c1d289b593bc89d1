"""Follow-up experiments on a finished study: trace and scale."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from autolr import console
from autolr.cli import completion as complete
from autolr.cli._app import (
    Data,
    Quiet,
    Storage,
    Study,
    app,
    floats,
    friendly_errors,
    resumable,
    storage_url,
)
from autolr.cli.checks import at_least_one, name_list
from autolr.errors import AutolrError


def _experiment_source(storage: str | None, study: str) -> tuple[str, Any, Any, Any]:
    """The storage URL, opened storage, stored settings and recommendation of a study."""
    from autolr.answers.results import recommend
    from autolr.store.storage import load_study, open_storage
    from autolr.store.stored import stored_settings

    url = storage_url(storage)
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
    from autolr.study.tuning import tune as run_tune

    console.setup_logging(quiet)
    settings = dataclasses.replace(settings, data=dataclasses.replace(settings.data, path=data))
    display = console.TuneLog() if quiet else console.TuneDisplay()
    with resumable(), display:
        return run_tune(TuneRequest(name, url, {}, settings=settings), display)


Name = Annotated[
    str | None,
    typer.Option("--name", help="Name of the experiment's own study [STUDY-trace / STUDY-scale]."),
]


@app.command()
@friendly_errors
def trace(
    # typer needs every option spelled out in each command's signature; the options
    # themselves (types, help) are defined once in cli/_app.py.
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
    from autolr.answers.catalog import trace_rows
    from autolr.study.experiments import trace_settings

    at_least_one(steps, "--steps")
    at_least_one(validate_every, "--validate-every")
    target = _target_name(name, study, "trace")
    url, opened, source, rec = _experiment_source(storage, study)
    overrides = dict(_rate_override(text) for text in lr or [])
    settings, skipped = trace_settings(study, source, rec, overrides, steps, validate_every)
    if skipped:
        console.note(f"left out (no rate reached the target): {', '.join(skipped)}")
    _run_experiment(target, url, settings, data, quiet)
    console.show_trace(trace_rows(opened, target, url), target)


def _target_name(name: str | None, study: str, kind: str) -> str:
    """The experiment's own study: --name, else STUDY-KIND (checked: it may be too long)."""
    from autolr.names import check_study_name

    return name or check_study_name(f"{study}-{kind}", f"--name (default STUDY-{kind})")


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
    # typer needs every option spelled out in each command's signature; the options
    # themselves (types, help) are defined once in cli/_app.py.
    study: Study = "mnist",
    scales: Annotated[
        str,
        typer.Option(
            help="Model scales: the reference CNN's filter and dense-width multiplier, or "
            "your --model's `scale` keyword [the 2018 experiment's 1..10].",
        ),
    ] = "1,2,3,4,5,6,7,8,9,10",
    lrs: Annotated[
        str | None,
        typer.Option(help="Learning rates for every size [the study's rates around its band]."),
    ] = None,
    optimizers: Annotated[
        str | None,
        typer.Option(
            help="Optimizers, comma-separated [the study's best].",
            autocompletion=complete.optimizer_list,
        ),
    ] = None,
    widen: Annotated[
        float,
        typer.Option(help="Search this many times beyond the study's band on each side."),
    ] = 3.0,
    target: Annotated[
        float | None,
        typer.Option(help="Training accuracy to reach [the study's; the 2018 experiment: 0.96]."),
    ] = None,
    data: Data = None,
    storage: Storage = None,
    name: Name = None,
    quiet: Quiet = False,
) -> None:
    """The model-size experiment: each size's best rate, and steps and time vs size."""
    from autolr.answers.catalog import scale_summary
    from autolr.study.experiments import scale_settings

    target_name = _target_name(name, study, "scale")
    url, opened, source, rec = _experiment_source(storage, study)
    names = name_list(optimizers, "--optimizers")
    settings = scale_settings(
        study,
        source,
        rec,
        floats(scales, "--scales") or [],
        floats(lrs, "--lrs"),
        names,
        target,
        widen,
    )
    _run_experiment(target_name, url, settings, data, quiet)
    console.show_scale(scale_summary(opened, target_name, url), target_name)
