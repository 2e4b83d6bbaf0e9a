"""Tables a region brings along: CSV files and workbook sheets, read as cells with positions.

A region's plan list comes from wherever it was kept: a provincial export, a list the secretary
kept in Excel, a CSV saved by Dutch Excel. This module reads such a table without trusting what
the file says about itself: the encoding (UTF-8 with or without BOM, UTF-16, Windows-1252) and
the delimiter (comma, semicolon, tab) are found from the bytes; a workbook gives one table per
sheet (read by the workbook package, the home of openpyxl, and handed in as a
:data:`WorkbookReader`). Every cell keeps the position a person finds it at (file, sheet, column
letter, row number), so a finding can point there. Nothing here knows about the catalogue.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import column_letter

CSV_SUFFIXES = (".csv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (";", ",", "\t")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class TableUnreadable(Exception):
    """A file that cannot be read as a table; ``reason`` says why, in Dutch."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Table:
    """The cells of one table as found: a header row and data rows with their row numbers.

    CSV cells are text; workbook cells keep the value Excel stored (numbers, dates, text).
    ``decimal_comma`` says how numbers written as text are to be read: Dutch (``12,5``,
    ``1.200``) or English (``12.5``).
    """

    file: str
    sheet: str | None
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]
    header_row: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    decimal_comma: bool = True

    def cell(self, column: int, row: int) -> str:
        """The cell reference as Excel shows it (a CSV opened in Excel shows the same)."""
        return f"{column_letter(column + 1)}{row}"

    @property
    def where(self) -> str:
        return f"{self.file}, blad '{self.sheet}'" if self.sheet else self.file


# Reads the sheets of a workbook as tables, by sheet name; raises TableUnreadable.
WorkbookReader = Callable[[Path], dict[str, Table]]


def read_csv(path: Path) -> Table:
    """A CSV file as a table; TableUnreadable when its bytes are no text in a known encoding."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TableUnreadable(
            path, f"het bestand kan niet worden gelezen ({exc.strerror})."
        ) from exc
    text, encoding = decode(data, path)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: tuple[str, ...] | None = None
    header_row = 1
    rows: list[tuple[int, tuple[Any, ...]]] = []
    start = 1
    try:
        for record in reader:
            line = start
            start = reader.line_num + 1
            cells = tuple(cell.strip() for cell in record)
            if not any(cells):
                continue
            if headers is None:
                headers, header_row = tuple(header(c) for c in cells), line
                continue
            rows.append((line, cells))
    except csv.Error as exc:
        raise TableUnreadable(
            path, f"regel {reader.line_num} kan niet worden gelezen als CSV ({exc})."
        ) from exc
    return Table(
        path.name,
        None,
        headers or (),
        tuple(rows),
        header_row=header_row,
        encoding=encoding,
        delimiter=delimiter,
        decimal_comma=delimiter != ",",
    )


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Text and encoding name: a BOM decides, else UTF-8 if it fits, else Windows-1252."""
    if data.startswith(_UTF8_BOM):
        candidates = ["utf-8-sig"]
    elif data.startswith(_UTF16_BOMS):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise TableUnreadable(
        path,
        "de tekens zijn geen UTF-8 en geen Windows-1252. Sla het bestand in Excel op als "
        "'CSV UTF-8 (door komma's gescheiden)'.",
    )


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the one of ; , and tab it holds most often outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    outside = re.sub(r'"[^"]*"', "", first)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def header(text: str) -> str:
    """A header as compared: BOM and runs of white space removed."""
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip()
