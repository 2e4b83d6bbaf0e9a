"""Validation: the catalogue's pandera schema, the cross-field rules and ownership, turned into
findings. Works on values already read, given as plain rows (:class:`SheetRows`) by the file
reader or by xlwings inside Excel; it never opens a file and never imports openpyxl.
"""

from __future__ import annotations

from .baseline import RowProblem, monitor_problems
from .duplicates import Duplicate, duplicate_problems, possible_duplicates
from .rows import SheetRows, check_rows, held_back, submission_from_rows
from .rules import SUM_RULES, SumRule, sum_parts
from .schema import Context, RowOutcome, Validation, rows_from_json, rows_to_json, validate

__all__ = [
    "SUM_RULES",
    "Context",
    "Duplicate",
    "RowOutcome",
    "RowProblem",
    "SheetRows",
    "SumRule",
    "Validation",
    "check_rows",
    "duplicate_problems",
    "held_back",
    "monitor_problems",
    "possible_duplicates",
    "rows_from_json",
    "rows_to_json",
    "submission_from_rows",
    "sum_parts",
    "validate",
]
