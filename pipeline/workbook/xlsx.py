"""The one module that uses openpyxl's private API (openpyxl is pinned to 3.1.5 for it).

Each use saves real time on a region's workbooks and is small enough to replace by the public
API (at that cost) if openpyxl changes: a style set without openpyxl's name search, a cell added
without the bounds bookkeeping of ``ws.cell``, and openpyxl's own sheet parser driven directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from copy import copy
from typing import Any

from openpyxl.worksheet._reader import WorkSheetParser


def set_style(cell: Any, array: Any) -> None:
    """Give ``cell`` a style already resolved to openpyxl's style array."""
    cell._style = copy(array)


def add_cell(ws: Any, cell: Any) -> None:
    """Put a cell made with ``Cell(ws, row=, column=)`` into its worksheet."""
    ws._add_cell(cell)


@contextmanager
def sheet_parser(book: Any, ws: Any) -> Iterator[Any]:
    """openpyxl's parser over one read-only worksheet's XML, as its read-only worksheet uses it.

    ``parser.parse()`` yields ``(row, cells)`` for the rows present in the file only; after
    parsing, ``parser.protection`` holds the sheet protection (which the read-only worksheet
    does not expose).
    """
    with ws._get_source() as source:
        yield WorkSheetParser(
            source,
            ws._shared_strings,
            data_only=False,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
