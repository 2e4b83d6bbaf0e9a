"""The one module that uses openpyxl's private API (openpyxl is pinned to 3.1.5 for it).

Each use saves real time on a region's workbooks and is small enough to replace by the public
API (at that cost) if openpyxl changes: a style set without openpyxl's name search, a cell added
without the bounds bookkeeping of ``ws.cell``, openpyxl's own sheet parser driven directly, cell
formats numbered before any cell is written (so every party workbook numbers them alike), and
the package written without temporary files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from copy import copy
from typing import Any

from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter


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


def register_style(book: Any, array: Any) -> int:
    """Give a style array its number in the workbook's cell formats (``cellXfs``) now, as
    writing a cell with it would; returns that number."""
    return int(book._cell_styles.add(array))


def style_count(book: Any) -> int:
    """How many cell formats the workbook has numbered so far."""
    return len(book._cell_styles)


class _MemoryWriter(ExcelWriter):  # type: ignore[misc]
    """openpyxl's package writer keeping each sheet's XML in memory instead of a temporary
    file (``ExcelWriter.write_worksheet`` of openpyxl 3.1.5, otherwise unchanged)."""

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        out = io.BytesIO()
        writer = WorksheetWriter(ws, out=out)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], out.getvalue())
        self.manifest.append(ws)


def save(book: Any) -> bytes:
    """The workbook as a zip, with the document times the book carries (``Workbook.save``
    would stamp the current time) and no temporary files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        _MemoryWriter(book, archive).write_data()
    return buffer.getvalue()


def drop_conditional_format(ws: Any, rule_range: Any) -> None:
    """Remove the conditional-formatting rules of one range (openpyxl has no public call)."""
    del ws.conditional_formatting._cf_rules[rule_range]
