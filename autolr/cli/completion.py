"""Shell completion of option values: samplers, optimizers, presets and stored studies.

Command and option names complete by themselves (`autolr --install-completion`). These
functions run on every Tab press, so they stay cheap and silent: a storage that cannot be
read completes nothing rather than printing an error into the user's prompt.
"""

from __future__ import annotations

import contextlib
import os

import typer

from autolr.config import AVERAGES, BUILTIN_OPTIMIZERS, TASKS
from autolr.metrics import METRICS


def samplers(incomplete: str) -> list[str]:
    from autolr.settings import SAMPLERS

    return [name for name in SAMPLERS if name.startswith(incomplete)]


def metrics(incomplete: str) -> list[str]:
    return [name for name in METRICS if name.startswith(incomplete)]


def bands(incomplete: str) -> list[str]:
    from autolr.settings import BANDS

    return [name for name in BANDS if name.startswith(incomplete)]


def averages(incomplete: str) -> list[str]:
    return [name for name in AVERAGES if name.startswith(incomplete)]


def tasks(incomplete: str) -> list[str]:
    return [name for name in TASKS if name.startswith(incomplete)]


def objectives(incomplete: str) -> list[str]:
    from autolr.settings import OBJECTIVES

    return [name for name in OBJECTIVES if name.startswith(incomplete)]


def optimizer(incomplete: str) -> list[str]:
    return [name for name in BUILTIN_OPTIMIZERS if name.startswith(incomplete)]


def optimizer_list(incomplete: str) -> list[str]:
    """`--optimizers adam,s<Tab>` offers `adam,sgd`: the next name of a comma list."""
    done, _, last = incomplete.rpartition(",")
    chosen = set(done.split(",")) if done else set()
    prefix = f"{done}," if done else ""
    return [
        prefix + name for name in BUILTIN_OPTIMIZERS if name.startswith(last) and name not in chosen
    ]


def presets(incomplete: str) -> list[str]:
    from autolr.settings import preset_names

    with contextlib.suppress(Exception):
        return [name for name in preset_names() if name.startswith(incomplete)]
    return []


def studies(ctx: typer.Context, incomplete: str) -> list[str]:
    """The studies in the storage this command line names (or the default one). Opened
    read-only: completing never creates a database, a folder or a lock file."""
    from autolr.store.storage import STORAGE_ENV, open_storage, resolve_url, study_names

    url = ctx.params.get("storage") or os.environ.get(STORAGE_ENV)
    with contextlib.suppress(Exception):
        storage = open_storage(resolve_url(url, create=False), writer=False)
        return [name for name in study_names(storage) if name.startswith(incomplete)]
    return []
