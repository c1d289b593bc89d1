"""Reports of scale studies (`autolr scale`): does training time grow linearly with the
model's weight count, and does the best learning rate stay put as the model grows?

`data` regroups `autolr.answers.scaling`'s runs and fits (pure), `figure` and
`rate_figure` describe the figures (one `Chart` each, drawn to PNG and HTML alike),
`summary` writes the tables, `kind` ties them together.
"""

from autolr.report.scale.kind import SCALE_REPORT

__all__ = ["SCALE_REPORT"]
