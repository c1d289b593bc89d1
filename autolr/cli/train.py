"""`autolr train`: one configuration, trained to the target."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from autolr import console
from autolr.cli import completion as complete
from autolr.cli._app import (  # the shared options (several commands take each)
    Average,
    BatchSize,
    CheckEvery,
    Data,
    DataFn,
    Json,
    MaxSeconds,
    MaxSteps,
    Metric,
    Model,
    OptimizerFn,
    Scale,
    Seed,
    Target,
    Task,
    TrainSize,
    ValSize,
    app,
    friendly_errors,
    setting_flags,
)
from autolr.cli._json import json_errors


@app.command()
@friendly_errors
@json_errors
def train(
    # typer needs every option spelled out in each command's signature; the options
    # themselves (types, help) are defined once in cli/_app.py.
    optimizer: Annotated[
        str,
        typer.Option(
            help="An optimizer's name (see tune --optimizers), or your --optimizer-fn's.",
            autocompletion=complete.optimizer,
        ),
    ],
    lr: Annotated[float, typer.Option("--lr", help="Learning rate.")],
    task: Task = None,
    metric: Metric = None,
    target: Target = None,
    average: Average = None,
    batch_size: BatchSize = None,
    check_every: CheckEvery = None,
    val_size: ValSize = None,
    max_steps: MaxSteps = None,
    max_seconds: MaxSeconds = None,
    scale: Scale = None,
    train_size: TrainSize = None,
    data: Data = None,
    model: Model = None,
    data_fn: DataFn = None,
    optimizer_fn: OptimizerFn = None,
    seed: Seed = None,
    validate_every: Annotated[
        int | None, typer.Option(help="Measure validation metrics every N steps.")
    ] = None,
    json_output: Json = False,
) -> None:
    """Train one configuration to the target and report how long it took."""
    flags = setting_flags(locals())  # before any other local: the options as settings
    from autolr.config import check_learning_rate

    check_learning_rate(lr)
    settings = one_run_settings(optimizer, flags)
    from autolr.study.runner import check_inputs
    from autolr.trainer import Trainer

    console.setup_logging(quiet=True)  # what was done to the data, a line each
    check_inputs(settings)  # data and model: one line, not a trace
    trainer = Trainer(settings.model, settings.data, settings.train, settings.own_optimizers)
    result = {**trainer.train(optimizer, lr).to_dict(), "metric": settings.train.metric}
    if json_output:
        console.print_json(result)
    else:
        console.show_train_result(result)


def one_run_settings(optimizer: str, flags: dict[str, Any]) -> Any:
    """The settings of `autolr train`: a study's, of one optimizer and no preset (so a
    loss metric needs its --target, and a regression trains to a loss, as in `tune`)."""
    from autolr.settings import resolve

    flags = {**flags, "optimizers": [optimizer], "sampler": "grid", "prior": "none"}
    return resolve({}, None, flags)
