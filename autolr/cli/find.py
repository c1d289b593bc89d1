"""`autolr find`: the learning-rate range test, as a command of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from autolr import console
from autolr.cli._app import (  # the shared options (several commands take each)
    BatchSize,
    Data,
    DataFn,
    FindSteps,
    Json,
    LrMax,
    LrMin,
    Model,
    OptimizerFn,
    Optimizers,
    Preset,
    Quiet,
    Scale,
    Seed,
    Storage,
    Study,
    Task,
    TrainSize,
    app,
    friendly_errors,
    resumable,
    setting_flags,
    storage_url,
)
from autolr.cli._json import json_errors
from autolr.errors import AutolrError


@app.command()
@friendly_errors
@json_errors
def find(
    # typer needs every option spelled out in each command's signature; the options
    # themselves (types, help) are defined once in cli/_app.py.
    study: Study = "mnist",
    storage: Storage = None,
    optimizers: Optimizers = None,
    lr_min: LrMin = None,
    lr_max: LrMax = None,
    find_steps: FindSteps = None,
    scale: Scale = None,
    train_size: TrainSize = None,
    data: Data = None,
    model: Model = None,
    data_fn: DataFn = None,
    task: Task = None,
    batch_size: BatchSize = None,
    optimizer_fn: OptimizerFn = None,
    seed: Seed = None,
    preset: Preset = None,
    out: Annotated[
        str | None, typer.Option(help="Folder for the figure [reports/STUDY-find].")
    ] = None,
    json_output: Json = False,
    quiet: Quiet = False,
) -> None:
    """Learning-rate range test: per optimizer, a suggested rate and a band, in a minute.

    Stored as the study STUDY-find (one trial per optimizer), so it runs once, resumes,
    and `autolr tune --prior find` (the default for tpe, random and pbt) starts from it.
    """
    flags = setting_flags(locals())  # before any other local: the options as settings
    from autolr.report import write_report
    from autolr.report.dashboard import publish
    from autolr.store.storage import load_study, open_storage
    from autolr.study.find import find as run_find
    from autolr.study.runner import TuneRequest

    console.setup_logging(quiet)
    url = storage_url(storage)
    request = TuneRequest(study_name=study, storage_url=url, flags=flags, preset=preset)
    display = console.TuneLog() if quiet else console.TuneDisplay()
    with resumable(), display:
        outcome = run_find(request, display)
    rows = _rows(outcome)
    total = sum(outcome.steps.values())
    opened = open_storage(url)
    found = load_study(opened, outcome.study_name, url)
    report = write_report(found, Path(out) if out else None)
    publish(found, report)  # the figure and the bands, inside `autolr dashboard` too
    usable = [r for r in rows if r["valley"]]
    error = None if usable else _no_valley(rows)
    if json_output:
        console.print_json(
            {
                "study": study,
                "find_study": outcome.study_name,
                "steps": total,
                "optimizers": {r["optimizer"]: _json_row(r) for r in rows},
                "figure": [
                    str(f)
                    for f in report.files
                    if f.suffix in (".png", ".html") and f.name != "index.html"
                ],
                **({"error": error} if error else {}),
            }
        )
    else:
        console.show_find(rows, outcome.study_name, total)
        console.note(f"figure: {report.out_dir}/range_test.png (and .html)")
    if error:
        raise AutolrError(error) if not json_output else typer.Exit(1)


def _rows(outcome: Any) -> list[dict[str, Any]]:
    rows = []
    for name in outcome.settings.optimizers:
        verdict = outcome.verdicts.get(name)
        if verdict is None:
            continue
        rows.append({"optimizer": name, "steps": outcome.steps.get(name, 0), **verdict.to_json()})
    return rows


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "optimizer"}


def _no_valley(rows: list[dict[str, Any]]) -> str:
    return (
        "no optimizer has a usable valley: the loss never fell in the range test "
        f"({len(rows)} optimizers); check the model and data, or widen --lr-min/--lr-max"
    )
