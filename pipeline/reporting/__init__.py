"""Reports: indicators and planning realism computed from the state, SVG charts, the factsheets,
progress report and dashboard, and the shared read-only monitor workbook.
"""

from __future__ import annotations

from .monitor_workbook import write_monitor_workbook
from .render import ReportSummary, build_reports

__all__ = [
    "ReportSummary",
    "build_reports",
    "write_monitor_workbook",
]
