"""Reports of PBT studies: each member's learning rate and accuracy over its lineage's
steps, the winning schedule, and the constant rate it reduces to.

`data` turns member-intervals into segments (pure), `figure` describes the figure,
`summary` writes the tables, `kind` ties them into the report `build` writes.
"""

from autolr.report.pbt.kind import PBT_REPORT

__all__ = ["PBT_REPORT"]
