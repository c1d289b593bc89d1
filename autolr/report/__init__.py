"""`autolr report`: figures and a summary of a finished (or running) study.

    result = write_report(study, out_dir)  # PNG + HTML figures and summary.md

For grid, TPE and random studies: `data` turns trials into runs and series (pure),
`bands` the per-optimizer table, `figures` describes each figure once (a `chart.Chart`)
that `to_png` and `to_html` draw, and `summary` writes the Markdown. Trace, scale and PBT studies
have a subpackage each (`trace`, `scale`, `pbt`) with the same parts. `kinds` is what
every kind of report provides; `build` picks the study's kind, decides what the study
can support and writes it all. Nothing here imports keras, so a report takes seconds.
"""

from autolr.report.build import ReportResult, Skipped, default_out_dir, write_report
from autolr.report.data import ReportError

__all__ = ["ReportError", "ReportResult", "Skipped", "default_out_dir", "write_report"]
