"""Shell completion of option values: samplers, optimizers, presets and stored studies.

Command and option names complete by themselves (`autolr --install-completion`). These
functions run on every Tab press, so they stay cheap and silent: a storage that cannot be
read completes nothing rather than printing an error into the user's prompt.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

import typer

from autolr.config import AVERAGES, BUILTIN_OPTIMIZERS, TASKS
from autolr.metrics import METRICS


def _starting(names: Iterable[str], incomplete: str) -> list[str]:
    return [name for name in names if name.startswith(incomplete)]


# One small function per option: typer takes a completion function per option.
def samplers(incomplete: str) -> list[str]:
    from autolr.settings import SAMPLERS

    return _starting(SAMPLERS, incomplete)


def metrics(incomplete: str) -> list[str]:
    return _starting(METRICS, incomplete)


def bands(incomplete: str) -> list[str]:
    from autolr.settings import BANDS

    return _starting(BANDS, incomplete)


def averages(incomplete: str) -> list[str]:
    return _starting(AVERAGES, incomplete)


def tasks(incomplete: str) -> list[str]:
    return _starting(TASKS, incomplete)


def objectives(incomplete: str) -> list[str]:
    from autolr.settings import OBJECTIVES

    return _starting(OBJECTIVES, incomplete)


def optimizer(incomplete: str) -> list[str]:
    return _starting(BUILTIN_OPTIMIZERS, incomplete)


def optimizer_list(incomplete: str) -> list[str]:
    """`--optimizers adam,s<Tab>` offers `adam,sgd`: the next name of a comma list."""
    done, _, last = incomplete.rpartition(",")
    chosen = set(done.split(",")) if done else set()
    prefix = f"{done}," if done else ""
    return [prefix + name for name in _starting(BUILTIN_OPTIMIZERS, last) if name not in chosen]


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
