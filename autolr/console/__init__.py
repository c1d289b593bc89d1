"""Everything autolr shows a person (the only package that uses rich).

`base` decides where output goes, `progress` draws live tuning progress, `tables` shows
results. Results meant for scripts (`--json`) go to stdout as plain JSON.
"""

from autolr.console.base import (
    describe_best,
    describe_trial,
    error,
    json_only,
    note,
    print_json,
    rate,
    setup_logging,
)
from autolr.console.progress import JobsDisplay, TuneDisplay, TuneLog
from autolr.console.sizes import show_larger_model, show_scale
from autolr.console.tables import (
    show_find,
    show_pbt_recommendation,
    show_recommendation,
    show_report,
    show_studies,
    show_trace,
    show_train_result,
)

__all__ = [
    "JobsDisplay",
    "TuneDisplay",
    "TuneLog",
    "describe_best",
    "describe_trial",
    "error",
    "json_only",
    "note",
    "print_json",
    "rate",
    "setup_logging",
    "show_find",
    "show_larger_model",
    "show_pbt_recommendation",
    "show_recommendation",
    "show_report",
    "show_scale",
    "show_studies",
    "show_trace",
    "show_train_result",
]
