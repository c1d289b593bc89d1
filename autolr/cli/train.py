"""`autolr train`: one configuration, trained to the target."""

from __future__ import annotations

from typing import Annotated

import typer

from autolr import console
from autolr.cli import completion as complete
from autolr.cli._app import (
    Data,
    DataFn,
    Json,
    MaxSeconds,
    MaxSteps,
    Metric,
    Model,
    Scale,
    Seed,
    Target,
    TrainSize,
    app,
    friendly_errors,
    given,
)
from autolr.cli._json import json_errors


@app.command()
@friendly_errors
@json_errors
def train(
    optimizer: Annotated[
        str,
        typer.Option(
            help="sgd, momentum, adam, adagrad, adadelta, rmsprop",
            autocompletion=complete.optimizer,
        ),
    ],
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
        **given(
            target=target,
            metric=metric,
            max_steps=max_steps,
            max_seconds=max_seconds,
            seed=seed,
            validate_every=validate_every,
        )
    )
    model_spec = ModelSpec(**given(scale=scale, factory=model))
    data_spec = DataSpec(path=data, train_size=train_size, data_fn=data_fn)
    from autolr.data import load_dataset
    from autolr.trainer import Trainer
    from autolr.trainer.preflight import check_model

    check_model(model_spec, load_dataset(data_spec), settings.seed)  # one line, not a trace
    result = Trainer(model_spec, data_spec, settings).train(optimizer, lr).to_dict()
    if json_output:
        console.print_json(result)
    else:
        console.show_train_result(result)
