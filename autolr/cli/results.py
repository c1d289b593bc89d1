"""Commands that read stored studies: best, studies, report, dashboard."""

from __future__ import annotations

import shlex
from typing import Annotated, Any

import typer

from autolr import console
from autolr.cli._app import (
    Json,
    Storage,
    Study,
    app,
    friendly_errors,
    storage_url,
)
from autolr.cli._json import json_errors
from autolr.errors import AutolrError


@app.command()
@friendly_errors
@json_errors
def best(
    # typer needs every option spelled out in each command's signature; the options
    # themselves (types, help) are defined once in cli/_app.py.
    study: Study = "mnist",
    storage: Storage = None,
    for_scale: Annotated[
        float | None,
        typer.Option(help="Also advise the model at this scale (from STUDY-scale if run)."),
    ] = None,
    for_weights: Annotated[
        float | None,
        typer.Option(help="Also advise a model with this many weights (from STUDY-scale)."),
    ] = None,
    figure: Annotated[
        str | None,
        typer.Option(help="With --for-scale/--for-weights: draw the rate fit into this folder."),
    ] = None,
    json_output: Json = False,
) -> None:
    """Print the recommended optimizer and learning rate, and the band of rates that work."""
    from autolr.answers.catalog import larger_model, recommendation
    from autolr.answers.pbt_results import PBTRecommendation
    from autolr.store.storage import open_storage

    target = _size_target(for_scale, for_weights, figure)
    url = storage_url(storage, writer=False)
    opened = open_storage(url, writer=False)
    rec = recommendation(opened, study, url)
    advice = None if target is None else larger_model(opened, study, rec, target)
    if figure is not None and advice is not None:
        _rate_figure(opened, study, advice, figure)
    if json_output:
        console.print_json({**rec.to_json(), "larger_model": advice})
        return
    if isinstance(rec, PBTRecommendation):
        console.show_pbt_recommendation(rec)
    else:
        console.show_recommendation(rec, "steps" if rec.objective == "steps" else "seconds")
    console.show_larger_model(advice, study)


def _size_target(for_scale: float | None, for_weights: float | None, figure: str | None) -> Any:
    """The size `best` is asked about, checked before anything is read."""
    import math

    from autolr.answers.transfer import Target

    if for_scale is not None and for_weights is not None:
        raise AutolrError("give --for-scale or --for-weights, not both")
    for option, value in (("--for-scale", for_scale), ("--for-weights", for_weights)):
        if value is not None and not (value > 0 and math.isfinite(value)):
            raise AutolrError(f"{option} must be a positive number, got {value:g}")
    if for_weights is not None and for_weights < 1:
        raise AutolrError(f"--for-weights is a weight count, got {for_weights:g}")
    if figure is not None and for_scale is None and for_weights is None:
        raise AutolrError("--figure draws the fit for --for-scale or --for-weights; give one")
    if for_scale is not None:
        return Target("scale", for_scale, None)
    if for_weights is not None:
        return Target("weights", None, round(for_weights))
    return None


def _rate_figure(opened: Any, study: str, advice: dict[str, Any], folder: str) -> None:
    from pathlib import Path

    from autolr.report.scale.target import write_rate_figure

    if advice.get("fitted_rate") is None:
        raise AutolrError(
            f"--figure needs a fit from a scale study ({study}-scale) with at least 2 sizes "
            f"that reached the target; run `autolr scale --study {shlex.quote(study)}` first"
        )
    for path in write_rate_figure(opened, study, advice, Path(folder)):
        console.note(f"wrote {path}")


@app.command()
@friendly_errors
@json_errors
def studies(storage: Storage = None, json_output: Json = False) -> None:
    """List the studies in a storage: sampler, trials by state, best so far."""
    from autolr.answers.catalog import study_rows
    from autolr.store.storage import open_storage, redact

    url = storage_url(storage, writer=False)
    rows = study_rows(open_storage(url, writer=False))
    if json_output:
        console.print_json(rows)
    else:
        console.show_studies(rows, redact(url))


@app.command()
@friendly_errors
def report(
    # typer needs every option spelled out in each command's signature; the options
    # themselves (types, help) are defined once in cli/_app.py.
    study: Study = "mnist",
    out: Annotated[str | None, typer.Option(help="Output folder [reports/STUDY].")] = None,
    storage: Storage = None,
    to_dashboard: Annotated[
        bool,
        typer.Option(
            "--dashboard/--no-dashboard",
            help="Also save the figures and autolr's answer into the study, for "
            "`autolr dashboard` (--no-dashboard leaves the storage untouched).",
        ),
    ] = True,
) -> None:
    """Draw the study's figures (PNG and interactive HTML), a Markdown summary and an
    index.html that shows them all."""
    from pathlib import Path

    from autolr.report import write_report
    from autolr.report.dashboard import publish
    from autolr.store.storage import load_study, open_storage

    url = storage_url(storage, writer=False)
    opened = open_storage(url, writer=to_dashboard)
    loaded = load_study(opened, study, url)
    result = write_report(loaded, Path(out) if out else None)
    for skipped in result.skipped:
        console.note(f"skipped {skipped}")
    console.show_report(result.files, result.summary)
    if to_dashboard:
        saved = publish(loaded, result)
        console.note(f"saved {len(saved)} figure(s) and a note to the study for the dashboard")


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
    from autolr.answers.serve import bind, serve_until_interrupted
    from autolr.cli.checks import port as check_port
    from autolr.store.storage import open_storage, redact

    check_port(port)
    url = storage_url(storage, writer=False)
    server = bind(open_storage(url, writer=False), host, port)
    console.note(f"optuna-dashboard for {redact(url)} at http://{host}:{port}/ (Ctrl-C stops)")
    serve_until_interrupted(server)
    console.note("dashboard stopped")
