"""Table rows as SpreadsheetML, written into a workbook openpyxl saved without them.

openpyxl spends most of a big table's time on its cell objects and their XML. A table of values
whose cells differ only in two formats (a date, text kept as text) is cheaper written here, as
the XML openpyxl writes for its cells (the cell bodies of ``pipeline.workbook.party``), into the
sheets of a *frame*: the workbook with every style, setting, header and protection, saved once
by openpyxl. The rows are the ones ``put`` writes into cells that get a date format when they
hold a date; a value these cell bodies do not write as openpyxl would raises :class:`NotDirect`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..workbook import NotDirect, cell_body, package, put, xlsx

__all__ = ["NotDirect", "RowStyles", "row_styles", "rows_xml", "saved_with_rows"]

_DIMENSION = re.compile(r'<dimension ref="[A-Z]+[0-9]+(:[A-Z]+[0-9]+)?" />')


@dataclass(frozen=True)
class RowStyles:
    """The cell-format numbers the frame gives a row's cells (a plain cell has none)."""

    date: int
    quoted: int  # text that looks like a formula, kept as text


def row_styles(book: Workbook, date_format: str) -> RowStyles:
    """Number the two cell formats of the rows in the frame, as openpyxl would number them when
    it saves such cells: made on cells of no sheet, the way the plain writer makes them."""
    scratch = Worksheet(book)
    dated = Cell(scratch, row=1, column=1)
    dated.number_format = date_format
    quoted = Cell(scratch, row=1, column=1)
    put(quoted, "=")
    return RowStyles(
        xlsx.register_style(book, xlsx.style_of(dated)),
        xlsx.register_style(book, xlsx.style_of(quoted)),
    )


def rows_xml(rows: Iterable[Sequence[Any]], styles: RowStyles, first: int = 2) -> str:
    """The rows from row ``first`` on as openpyxl writes them: each value ``put`` into its
    cell, a date with the date format, an empty cell left out."""
    parts: list[str] = []
    letters: list[str] = []
    for number, row in enumerate(rows, start=first):
        if len(letters) < len(row):
            letters = [get_column_letter(i) for i in range(1, len(row) + 1)]
        parts.append(f'<row r="{number}">')
        for letter, value in zip(letters, row, strict=False):
            if value is None:
                continue
            quoted, body = cell_body(value, True)
            if isinstance(value, dt.date):
                style = f' s="{styles.date}"'
            elif quoted:
                style = f' s="{styles.quoted}"'
            else:
                style = ""
            parts.append(f'<c r="{letter}{number}"{style}{body}')
        parts.append("</row>")
    return "".join(parts)


def saved_with_rows(book: Workbook, rows: Mapping[str, tuple[str, str]]) -> bytes:
    """The frame saved by openpyxl with rows written into sheets: sheet title -> (the sheet's
    dimension, e.g. ``A1:H26``, and the XML of its rows after those openpyxl wrote)."""
    members = package.entries(xlsx.save(book))
    parts = {book[title].path.lstrip("/"): title for title in rows}  # numbered when saved
    filled = {}
    for entry in members:
        title = parts.get(entry.name)
        if title is not None:
            dimension, xml = rows[title]
            sheet = _filled(entry.content().decode("utf-8"), dimension, xml)
            filled[entry.name] = package.deflated(entry.name, sheet.encode("utf-8"))
    if len(filled) != len(parts):
        raise RuntimeError(f"the frame has no part for {sorted(set(parts) - set(filled))}")
    return package.write(filled.get(e.name, e) for e in members)


def _filled(sheet: str, dimension: str, rows: str) -> str:
    """A frame's sheet with its dimension and more rows; the frame must hold each once."""
    if len(_DIMENSION.findall(sheet)) != 1 or sheet.count("</sheetData>") != 1:
        raise RuntimeError("unexpected frame sheet")
    sheet = _DIMENSION.sub(f'<dimension ref="{dimension}" />', sheet, count=1)
    return sheet.replace("</sheetData>", f"{rows}</sheetData>", 1)
