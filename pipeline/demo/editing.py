"""A party's workbook opened for editing as a person would, with columns found by their labels.

Two ways to save what the party changed. :class:`EditedWorkbook` opens the workbook with openpyxl
and writes it whole, as Excel rewrites a file it saves (the region sheet set aside and put back,
as in the feedback). :class:`PatchedWorkbook` changes only the cells the party changed, in the
XML of their sheets, and copies every other part of the package as it came: what a spreadsheet
app's save reads back as, at a fraction of the cost. The demo saves most parties in place; those
that check in Excel or play a part for the feedback go through openpyxl, so that both kinds of
file reach the read path.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, unescape

import openpyxl
from defusedxml import ElementTree
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel, to_excel
from openpyxl.workbook.workbook import Workbook

from ..core import (
    FIRST_DATA_ROW,
    HANDED_IN,
    HEADER_ROW,
    SHEET_META,
    STATUS_CELL_KEY,
    Catalogue,
    Round,
    metadata_from_rows,
)
from ..workbook import carry, package, put_back, set_aside_monitor

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass(frozen=True)
class Change:
    """A cell a party gave a new value."""

    sheet: str
    row: int
    column: int
    value: Any


class Editor(ABC):
    """The cells of a party's workbook as the party sees them, and the changes it makes."""

    def __init__(self, data: bytes, catalogue: Catalogue, round_: Round) -> None:
        self.original = data
        self.labels = {
            c.key: c.label for e in ("project", "agreement") for c in catalogue.columns(e, round_)
        }  # type: ignore[arg-type]
        self._columns: dict[str, dict[Any, int]] = {}
        self._issued: dict[tuple[str, str], Any] = {}  # (sheet, cell): before the first change
        self.changes: list[Change] = []  # every change, in order
        self.unprotected: list[str] = []

    # -- what each way of saving provides --

    @abstractmethod
    def value(self, sheet: str, row: int, column: int) -> Any:
        """The cell's value as openpyxl reads it (None when empty)."""

    @abstractmethod
    def write(self, sheet: str, row: int, column: int, value: Any) -> None:
        """Give the cell a new value, as typing it would."""

    @abstractmethod
    def max_row(self, sheet: str) -> int:
        """The last row with a cell."""

    @abstractmethod
    def remove_protection(self, sheet: str) -> None:
        """Remove the sheet's protection."""

    @abstractmethod
    def save(self, status: str | None = HANDED_IN) -> bytes:
        """The workbook as the party saves it: handed in (default), a draft, or as it is (None)."""

    # -- the party's view --

    def column(self, sheet: str, key: str) -> int:
        columns = self._columns.get(sheet)
        if columns is None:
            columns = self._columns[sheet] = {}
            for index in range(self.max_column(sheet), 0, -1):  # the first of equal labels wins
                columns[self.value(sheet, HEADER_ROW, index)] = index
        if self.labels[key] not in columns:
            raise KeyError(key)
        return columns[self.labels[key]]

    def max_column(self, sheet: str) -> int:
        raise NotImplementedError

    def rows(self, sheet: str) -> list[int]:
        return [
            r
            for r in range(FIRST_DATA_ROW, self.max_row(sheet) + 1)
            if self.value(sheet, r, 1) not in (None, "")
        ]

    def get(self, sheet: str, row: int, key: str) -> Any:
        return self.value(sheet, row, self.column(sheet, key))

    def set(self, sheet: str, row: int, key: str, value: Any) -> None:
        self.change(Change(sheet, row, self.column(sheet, key), value))

    def change(self, change: Change) -> None:
        sheet, row, column, value = change.sheet, change.row, change.column, change.value
        self._issued.setdefault(
            (sheet, f"{get_column_letter(column)}{row}"), self.value(sheet, row, column)
        )
        self.write(sheet, row, column, value)
        self.changes.append(change)

    def unprotect(self, sheet: str) -> None:
        self.remove_protection(sheet)
        self.unprotected.append(sheet)

    def redo(self, changes: Iterable[Change], unprotected: Iterable[str]) -> None:
        """Make changes made (by another editor) to the same workbook."""
        for change in changes:
            self.change(change)
        for sheet in unprotected:
            self.unprotect(sheet)

    def issued_value(self, sheet: str, cell: str) -> Any:
        """The cell's value before the party changed it."""
        key = (sheet, cell)
        if key in self._issued:
            return self._issued[key]
        letters = cell.rstrip("0123456789")
        return self.value(sheet, int(cell[len(letters) :]), column_index_from_string(letters))

    def row_of(self, sheet: str, row_id: str) -> int | None:
        return next((r for r in self.rows(sheet) if self.value(sheet, r, 1) == row_id), None)

    def status_cell(self) -> tuple[str, int, int] | None:
        """Sheet, row and column of the party's "concept / ingeleverd" choice, if there is one."""
        if self.max_row(SHEET_META) == 0:
            return None
        width = self.max_column(SHEET_META)
        rows = [
            [self.value(SHEET_META, r, c) for c in range(1, width + 1)]
            for r in range(1, self.max_row(SHEET_META) + 1)
        ]
        sheet, _, cell = metadata_from_rows(rows).get(STATUS_CELL_KEY, "").rpartition("!")
        if not sheet or self.max_row(sheet) == 0:
            return None
        letters = cell.rstrip("0123456789")
        return sheet, int(cell[len(letters) :]), column_index_from_string(letters)


class EditedWorkbook(Editor):
    """Opened with openpyxl and saved whole (the region sheet, which nobody edits, set aside)."""

    def __init__(self, data: bytes, catalogue: Catalogue, round_: Round) -> None:
        super().__init__(data, catalogue, round_)
        self.aside = set_aside_monitor(data)
        source = data if self.aside is None else self.aside.reduced
        self.book: Workbook = openpyxl.load_workbook(io.BytesIO(source))

    def value(self, sheet: str, row: int, column: int) -> Any:
        return self.book[sheet].cell(row, column).value

    def write(self, sheet: str, row: int, column: int, value: Any) -> None:
        self.book[sheet].cell(row, column).value = value

    def max_row(self, sheet: str) -> int:
        return int(self.book[sheet].max_row) if sheet in self.book.sheetnames else 0

    def max_column(self, sheet: str) -> int:
        return int(self.book[sheet].max_column)

    def remove_protection(self, sheet: str) -> None:
        self.book[sheet].protection.sheet = False

    def hand_in_cell(self) -> Any:
        """The party's "concept / ingeleverd" cell, or None in a workbook without one."""
        found = self.status_cell()
        return None if found is None else self.book[found[0]].cell(found[1], found[2])

    def save(self, status: str | None = HANDED_IN) -> bytes:
        cell = self.hand_in_cell()
        if status is not None and cell is not None:
            cell.value = status
        out = io.BytesIO()
        self.book.save(out)
        saved = out.getvalue() if self.aside is None else put_back(out.getvalue(), self.aside)
        return carry(self.original, saved)  # the xlwings Lite parts stay, as Excel keeps them


class PatchError(ValueError):
    """A workbook or a change the in-place editor does not handle as openpyxl would."""


# A cell as planmonitor and openpyxl write it: its reference first, plain attributes, a value
# (<v>) or an inline string (<is>), or nothing.
_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"((?:\s+[\w:]+="[^"]*")*)\s*(?:/>|>(.*?)</c>)', re.S
)
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_VALUE = re.compile(rb"^<v>([^<]*)</v>$")
_INLINE = re.compile(rb"^<is><t(?: xml:space=\"preserve\")?>([^<]*)</t></is>$")
_SHEET_DATA = re.compile(rb"<sheetData>(.*)</sheetData>", re.S)
_PROTECTION = re.compile(rb"<sheetProtection\b[^>]*/>")
_ANY_CELL = re.compile(rb"<c[\s>/]")
_DATE_1904 = re.compile(rb"date1904=\"(?:1|true)\"")
_CHARACTER = re.compile(r"&#(x[0-9A-Fa-f]+|[0-9]+);")


@dataclass
class _Cell:
    start: int  # where the element is in the sheet's XML
    end: int
    style: bytes | None  # the s attribute as written
    value: Any


class _Sheet:
    """One worksheet's XML with its cells found, and the changes made to it."""

    def __init__(self, xml: bytes, formats: _Formats) -> None:
        self.xml = xml
        self.cells: dict[tuple[int, int], _Cell] = {}
        self.changes: dict[tuple[int, int], bytes] = {}
        self.unprotected = False
        found = _SHEET_DATA.search(xml)
        if found is None:
            if b"<sheetData/>" in xml or b"<sheetData />" in xml:
                return
            raise PatchError("no sheetData")
        start, end = found.span(1)
        position = start
        for cell in _CELL.finditer(xml, start, end):
            if _ANY_CELL.search(xml, position, cell.start()):
                raise PatchError(f"a cell written otherwise near {xml[position:][:80]!r}")
            position = cell.end()
            letters, row, attributes, inner = cell.groups()
            attrs = dict(_ATTRIBUTE.findall(attributes))
            style = attrs.get(b"s")
            if style in formats.durations:
                raise PatchError("a cell formatted as a duration")
            value = _decode(attrs.get(b"t", b"n"), inner, style in formats.dates)
            key = (int(row), column_index_from_string(letters.decode()))
            self.cells[key] = _Cell(cell.start(), cell.end(), style, value)
        if _ANY_CELL.search(xml, position, end):
            raise PatchError("a cell written otherwise at the end of sheetData")
        self.date_styles = formats.dates

    @property
    def changed(self) -> bool:
        return bool(self.changes) or self.unprotected

    def write(self, row: int, column: int, value: Any) -> None:
        cell = self.cells.get((row, column))
        if cell is None:
            raise PatchError(f"no cell {get_column_letter(column)}{row} to change")
        ref = f"{get_column_letter(column)}{row}"
        style = b"" if cell.style is None else b' s="' + cell.style + b'"'
        content = _encode(value, cell.style in self.date_styles)
        self.changes[(row, column)] = b'<c r="' + ref.encode() + b'"' + style + content
        cell.value = value

    def unprotect(self) -> None:
        self.unprotected = True

    def saved(self) -> bytes:
        """The sheet's XML with the changed cells in place of the old ones."""
        parts, position = [], 0
        for key in sorted(self.changes, key=lambda k: self.cells[k].start):
            cell = self.cells[key]
            parts += [self.xml[position : cell.start], self.changes[key]]
            position = cell.end
        parts.append(self.xml[position:])
        xml = b"".join(parts)
        return _PROTECTION.sub(b"", xml) if self.unprotected else xml


def _decode(kind: bytes, inner: bytes | None, date: bool) -> Any:
    """A cell's value as openpyxl's reader gives it."""
    if kind == b"inlineStr":
        if inner is None:
            return None
        found = _INLINE.match(inner)
        if found is None:
            raise PatchError(f"an inline string written otherwise: {inner[:80]!r}")
        return _text(found.group(1))
    if inner is None:
        return None
    found = _VALUE.match(inner)
    if found is None:
        raise PatchError(f"a value written otherwise: {inner[:80]!r}")
    text = found.group(1).decode()
    if kind == b"b":
        return bool(int(text))
    if kind != b"n":
        raise PatchError(f"cell type {kind.decode()} (formulas, shared strings) not handled")
    number: int | float = float(text) if any(c in text for c in ".eE") else int(text)
    return from_excel(number) if date else number


def _text(raw: bytes) -> str:
    text = unescape(raw.decode("utf-8"), {"&quot;": '"', "&apos;": "'"})
    return _CHARACTER.sub(
        lambda m: chr(int(m.group(1)[1:], 16) if m.group(1)[0] == "x" else int(m.group(1))), text
    )


def _encode(value: Any, date: bool) -> bytes:
    """The attributes after the style and the content of a cell holding ``value``, as
    openpyxl writes them."""
    if value is None:
        return b' t="n" />'
    if isinstance(value, bool):
        return b' t="b"><v>' + str(int(value)).encode() + b"</v></c>"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise PatchError("a number Excel cannot hold")
        return b' t="n"><v>' + str(safe_string(value)).encode() + b"</v></c>"
    if isinstance(value, dt.date):
        if not date:
            raise PatchError("a date in a cell without a date format")
        return b' t="n"><v>' + str(safe_string(to_excel(value))).encode() + b"</v></c>"
    if not isinstance(value, str):
        raise PatchError(f"a value of type {type(value).__name__}")
    if ILLEGAL_CHARACTERS_RE.search(value) or "\r" in value or value.startswith("="):
        raise PatchError("text openpyxl refuses, changes or takes for a formula")
    if not value:
        return b' t="inlineStr" />'
    space = ' xml:space="preserve"' if value.strip() != value else ""
    return f' t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'.encode()


class PatchedWorkbook(Editor):
    """Saved in place: the changed cells written into their sheets, every other part copied."""

    def __init__(self, data: bytes, catalogue: Catalogue, round_: Round) -> None:
        super().__init__(data, catalogue, round_)
        self._entries = package.entries(data)
        self._members = {e.name: e for e in self._entries}
        book = package.workbook_part(self._members)
        if book is None:
            raise PatchError("no workbook part")
        styles = package.related_part(self._members, book, "styles")
        if styles is None or _DATE_1904.search(self._members[book].content()):
            raise PatchError("no styles, or dates counted from 1904")
        self._formats = _Formats.of(self._members[styles].content())
        self._sheets: dict[str, _Sheet | None] = {}

    def _sheet(self, name: str) -> _Sheet | None:
        if name not in self._sheets:
            part = package.sheet_part(self._members, name)
            self._sheets[name] = (
                None if part is None else _Sheet(self._members[part].content(), self._formats)
            )
        return self._sheets[name]

    def _existing(self, name: str) -> _Sheet:
        sheet = self._sheet(name)
        if sheet is None:
            raise KeyError(name)
        return sheet

    def value(self, sheet: str, row: int, column: int) -> Any:
        cell = self._existing(sheet).cells.get((row, column))
        return None if cell is None else cell.value

    def write(self, sheet: str, row: int, column: int, value: Any) -> None:
        self._existing(sheet).write(row, column, value)

    def max_row(self, sheet: str) -> int:
        found = self._sheet(sheet)
        if found is None:
            return 0
        return max((r for r, _ in found.cells), default=1)

    def max_column(self, sheet: str) -> int:
        return max((c for _, c in self._existing(sheet).cells), default=1)

    def remove_protection(self, sheet: str) -> None:
        self._existing(sheet).unprotect()

    def save(self, status: str | None = HANDED_IN) -> bytes:
        found = self.status_cell()
        if status is not None and found is not None:
            self.write(*found, status)
        replaced = {}
        for name, sheet in self._sheets.items():
            if sheet is not None and sheet.changed:
                part = package.sheet_part(self._members, name)
                assert part is not None
                replaced[part] = package.deflated(part, sheet.saved())
        return package.write(replaced.get(e.name, e) for e in self._entries)


@dataclass(frozen=True)
class _Formats:
    """The cell formats (numbered as a cell's s attribute writes them) that show a date, and
    those that show a duration."""

    dates: frozenset[bytes]
    durations: frozenset[bytes]

    @classmethod
    def of(cls, styles: bytes) -> _Formats:
        """As openpyxl's reader tells them apart."""
        root = ElementTree.fromstring(styles)
        codes = {
            int(f.get("numFmtId", "0")): f.get("formatCode", "")
            for f in root.iterfind(f"{{{_MAIN}}}numFmts/{{{_MAIN}}}numFmt")
        }
        dates, durations = set(), set()
        for index, xf in enumerate(root.iterfind(f"{{{_MAIN}}}cellXfs/{{{_MAIN}}}xf")):
            number = int(xf.get("numFmtId", "0"))
            code = codes.get(number, BUILTIN_FORMATS.get(number, "General"))
            if is_timedelta_format(code):
                durations.add(str(index).encode())
            elif is_date_format(code):
                dates.add(str(index).encode())
        return cls(frozenset(dates), frozenset(durations))
