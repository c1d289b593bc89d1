"""`autolr delete`: remove a study for good (it asks first)."""

from __future__ import annotations

from typing import Annotated

import typer

from autolr import console
from autolr.cli import completion as complete
from autolr.cli._app import Storage, app, friendly_errors, storage_url
from autolr.errors import AutolrError


@app.command()
@friendly_errors
def delete(
    # Not named `study`: any stored name can be deleted, even one autolr would not
    # create today (made by plain Optuna or an older version).
    target: Annotated[
        str,
        typer.Option("--study", help="Study to delete.", autocompletion=complete.studies),
    ],
    storage: Storage = None,
    artifacts: Annotated[
        str | None,
        typer.Option(help="PBT checkpoint directory, if tune had one [beside the SQLite file]."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Delete even while a worker is training in the study (that worker stops).",
        ),
    ] = False,
) -> None:
    """Delete a study: its trials, its settings and its PBT checkpoints (reports stay)."""
    from pathlib import Path

    from autolr.names import check_study_name
    from autolr.store.deletion import delete as delete_study
    from autolr.store.deletion import plan, refuse_if_live
    from autolr.store.storage import open_storage, redact, study_names

    url = storage_url(storage, writer=False)
    reader = open_storage(url, writer=False)
    if target not in study_names(reader):
        check_study_name(target)  # a name that is not there: why, if it cannot be one
    folder = Path(artifacts).expanduser() if artifacts else None
    deletion = plan(reader, target, url, folder)
    if not force:
        refuse_if_live(target, deletion.live)
    running = f", {deletion.running} running" if deletion.running else ""
    question = (
        f"delete study {target!r} ({deletion.trials} trials{running}) and "
        f"{len(deletion.files) + len(deletion.stored)} checkpoints from {redact(url)}?"
    )
    if not yes and not _confirmed(question):
        raise AutolrError("nothing deleted")
    delete_study(open_storage(url), deletion, force=force)
    console.note(
        f"deleted study {target!r}: {deletion.trials} trials, "
        f"{len(deletion.files) + len(deletion.stored)} checkpoints"
    )


def _confirmed(question: str) -> bool:
    try:
        return bool(typer.confirm(question, default=False, err=True))
    except typer.Abort:  # no answer (end of input)
        return False
