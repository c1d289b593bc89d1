"""Reports of scale studies (`autolr scale`): does training time grow linearly with the
model's weight count, and does the best learning rate stay put as the model grows?

`data` regroups `autolr.study.scaling`'s runs and fits (pure), `static` and
`interactive` draw them, `summary` writes the tables, `kind` ties them together.
"""

from autolr.report.scale.kind import SCALE_REPORT

__all__ = ["SCALE_REPORT"]
