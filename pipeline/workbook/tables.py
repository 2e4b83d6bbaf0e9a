"""A region's own workbook read as tables, one per sheet, for the import at the start.

The secretary's workbook (a plan list kept in Excel, a provincial export) is trusted more than a
party's submission, but not its shape: every sheet is read as found, cells as Excel stored them,
each with the row number Excel shows. The import (``sources.folder``) does the checking.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import openpyxl

from ..sources import Table, TableUnreadable, header


def read_workbook_tables(path: Path) -> dict[str, Table]:
    """Every sheet of a workbook as a table, by sheet name; TableUnreadable when it is no .xlsx."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged file raises many kinds, from zipfile to XML parsers
        raise TableUnreadable(
            path,
            "het is geen leesbare Excel-werkmap (.xlsx). Open het in Excel en sla het op als "
            "'Excel-werkmap (*.xlsx)'.",
        ) from exc
    try:
        return {
            sheet.title: _table(path.name, sheet.title, sheet.iter_rows())
            for sheet in book.worksheets
        }
    finally:
        book.close()


def _table(file: str, sheet: str, rows: Any) -> Table:
    headers: tuple[str, ...] | None = None
    header_row = 1
    found: list[tuple[int, tuple[Any, ...]]] = []
    for position, row in enumerate(rows, start=1):
        cells = tuple(_cell(getattr(c, "value", None)) for c in row)
        if not any(c is not None and c != "" for c in cells):
            continue
        number = next((c.row for c in row if getattr(c, "row", None)), position)
        if headers is None:
            headers = tuple(header("" if c is None else str(c)) for c in cells)
            header_row = number
            continue
        found.append((number, cells))
    return Table(file, sheet, headers or (), tuple(found), header_row=header_row)


def _cell(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value
