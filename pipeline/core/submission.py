"""A submission as read from a party's workbook: raw cell values, before any checking.

The reader fills these from an ``.xlsx``; the validation works on them with pandas only, so the
same checks can run inside Excel (xlwings) on values taken from the open workbook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .findings import Finding
from .layout import SheetLayout, WorkbookLayout


class SheetData:
    """The data rows of one sheet.

    ``values`` has the layout's column keys as columns and the Excel row number as index; cells
    hold what the workbook holds (str, int, float, bool, datetime, or None), a formula as its
    text (listed in ``formulas`` too). ``header`` holds the labels found in the header row.
    ``cut_off`` is the first row not read when the sheet holds more filled rows than any
    submission may (reading stops there, so a pasted flood costs neither time nor memory).

    The cells come as a frame (``values``) or as ``rows``, one sequence of cells per Excel row
    (as a reader has them). A sheet given rows makes its frame only when asked for it, so a
    check that works on rows never builds one; from then on the frame is what the cells are.
    """

    def __init__(
        self,
        layout: SheetLayout,
        values: pd.DataFrame | None = None,
        header: list[object] | None = None,
        formulas: set[tuple[int, str]] | None = None,
        protected: bool = True,
        cut_off: int | None = None,
        *,
        rows: Mapping[int, Sequence[Any]] | None = None,
    ) -> None:
        if (values is None) == (rows is None):
            raise ValueError("a sheet's cells come either as a frame or as rows")
        self.layout = layout
        self.header: list[object] = [] if header is None else header
        self.formulas: set[tuple[int, str]] = set() if formulas is None else formulas
        self.protected = protected
        self.cut_off = cut_off
        self._values = values
        self._rows = None if rows is None else {n: tuple(cells) for n, cells in rows.items()}

    @property
    def values(self) -> pd.DataFrame:
        """The frame; once made, it is what the cells are (a caller may change it)."""
        if self._values is None:
            self._values = _frame(self._rows or {}, self.layout)
            self._rows = None
        return self._values

    @values.setter
    def values(self, frame: pd.DataFrame) -> None:
        self._values, self._rows = frame, None

    @property
    def columns(self) -> list[str]:
        """The column keys of the cells, in order (the frame's, when given one)."""
        if self._values is None:
            return list(self.layout.columns)
        return [str(key) for key in self._values.columns]

    def rows(self) -> dict[int, tuple[Any, ...]]:
        """The cells by Excel row number, in order, values as they are (as ``astype(object)``
        gives them where a column of the frame is not of objects)."""
        if self._rows is not None:
            return self._rows
        frame = self.values  # read anew each time: the frame may have been changed
        numbers = [int(n) for n in frame.index.tolist()]
        return dict(zip(numbers, map(tuple, frame.to_numpy(dtype=object).tolist()), strict=True))

    def __repr__(self) -> str:
        return f"SheetData({self.layout.name!r}, {len(self.rows())} rows)"


def _frame(rows: Mapping[int, tuple[Any, ...]], layout: SheetLayout) -> pd.DataFrame:
    """The rows as a frame of objects, the values as they are (one block of objects, made in
    one go: the same frame as from the lists, column by column)."""
    cells = np.empty((len(rows), len(layout.columns)), dtype=object)
    for at, record in enumerate(rows.values()):
        cells[at, :] = record
    return pd.DataFrame(
        cells,
        columns=list(layout.columns),
        index=pd.Index(list(rows), dtype="int64", name="row"),
        dtype=object,
        copy=False,
    )


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
