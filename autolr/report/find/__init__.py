"""Reports for range-test studies (`autolr find`)."""

from autolr.report.find.kind import FIND_REPORT

__all__ = ["FIND_REPORT"]
