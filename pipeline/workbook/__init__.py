"""Workbooks: the locked party workbook, its instruction sheet, the safe intake of returned
files, reading a submission's cells, and the feedback workbook. The only home of openpyxl.
"""

from __future__ import annotations

from .feedback import write_feedback
from .party import (
    PartyWorkbook,
    RoundRows,
    SharedSheet,
    build_party_workbook,
    render_shared_sheet,
    shown_value,
)
from .reader import read_submission
from .tables import read_workbook_tables

__all__ = [
    "PartyWorkbook",
    "RoundRows",
    "SharedSheet",
    "build_party_workbook",
    "read_submission",
    "read_workbook_tables",
    "render_shared_sheet",
    "shown_value",
    "write_feedback",
]
