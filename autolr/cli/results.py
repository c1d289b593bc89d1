"""Commands that read stored studies: best, studies, report, dashboard."""

from __future__ import annotations

from typing import Annotated

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

    if for_scale is not None and not for_scale > 0:
        raise AutolrError(f"--for-scale must be a positive scale factor, got {for_scale:g}")
    url = storage_url(storage, writer=False)
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
@json_errors
def studies(storage: Storage = None, json_output: Json = False) -> None:
    """List the studies in a storage: sampler, trials by state, best so far."""
    from autolr.study.catalog import study_rows
    from autolr.study.storage import open_storage, redact

    url = storage_url(storage, writer=False)
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
    from autolr.study.storage import load_study, open_storage

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
    from optuna_dashboard import run_server

    from autolr.study.storage import open_storage, redact

    url = storage_url(storage, writer=False)
    opened = open_storage(url, writer=False)
    console.note(f"optuna-dashboard for {redact(url)} at http://{host}:{port}/ (Ctrl-C stops)")
    run_server(opened, host=host, port=port)
