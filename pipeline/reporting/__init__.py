"""Reports: indicators and planning realism computed from the state, SVG charts, the factsheets,
progress report and dashboard (with the map component in :mod:`planmap`, shared with any other
dashboard), and the shared read-only monitor workbook.
"""

from __future__ import annotations

from . import casework, charts, indicators, planmap, realism
from .dashboard import to_script_json
from .monitor_workbook import write_monitor_workbook
from .render import TEMPLATES, ReportSummary, build_reports, measured_rounds, render

__all__ = [
    "TEMPLATES",
    "ReportSummary",
    "build_reports",
    "casework",
    "charts",
    "indicators",
    "measured_rounds",
    "planmap",
    "realism",
    "render",
    "to_script_json",
    "write_monitor_workbook",
]
