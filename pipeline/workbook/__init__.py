"""Workbooks: the locked party workbook, its instruction sheet, the safe intake of returned
files, reading a submission's cells, the feedback workbook, and the xlwings Lite check embedded
in every party workbook. The only home of openpyxl.
"""

from __future__ import annotations

from .aside import Aside, put_back, set_aside_monitor
from .direct import NotDirect
from .feedback import write_feedback
from .hand_in import hand_in_status
from .instructions import load_texts
from .lite import (
    LiteScript,
    carry,
    embedded,
    embedded_part,
    holds_part,
    same_script_part,
    script_for,
    script_in,
)
from .marker import is_own_feedback
from .party import (
    PartyWorkbook,
    RoundRows,
    SharedSheet,
    build_party_workbook,
    cell_body,
    render_shared_sheet,
    shown_value,
)
from .reader import read_hand_in_status, read_submission
from .sanitise import put, sanitise
from .tables import read_workbook_tables

__all__ = [
    "Aside",
    "LiteScript",
    "NotDirect",
    "PartyWorkbook",
    "RoundRows",
    "SharedSheet",
    "build_party_workbook",
    "carry",
    "cell_body",
    "embedded",
    "embedded_part",
    "hand_in_status",
    "holds_part",
    "is_own_feedback",
    "load_texts",
    "package",
    "put",
    "put_back",
    "read_hand_in_status",
    "read_submission",
    "read_workbook_tables",
    "render_shared_sheet",
    "same_script_part",
    "sanitise",
    "script_for",
    "script_in",
    "set_aside_monitor",
    "shown_value",
    "write_feedback",
    "xlsx",
]
