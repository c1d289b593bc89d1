"""`autolr tune`: run or resume a study, here or in --jobs worker processes."""

from __future__ import annotations

import math
import os
import shlex
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
    FindSteps,
    LrMax,
    LrMin,
    MaxSeconds,
    MaxSteps,
    Metric,
    Model,
    OptimizerFn,
    Optimizers,
    Preset,
    Scale,
    Seed,
    Storage,
    Study,
    Target,
    Task,
    TrainSize,
    ValSize,
    app,
    friendly_errors,
    resumable,
    setting_flags,
    storage_url,
)
from autolr.cli.checks import positive_seconds
from autolr.config import WORKER_INDEX_ENV
from autolr.errors import AutolrError
from autolr.settings import MIN_POPULATION, PBTSettings

PBT = PBTSettings()  # the defaults, as --help states them


@app.command()
@friendly_errors
def tune(
    # typer needs every option spelled out in each command's signature; the options
    # themselves (types, help) are defined once in cli/_app.py.
    study: Study = "mnist",
    sampler: Annotated[
        str | None,
        typer.Option(help="grid, tpe, random or pbt [tpe].", autocompletion=complete.samplers),
    ] = None,
    n_trials: Annotated[
        int | None,
        typer.Option(
            help="Finish when the study holds N finished trials, all workers together "
            "[grid: every point; pbt: up to population x generations, ending with the first "
            "generation in which a member reaches the target; else 20].",
            min=1,
        ),
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Stop starting trials after S seconds.")
    ] = None,
    storage: Storage = None,
    optimizers: Optimizers = None,
    lr_min: LrMin = None,
    lr_max: LrMax = None,
    prior: Annotated[
        str | None,
        typer.Option(
            help="find: search each optimizer's range-test band (autolr find), widened 3x; "
            "none: the whole --lr-min..--lr-max range [find for tpe, random, pbt; grid: none]."
        ),
    ] = None,
    find_steps: FindSteps = None,
    band: Annotated[
        str | None,
        typer.Option(
            help="measure: after the search, find each leading optimizer's fastest grid rate "
            "(6 rates a decade) near its best, run it at two more seeds (ties said), and "
            "bracket each tied optimizer's band on the grid; pbt: when its members leave "
            "the band thin, constant-rate runs bracket it; none: the search's runs only "
            "[measure for tpe, random and pbt].",
            autocompletion=complete.bands,
        ),
    ] = None,
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
    objective: Annotated[
        str | None,
        typer.Option(
            help="Minimise training steps or seconds to the target [steps].",
            autocompletion=complete.objectives,
        ),
    ] = None,
    prune: Annotated[
        bool | None,
        typer.Option(
            "--prune/--no-prune", help="Stop runs slower than their optimizer's best [prune]."
        ),
    ] = None,
    population: Annotated[
        int | None,
        typer.Option(
            help=f"PBT: members, at least {MIN_POPULATION} [{PBT.population}]. Generation 0 "
            "starts one member at each optimizer's range-test suggestion, so fewer members "
            "than optimizers leave some untried."
        ),
    ] = None,
    interval: Annotated[
        int | None,
        typer.Option(
            help="PBT: steps between exploit/explore decisions; the budget makes "
            "generations = ceil(--max-steps / --interval) (--preset mnist: 1500 steps, "
            f"{math.ceil(1500 / PBT.interval)} generations) [{PBT.interval}]."
        ),
    ] = None,
    quantile: Annotated[
        float | None,
        typer.Option(
            help="PBT: bottom share that copies from the top; members that diverged or sat "
            f"at chance are replaced as well [{PBT.quantile:g}]."
        ),
    ] = None,
    perturb: Annotated[
        str | None,
        typer.Option(
            help="PBT: learning-rate factors to explore with "
            f"[{','.join(f'{f:g}' for f in PBT.perturb)}]."
        ),
    ] = None,
    resample_prob: Annotated[
        float | None,
        typer.Option(
            help=f"PBT: chance to resample optimizer and rate instead [{PBT.resample_prob:g}]."
        ),
    ] = None,
    artifacts: Annotated[
        str | None,
        typer.Option(
            help="PBT: keep checkpoints in this folder (every worker must see it) "
            "[PostgreSQL storage: in the database itself, so workers share nothing else; "
            "SQLite: the folder 'artifacts' beside the file]."
        ),
    ] = None,
    preset: Preset = None,
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
    flags = setting_flags(locals())  # before any other local: the options as settings
    from autolr.study.runner import TuneRequest

    positive_seconds(timeout, "--timeout")
    console.setup_logging(quiet)
    request = TuneRequest(
        study_name=study,
        storage_url=storage_url(storage),
        flags=flags,
        preset=preset,
        n_trials=n_trials,
        timeout=timeout,
        heartbeat_seconds=heartbeat,
        artifacts=artifacts,
    )
    with resumable():
        if jobs > 1:
            _tune_in_processes(request, jobs, quiet)
        else:
            _tune_here(request, quiet)


def _tune_here(request: Any, quiet: bool) -> None:
    from autolr.study.tuning import tune as run_tune

    display = console.TuneLog() if quiet else console.TuneDisplay()
    with display:
        outcome = run_tune(request, display)
    # Published first, so that the last line says what to run next.
    if outcome.complete and not os.environ.get(WORKER_INDEX_ENV):  # --jobs: the parent does
        _publish(request.storage_url, outcome.study_name)
    _finish_message(
        outcome.study_name, outcome.finished, outcome.total, outcome.complete, outcome.follow_ups
    )


def _publish(url: str, name: str) -> None:
    """A finished study's figures and answer, into the study for `autolr dashboard`."""
    from autolr.report.dashboard import publish_quietly
    from autolr.store.storage import load_study, open_storage

    why_not = publish_quietly(load_study(open_storage(url), name, url))
    if why_not is not None:
        console.note(f"no figures for the dashboard: {why_not}")


def _finish_message(
    name: str, finished: int, total: int, complete: bool, follow_ups: int = 0
) -> None:
    measured = f", then {follow_ups} runs measuring the band and ties" if follow_ups else ""
    if complete:
        count = f"{finished}/{total}" if finished >= total else f"{finished} (of up to {total})"
        console.note(
            f"study {name} done: {count} trials{measured}. "
            f"Next: autolr best --study {shlex.quote(name)}"
        )
    else:
        console.note(
            f"study {name}: {finished}/{total} trials finished; run the same command to continue"
        )


def _tune_in_processes(request: Any, jobs: int, quiet: bool) -> None:
    """Create the study here (settings checked once), then let `jobs` workers share it."""
    from autolr.answers.catalog import progress
    from autolr.store.storage import STORAGE_ENV, load_study, open_storage
    from autolr.study.opening import check_flags, open_study
    from autolr.study.runner import check_inputs
    from autolr.study.schedules import expected_trials, study_complete
    from autolr.study.workers import run_workers

    check_flags(
        request.study_name, request.preset, request.flags, request.storage_url, check_inputs
    )
    storage = open_storage(request.storage_url)
    _, settings = open_study(
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
    # Watch through a reader: polling never queues for SQLite's write lock.
    reader = open_storage(request.storage_url, writer=False)
    watched = load_study(reader, request.study_name, request.storage_url)

    def poll() -> None:
        searched, running, best, follow_ups = progress(watched)
        best_text = console.describe_best(best, settings.objective)
        display.update(searched, running, best_text, follow_ups)

    # The URL goes to the workers in their environment, never on a command line (ps shows
    # those), so a password stays private.
    with display:
        results = run_workers(arguments, jobs, poll, env={STORAGE_ENV: request.storage_url})
    failed = sum(code != 0 for code, _ in results)
    what = _worker_failures(results)
    try:
        finished, _, _, follow_ups = progress(watched)
    except KeyError:  # deleted while the workers ran (`autolr delete --force`)
        raise AutolrError(
            f"{failed} of {jobs} workers stopped early: {what}"
            if failed
            else f"study {request.study_name!r} was deleted while its workers ran"
        ) from None
    complete = study_complete(settings, watched.get_trials(deepcopy=False), request.n_trials)
    if failed and complete:
        console.note(f"{what}; the other workers finished its work")
    if complete:  # published first, so that the last line says what to run next
        _publish(request.storage_url, request.study_name)
    _finish_message(request.study_name, finished, total, complete, follow_ups)
    if failed and not complete:
        raise AutolrError(f"{failed} of {jobs} workers stopped early: {what}")


def _worker_failures(results: list[tuple[int, str]]) -> str:
    """`worker 2 killed by SIGKILL`, or `workers 1, 2 exit 1: error: ...` when alike."""
    from autolr.study.workers import describe_exit

    by_cause: dict[str, list[str]] = {}
    for index, (code, line) in enumerate(results):
        if code != 0:
            by_cause.setdefault(describe_exit(code, line), []).append(str(index + 1))
    return "; ".join(
        f"worker{'s' if len(who) > 1 else ''} {', '.join(who)} {cause}"
        for cause, who in by_cause.items()
    )
