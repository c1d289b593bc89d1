"""The `autolr` command line: a thin layer over the study runner.

Each command turns options into a request, calls one function below it, and hands the
result to `console`. This package is the only code that imports typer.
"""

# isort: off
# Importing registers the commands; `autolr --help` lists them in this order.
from autolr.cli import tune, find, results, experiments, train, manage  # noqa: F401

# isort: on
from autolr.cli._app import app


def main() -> None:
    import os

    from autolr.config import PARENT_ENV
    from autolr.signals import die_with_parent, terminate_as_interrupt
    from autolr.store.storage import quiet_optuna

    terminate_as_interrupt()  # SIGTERM is handled as Ctrl-C is, and reported as itself
    if os.environ.get(PARENT_ENV):
        die_with_parent(int(os.environ[PARENT_ENV]))  # a --jobs worker
    quiet_optuna()
    app()


__all__ = ["app", "main"]
