"""The `autolr` command line: a thin layer over the study runner.

Each command turns options into a request, calls one function below it, and hands the
result to `console`. This package is the only code that imports typer.
"""

# isort: off
# Importing registers the commands; `autolr --help` lists them in this order.
from autolr.cli import tune, find, results, experiments, train  # noqa: F401

# isort: on
from autolr.cli._app import app


def main() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # autolr reports trials itself
    app()


__all__ = ["app", "main"]
