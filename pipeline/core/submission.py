"""A submission as read from a party's workbook: raw cell values, before any checking.

The reader fills these from an ``.xlsx``; the validation works on them with pandas only, so the
same checks can run inside Excel (xlwings) on values taken from the open workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .findings import Finding
from .layout import SheetLayout, WorkbookLayout


@dataclass
class SheetData:
    """The data rows of one sheet.

    ``values`` has the layout's column keys as columns and the Excel row number as index; cells
    hold what the workbook holds (str, int, float, bool, datetime, or None), a formula as its
    text (listed in ``formulas`` too). ``header`` holds the labels found in the header row.
    ``cut_off`` is the first row not read when the sheet holds more filled rows than any
    submission may (reading stops there, so a pasted flood costs neither time nor memory).
    """

    layout: SheetLayout
    values: pd.DataFrame
    header: list[object] = field(default_factory=list)
    formulas: set[tuple[int, str]] = field(default_factory=set)
    protected: bool = True
    cut_off: int | None = None


@dataclass
class Submission:
    """One party workbook as received."""

    file_name: str
    sha256: str
    layout: WorkbookLayout
    sheets: dict[str, SheetData]
    has_macros: bool = False


@dataclass
class ReadResult:
    """What reading a file gave: a submission, or the findings why there is none."""

    file_name: str
    sha256: str
    submission: Submission | None
    findings: list[Finding] = field(default_factory=list)
