"""The party's hand-in choice ("concept / ingeleverd") in a received file, read cheaply.

``collect`` asks it of every file it receives. Only what the answer needs is inflated and
parsed: the manifest, the workbook part and its relationships, the metadata sheet, the sheet
holding the choice up to the row of its cell, and the shared strings up to the one that cell
names (a file Excel or LibreOffice saved). The region sheet, most of the file, is never
inflated. Every part read goes through the intake's checks as it is inflated.

The answer is the one ``reader.read_hand_in_status`` gives by opening the whole workbook with
openpyxl (the tests hold the two side by side): parts are found and cells are read by
openpyxl's rules (``openpyxl.reader.excel``, ``openpyxl.worksheet._reader`` and
``_read_only`` of openpyxl 3.1.5). A file damaged where this read does not look may get an
answer where openpyxl gives up; whether a file is sound is the check's business, which reads
every hand-in whole.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any, cast

# The standard library's C parser: every part comes through ``intake.Package``, which refuses a
# DOCTYPE or ENTITY declaration before the parser sees the chunk that holds it.
from xml.etree.ElementTree import Element, XMLPullParser, fromstring

from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.utils.datetime import from_ISO8601

from ..core import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    DRAFT,
    HANDED_IN,
    SHEET_META,
    STATUS_CELL_KEY,
)
from .intake import Package, sniff
from .xlsx import local_name

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_SPREADSHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_EXCEL = "application/vnd.ms-excel"
# openpyxl's order of preference (``reader.excel._find_workbook_part``).
_WORKBOOK_TYPES = (
    f"{_EXCEL}.template.macroEnabled.main+xml",
    f"{_SPREADSHEETML}.template.main+xml",
    f"{_EXCEL}.sheet.macroEnabled.main+xml",
    f"{_SPREADSHEETML}.sheet.main+xml",
)
_STRINGS_TYPE = f"{_SPREADSHEETML}.sharedStrings+xml"


def hand_in_status(data: bytes, name: str = "werkmap.xlsx") -> str | None:
    """The party's "concept / ingeleverd" choice in a workbook, or None when it has none.

    None for a file that is not one of our workbooks or was issued before the choice existed
    (such a file counts as handed in); an emptied or unknown value is a draft.
    """
    intake = sniff(
        data,
        name,
        max_file_bytes=DEFAULT_MAX_FILE_BYTES,
        max_uncompressed_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES,
        parts=False,
    )
    if not intake.readable:
        return None
    try:
        found, value = Parts(Package(data, name)).status()
    except Exception:  # a party's file must never crash a run; unknown means no choice
        return None
    if not found:
        return None
    return HANDED_IN if str(value or "").strip().lower() == HANDED_IN else DRAFT


class Parts:
    """The parts of a package that say where its sheets are, as openpyxl finds them: the
    workbook part, its sheets (``sheets``: name, part, relationship type) and the shared
    strings (``strings``, parsed as far as asked)."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self.date1904 = False  # the workbook counts its dates from 1904 (old Mac Excel)
        types = fromstring(package.read("[Content_Types].xml"))
        overrides = [
            (node.get("ContentType"), node.get("PartName", ""))
            for node in types
            if node.tag == f"{_TYPES}Override"
        ]
        defaults = {node.get("ContentType") for node in types if node.tag == f"{_TYPES}Default"}
        book = next((p for t in _WORKBOOK_TYPES for k, p in overrides if k == t), None)
        if book is None and not defaults & set(_WORKBOOK_TYPES):
            raise ValueError("no workbook part")
        book = book[1:] if book else "xl/workbook.xml"
        strings = next((p[1:] for k, p in overrides if k == _STRINGS_TYPE), None)
        if strings is not None and strings not in package:
            raise KeyError(strings)  # openpyxl reads the shared strings first, and fails
        self.strings_part = strings  # None: the workbook has no shared strings
        self.strings = _SharedStrings(package, strings)
        self.sheets = self._sheets(book)

    def _sheets(self, book: str) -> list[tuple[str, str, str]]:
        """(name, part, relationship type) of every sheet openpyxl opens, in order."""
        folder, leaf = posixpath.split(book)
        rels_part = posixpath.join(folder, "_rels", f"{leaf}.rels")
        parent = posixpath.split(posixpath.dirname(rels_part))[0]
        rels: dict[str | None, tuple[str, str]] = {}
        for rel in fromstring(self.package.read(rels_part)):
            if local_name(rel.tag) != "Relationship":
                continue
            target = rel.get("Target", "")
            if rel.get("TargetMode") != "External":
                target = (
                    target[1:]
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(parent, target))
                )
            rels[rel.get("Id")] = (rel.get("Type", ""), target)
        found = []
        for group in fromstring(self.package.read(book)):
            if local_name(group.tag) == "workbookPr":
                stated = group.get("date1904")  # a Bool of openpyxl's: "false", "f", "0" are no
                self.date1904 = bool(stated) and stated not in ("false", "f", "0")
            if local_name(group.tag) != "sheets":
                continue
            for sheet in group:
                rel_id = sheet.get(f"{_DOC_REL}id")
                if local_name(sheet.tag) != "sheet" or not rel_id:
                    continue
                kind, target = rels[rel_id]
                if target in self.package:
                    found.append((sheet.get("name", ""), target, kind))
        return found

    def status(self) -> tuple[bool, Any]:
        """Whether the file names a cell for the choice, and that cell's value."""
        meta = self._sheet(SHEET_META)
        if meta is None:
            return False, None
        where = ""
        for _, row in _Sheet(self.package, meta[1], self.strings).rows():
            if row and isinstance(row[0], str) and row[0] == STATUS_CELL_KEY:
                where = "".join(str(v) for v in row[1:] if v is not None)
        sheet, _, cell = where.rpartition("!")
        found = self._sheet(sheet) if sheet else None
        if found is None or "chartsheet" in found[2]:
            return False, None
        min_col, min_row, _, _ = range_boundaries(cell)
        if min_col is None or min_row is None or ":" in cell:
            return False, None  # a whole row, column or range: no single value
        return True, _Sheet(self.package, found[1], self.strings).value(min_row, min_col)

    def _sheet(self, name: str) -> tuple[str, str, str] | None:
        return next((s for s in self.sheets if s[0] == name), None)


class _SharedStrings:
    """The shared strings, parsed only as far as the highest one asked for."""

    def __init__(self, package: Package, part: str | None) -> None:
        self._items: list[str] = []
        self._events: Iterator[Element] | None = None
        if part is not None:
            self._events = _elements(package.chunks(part))

    def __getitem__(self, index: int) -> str:
        while self._events is not None and (index < 0 or index >= len(self._items)):
            for node in self._events:
                if node.tag == f"{_MAIN}si":
                    self._items.append(_text(node).replace("x005F_", ""))
                    node.clear()
                    break
            else:
                self._events = None
        return self._items[index]


class _Sheet:
    """One worksheet's rows as openpyxl's read-only worksheet yields them (values only)."""

    def __init__(self, package: Package, part: str, strings: _SharedStrings) -> None:
        self.package, self.part, self.strings = package, part, strings

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Every row within the sheet's stated dimension, as ``iter_rows(values_only=True)``."""
        max_col = max_row = None
        next_row = 1  # a row numbered below one already given is passed over, as by openpyxl
        for number, cells in self._parsed(dimension=True):
            if number == 0:
                _, _, max_col, max_row = range_boundaries(cells[0])
                continue
            if max_row is not None and number > max_row:
                return
            if number < next_row:
                continue
            next_row = number + 1
            width = max_col or (cells[-1][0] if cells else 0)
            row: list[Any] = [None] * width
            for column, value in cells:
                if 1 <= column <= width:
                    row[column - 1] = value
            yield number, row

    def value(self, row: int, column: int) -> Any:
        """The value of one cell, as ``ws[cell].value`` of a read-only worksheet gives it."""
        for number, cells in self._parsed(dimension=False):
            if number > row:
                break
            if number == row:
                values = [value for at, value in cells if at == column]
                return values[-1] if values else None
        return None

    def _parsed(self, *, dimension: bool) -> Iterator[tuple[int, list[tuple[int, Any]]]]:
        """(row number, [(column, value)]) of each row; first (0, [ref]) for the dimension."""
        row_counter = 0
        for node in _elements(self.package.chunks(self.part)):
            if dimension and node.tag == f"{_MAIN}dimension":
                ref: Any = node.get("ref")  # the dimension, in place of a cell
                yield 0, [ref]
                dimension = False
            elif node.tag == f"{_MAIN}sheetData":
                dimension = False
            elif node.tag == f"{_MAIN}row":
                row_counter = _row_number(node.get("r"), row_counter)
                cells, col_counter = [], 0
                for cell in node:
                    coordinate = cell.get("r")
                    col_counter = (
                        coordinate_to_tuple(coordinate)[1] if coordinate else col_counter + 1
                    )
                    cells.append((col_counter, self._cell_value(cell)))
                node.clear()
                yield row_counter, cells

    def _cell_value(self, cell: Any) -> Any:
        """A cell's value by ``WorkSheetParser.parse_cell`` (data_only=False, no date styles)."""
        kind = cell.get("t", "n")
        value = None if kind == "inlineStr" else cell.findtext(f"{_MAIN}v", None) or None
        formula = cell.find(f"{_MAIN}f")
        if formula is not None:
            return "=" + (formula.text or "")
        if value is not None:
            if kind == "n":
                return float(value) if "." in value or "e" in value.lower() else int(value)
            if kind == "s":
                return self.strings[int(value)]
            if kind == "b":
                return bool(int(value))
            if kind == "d":
                return from_ISO8601(value)
            return value
        if kind == "inlineStr":
            inline = cell.find(f"{_MAIN}is")
            return _text(inline) if inline is not None else None
        return None


def _row_number(stated: str | None, counter: int) -> int:
    """A row's number as openpyxl takes it: stated (a whole float allowed) or the next one."""
    if stated is None:
        return counter + 1
    try:
        return int(stated)
    except ValueError:
        number = float(stated)
        if not number.is_integer():
            raise
        return int(number)


def _text(node: Any) -> str:
    """A string item's plain text as openpyxl's ``Text.content``: its text, then its runs'."""
    plain, runs = None, []
    for child in node:
        if local_name(child.tag) == "t":
            plain = child.text
        elif local_name(child.tag) == "r":
            texts = [t.text for t in child if local_name(t.tag) == "t"]
            if texts and texts[-1] is not None:
                runs.append(texts[-1])
    return "".join(([plain] if plain is not None else []) + runs)


def _elements(chunks: Iterator[bytes]) -> Iterator[Element]:
    """The elements of a part as each one ends, parsed while its chunks are inflated.

    A pull parser rather than ``iterparse``: iterparse's iterator and generator refer to each
    other, so a part read part-way (a choice found, a shared string looked up) stayed in memory
    with the whole file until the garbage collector came by, some dozen files later."""
    parser: XMLPullParser[Element] = XMLPullParser(events=("end",))
    for chunk in chunks:
        parser.feed(chunk)
        yield from _ended(parser)
    parser.close()
    yield from _ended(parser)


def _ended(parser: XMLPullParser[Element]) -> Iterator[Element]:
    # Only "end" events were asked for: each one comes with its element.
    for _, node in cast(Iterator[tuple[str, Element]], parser.read_events()):
        yield node
