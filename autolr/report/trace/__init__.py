"""Reports of trace studies (`autolr trace`): accuracy over training time per optimizer.

`data` reads the runs' check histories (pure), `figure` describes the figure,
`summary` writes the table, and `kind` ties them into the report `build` writes.
"""

from autolr.report.trace.kind import TRACE_REPORT

__all__ = ["TRACE_REPORT"]
