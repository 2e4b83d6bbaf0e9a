"""Validation: the catalogue's pandera schema, the cross-field rules and ownership, turned into
findings. Works on values already read, given as plain rows (:class:`SheetRows`) by the file
reader or by xlwings inside Excel; it never opens a file and never imports openpyxl.
"""

from __future__ import annotations

from .baseline import RowProblem, monitor_problems
from .duplicates import Duplicate, duplicate_problems, possible_duplicates
from .in_excel import SHEET_CHECK, XLWINGS_MEMBERS, Outcome, check_book
from .in_excel import TABLE_HEADER_ROW as CHECK_TABLE_ROW
from .payload import SEPARATOR as PAYLOAD_SEPARATOR
from .payload import Payload, PayloadError
from .payload import decode as decode_payload
from .payload import encode as encode_payload
from .payload import encode_shared as encode_shared_payload
from .rows import SheetRows, check_rows, held_back, submission_from_rows
from .rules import SUM_RULES, SumRule, sum_parts
from .schema import (
    Context,
    RowOutcome,
    Validation,
    prepare,
    rows_from_json,
    rows_to_json,
    validate,
)

__all__ = [
    "CHECK_TABLE_ROW",
    "PAYLOAD_SEPARATOR",
    "SHEET_CHECK",
    "SUM_RULES",
    "XLWINGS_MEMBERS",
    "Context",
    "Duplicate",
    "Outcome",
    "Payload",
    "PayloadError",
    "RowOutcome",
    "RowProblem",
    "SheetRows",
    "SumRule",
    "Validation",
    "check_book",
    "check_rows",
    "decode_payload",
    "duplicate_problems",
    "encode_payload",
    "encode_shared_payload",
    "held_back",
    "monitor_problems",
    "possible_duplicates",
    "prepare",
    "rows_from_json",
    "rows_to_json",
    "submission_from_rows",
    "sum_parts",
    "validate",
]
