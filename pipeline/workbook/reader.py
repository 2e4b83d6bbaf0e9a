"""The reader: a received file back into a ``Submission``, by the plan stored inside it.

A submission is read from the parts it needs (``_read_fast``: the intake's package checks, the
parts inflated one by one through ``intake.Package``, the sheets by ``cells.SheetCells``); a
file that reading is not sure of, and every file it would refuse, is read the plain way: the
whole file through the intake (``intake.sniff``), then openpyxl, with defusedxml guarding the
XML. Both give the same result (``tests/test_reader_fast.py``). Anything openpyxl cannot cope
with becomes a ``damaged-workbook`` finding: reading never raises on a party's file. The reader
takes cells as they are (no type conversion); checking them is the validation's job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904 as MAC_EPOCH
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900 as WINDOWS_EPOCH

from ..core import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    DRAFT,
    FIRST_DATA_ROW,
    HANDED_IN,
    HEADER_ROW,
    SHEET_META,
    SHEET_MONITOR,
    STATUS_CELL_KEY,
    TOOL,
    Config,
    Finding,
    ReadResult,
    SheetLayout,
    Submission,
    WorkbookLayout,
    finding,
    is_empty,
    metadata_from_rows,
)
from ..validation import SheetRows, submission_from_rows
from .cells import Row, SheetCells, Unsure, date_styles
from .hand_in import Parts
from .intake import Package, size_text, sniff
from .xlsx import fast_sheet_parser, sheet_parser

_HASH_CHUNK = 1024 * 1024
# What a cell holds when it holds a value; anything else (ArrayFormula, DataTableFormula) is a
# formula object.
_PLAIN = (str, int, float, bool, type(None), dt.datetime, dt.date, dt.time, dt.timedelta)


# Given the plan a file states about itself (None when garbled) and the fingerprint it states,
# the plan to read it by (the issue record's) or None, with findings.
Resolve = Callable[[WorkbookLayout | None, str], tuple[WorkbookLayout | None, list[Finding]]]
# The metadata sheet holds a few dozen keys; more rows or columns than this are not read.
_META_ROWS, _META_COLUMNS = 200, 200
_STYLES = "xl/styles.xml"  # where openpyxl takes the styles from, whatever the relationships


def read_submission(
    path: Path,
    config: Config,
    *,
    data: bytes | None = None,
    resolve: Resolve | None = None,
    plain: bool = False,
    sha256: str | None = None,
) -> ReadResult:
    """Read one received file; ``data`` are its bytes when already in memory, ``sha256`` their
    hash when our own records know it (an archived file is kept under it).

    ``resolve`` decides by which plan the file is read. The checks pass one that looks the
    file's fingerprint up in the issue records, so nothing a file says about its own layout is
    trusted; without it the file's own plan is used (for tests of the reader itself).
    ``plain`` reads the file the plain way only: the whole intake, openpyxl's load and its own
    sheet parser (the same result, about ten times slower; the tests' oracle).
    """
    name = path.name
    if data is None:
        loaded = _read_bytes(path, config.max_file_bytes)
        if isinstance(loaded, ReadResult):
            return loaded
        data = loaded
    digest = sha256 or hashlib.sha256(data).hexdigest()
    if not plain:
        fast = _read_fast(data, name, digest, config, resolve)
        if fast is not None:
            return fast
    intake = sniff(
        data,
        name,
        max_file_bytes=config.max_file_bytes,
        max_uncompressed_bytes=config.max_uncompressed_bytes,
    )
    findings = list(intake.findings)
    if not intake.readable:
        return ReadResult(name, digest, None, findings)
    try:
        with _opened(data) as book:
            submission, problems = _read_book(
                _OpenpyxlBook(book, plain), name, digest, config, intake.has_macros, resolve
            )
    except Exception:  # openpyxl on a malformed package: a party's file must never crash a run
        return ReadResult(name, digest, None, [*findings, finding("damaged-workbook", file=name)])
    return ReadResult(name, digest, submission, findings + problems)


def _read_fast(
    data: bytes, name: str, digest: str, config: Config, resolve: Resolve | None
) -> ReadResult | None:
    """The file read from the parts a submission needs, or None to read it with openpyxl.

    The package is checked from its directory, manifest and workbook part (``sniff`` without
    the parts), each part read is checked as it is inflated (``intake.Package``), and every
    other XML part only at its start (``Package.unread_safe``): the region sheet, most of the
    file, is never inflated. Only a file read to a submission is answered here; any refusal,
    and anything unexpected on the way, leaves the answer to openpyxl's reading, so every
    finding about the file itself is that reading's.
    """
    intake = sniff(
        data,
        name,
        max_file_bytes=config.max_file_bytes,
        max_uncompressed_bytes=config.max_uncompressed_bytes,
        parts=False,
    )
    if not intake.readable:
        return None
    try:
        book = _FastBook(data, name)
        submission, problems = _read_book(book, name, digest, config, intake.has_macros, resolve)
        if submission is None or not book.package.unread_safe():
            return None
    except Exception:  # anything this reading is not sure of: openpyxl reads the file
        return None
    return ReadResult(name, digest, submission, [*intake.findings, *problems])


def read_metadata(path: Path, *, data: bytes | None = None) -> WorkbookLayout | None:
    """The plan stored in a workbook, or None when the file is not a readable planmonitor file.

    Uses the default size limits; for identifying a file before reading it in full.
    """
    try:
        content = path.read_bytes() if data is None else data
    except OSError:
        return None
    intake = sniff(
        content,
        path.name,
        max_file_bytes=DEFAULT_MAX_FILE_BYTES,
        max_uncompressed_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES,
    )
    if not intake.readable:
        return None
    try:
        with _opened(content) as book:
            return _layout(_OpenpyxlBook(book))[0]
    except Exception:  # any unreadable or foreign file simply has no plan
        return None


def read_hand_in_status(data: bytes, name: str = "werkmap.xlsx") -> str | None:
    """The party's "concept / ingeleverd" choice in a workbook, or None when it has none.

    None for a file that is not one of our workbooks or was issued before the choice existed
    (such a file counts as handed in, as before); an emptied or unknown value is a draft.
    """
    intake = sniff(
        data,
        name,
        max_file_bytes=DEFAULT_MAX_FILE_BYTES,
        max_uncompressed_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES,
    )
    if not intake.readable:
        return None
    try:
        with _opened(data) as book:
            if SHEET_META not in book.sheetnames:
                return None
            rows = [list(row) for row in book[SHEET_META].iter_rows(values_only=True)]
            where = metadata_from_rows(rows).get(STATUS_CELL_KEY, "")
            sheet, _, cell = where.rpartition("!")
            if not sheet or sheet not in book.sheetnames:
                return None
            value = book[sheet][cell].value
    except Exception:  # a party's file must never crash a run; unknown means no choice
        return None
    text = str(value or "").strip().lower()
    return HANDED_IN if text == HANDED_IN else DRAFT


@contextmanager
def _opened(data: bytes) -> Iterator[Any]:
    """The workbook in read-only mode: sheets are parsed only when read, and only once.

    A foreign workbook is turned away after its metadata sheet, and the monitor sheet, the
    largest of ours, is never parsed. openpyxl's warnings about features it drops are silenced.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(
            BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
        try:
            yield book
        finally:
            book.close()


def _read_bytes(path: Path, limit: int) -> bytes | ReadResult:
    """The file's bytes, or a result explaining why they are not read."""
    try:
        size = path.stat().st_size
        if size <= limit:
            return path.read_bytes()
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_HASH_CHUNK), b""):
                digest.update(chunk)
    except OSError:
        return ReadResult(path.name, "", None, [finding("file-not-found", file=path.name)])
    return ReadResult(
        path.name,
        digest.hexdigest(),
        None,
        [finding("file-too-large", file=path.name, limit=size_text(limit))],
    )


def _read_book(
    book: _Book,
    name: str,
    digest: str,
    config: Config,
    has_macros: bool,
    resolve: Resolve | None,
) -> tuple[Submission | None, list[Finding]]:
    declared, stated = _layout(book)
    if declared is None and not stated:
        return None, [finding("not-issued-by-planmonitor", file=name)]
    layout = declared
    if resolve is not None:
        layout, refused = resolve(declared, stated)
        if refused:
            return None, refused
    if layout is None:
        return None, [finding("not-issued-by-planmonitor", file=name)]
    party = layout.party
    if layout.catalogue_version != config.catalogue.version:
        return None, [
            finding(
                "unknown-catalogue-version",
                file=name,
                party=party,
                found=layout.catalogue_version,
                expected=config.catalogue.version,
            )
        ]
    if layout.round != str(config.round):
        return None, [
            finding(
                "wrong-round",
                file=name,
                party=party,
                found=layout.round,
                expected=str(config.round),
            )
        ]
    names = book.sheetnames
    sheets = {}
    for sheet_layout in layout.sheets:
        if sheet_layout.name != SHEET_MONITOR and sheet_layout.name in names:
            rows, protected = book.rows(sheet_layout.name, len(sheet_layout.columns))
            sheets[sheet_layout.name] = _read_sheet(
                rows, protected, sheet_layout, config.max_new_projects
            )
    return submission_from_rows(
        layout, sheets, config.catalogue, file_name=name, sha256=digest, has_macros=has_macros
    )


class _Book(Protocol):
    """A workbook as the reader reads it: its sheet names and each sheet's rows."""

    @property
    def sheetnames(self) -> list[str]: ...

    def rows(self, name: str, width: int) -> tuple[Iterator[Row], Callable[[], bool]]:
        """The rows of a sheet in file order (``cells.Row``, a formula as its text), and (once
        read) whether the sheet is protected."""
        ...

    def meta_rows(self) -> list[list[Any]]:
        """The rows of the metadata sheet (as many as are read of it)."""
        ...


class _OpenpyxlBook:
    """A workbook opened by openpyxl, read-only; its sheets parsed by openpyxl's parser
    (``plain``) or by ``xlsx.FastSheetParser`` (the same cells)."""

    def __init__(self, book: Any, plain: bool = False) -> None:
        self.book, self.plain = book, plain
        self.sheetnames: list[str] = book.sheetnames

    def rows(self, name: str, width: int) -> tuple[Iterator[Row], Callable[[], bool]]:
        """openpyxl may give a row number more than once: the header row's cells then add up
        (the header is the last value seen in each column), a data row's replace the row. A
        header cell is taken as it is, formula or not, as before."""
        parsers: list[Any] = []

        def rows() -> Iterator[Row]:
            ws = self.book[name]
            header: list[Any] = [None] * width
            with (sheet_parser if self.plain else fast_sheet_parser)(self.book, ws) as parser:
                parsers.append(parser)
                for number, cells in parser.parse():
                    values = header if number == HEADER_ROW else [None] * width
                    formulas = []
                    for c in cells:
                        column, value = c["column"], c["value"]
                        if column <= width:
                            if number != HEADER_ROW and (
                                c["data_type"] == "f" or not isinstance(value, _PLAIN)
                            ):
                                value = _formula(value)
                                formulas.append(column)
                            values[column - 1] = value
                    yield number, (list(values) if values is header else values), formulas

        def protected() -> bool:
            protection = getattr(parsers[0], "protection", None) if parsers else None
            return bool(protection is not None and protection.sheet)

        return rows(), protected

    def meta_rows(self) -> list[list[Any]]:
        sheet = self.book[SHEET_META]
        return [
            list(row)
            for row in sheet.iter_rows(max_row=_META_ROWS, max_col=_META_COLUMNS, values_only=True)
        ]


class _FastBook:
    """A workbook read from its parts (``cells.SheetCells``): the same rows as openpyxl's."""

    def __init__(self, data: bytes, name: str) -> None:
        self.package = Package(data, name)
        self.parts = Parts(self.package)
        self.sheetnames = [sheet for sheet, _, _ in self.parts.sheets]
        styles = self.package.read(_STYLES) if _STYLES in self.package else None
        self.dates, self.timedeltas = date_styles(styles)
        self.epoch = MAC_EPOCH if self.parts.date1904 else WINDOWS_EPOCH

    def _part(self, name: str) -> str:
        _, part, kind = next(s for s in self.parts.sheets if s[0] == name)
        if "chartsheet" in kind:
            raise Unsure("a chart sheet")
        return part

    def cells(self, name: str) -> SheetCells:
        return SheetCells(
            self.package.read(self._part(name)),
            self.parts.strings,
            date_formats=self.dates,
            timedelta_formats=self.timedeltas,
            epoch=self.epoch,
        )

    def rows(self, name: str, width: int) -> tuple[Iterator[Row], Callable[[], bool]]:
        """A data sheet's rows; a sheet stored in the same bytes as one read before in this
        process (parties send the agreements and new projects back as issued) is not parsed
        again. Not with shared strings, whose values are the file's own."""
        key = None
        if self.parts.strings_part is None:
            stored = self.package.stored(self._part(name))
            key = (*stored, width, self.dates, self.timedeltas, self.epoch)
            known = _PARSED.get(key)
            if known is not None:
                _PARSED.move_to_end(key)
                return known.replay()
        sheet = self.cells(name)
        kept: list[Row] = []

        def rows() -> Iterator[Row]:  # rows rise here: no row number comes twice
            for number, values, formulas in sheet.rows(width):
                if number == HEADER_ROW:
                    formulas = []
                for column in formulas:
                    values[column - 1] = _formula(values[column - 1])
                if formulas or values.count(None) != width:  # an empty row reads as none
                    kept.append((number, list(values), formulas))
                yield number, values, formulas
            if key is not None:
                early, late = (sheet.protection(read_through=r) for r in (False, True))
                _PARSED[key] = _Parsed(tuple(kept), early, late)
                if len(_PARSED) > _PARSED_MAX:
                    _PARSED.popitem(last=False)

        return rows(), lambda: sheet.protected

    def meta_rows(self) -> list[list[Any]]:
        """``iter_rows(max_row=, max_col=, values_only=True)`` of openpyxl's read-only sheet,
        without the empty rows it fills in (they hold no key)."""
        out = []
        for number, values, _ in self.cells(SHEET_META).rows(_META_COLUMNS):
            if number > _META_ROWS:
                break
            out.append(values)
        return out


def _layout(book: _Book) -> tuple[WorkbookLayout | None, str]:
    """The plan the very-hidden metadata sheet states (None when missing or garbled), and the
    fingerprint it states ("" when none)."""
    if SHEET_META not in book.sheetnames:
        return None, ""
    data = metadata_from_rows(book.meta_rows())
    stated = data.get("fingerprint", "") if data.get("tool") == TOOL else ""
    try:
        return WorkbookLayout.from_metadata(data), stated
    except (KeyError, ValueError, TypeError, AttributeError):
        return None, stated


@dataclass(frozen=True)
class _Parsed:
    """A data sheet's rows as read to the end, and its protection as openpyxl sees it when
    stopping in the rows and after them all."""

    rows: tuple[Row, ...]
    protected_early: bool
    protected: bool

    def replay(self) -> tuple[Iterator[Row], Callable[[], bool]]:
        """The rows again (copies: the reader keeps them), and the protection so far."""
        through = [False]

        def rows() -> Iterator[Row]:
            for number, values, formulas in self.rows:
                yield number, list(values), formulas
            through[0] = True

        return rows(), lambda: self.protected if through[0] else self.protected_early


# Data sheets parsed in this process, by their stored bytes and what their values depend on
# (the most recently used kept).
_PARSED: OrderedDict[tuple[Any, ...], _Parsed] = OrderedDict()
_PARSED_MAX = 64


def _read_sheet(
    rows: Iterator[Row], protected: Callable[[], bool], layout: SheetLayout, extra_rows: int
) -> SheetRows:
    """One data sheet as plain rows, from its rows as the file holds them (a stray value far
    down costs nothing extra). Reading stops after ``extra_rows`` filled rows more than were
    issued, so a pasted flood of rows costs neither memory nor time; the protection is the one
    seen so far (openpyxl's parser sees it after the rows)."""
    width = len(layout.columns)
    header: list[Any] = [None] * width
    records: dict[int, list[Any]] = {}
    formulas: set[tuple[int, int]] = set()
    limit = len(layout.row_ids) + extra_rows
    cut_off = None
    for number, record, formula_columns in rows:
        if number == HEADER_ROW:
            header = record
        elif number >= FIRST_DATA_ROW:
            if not formula_columns and (
                record.count(None) == width or all(is_empty(v) for v in record)
            ):
                continue  # a row with only formatting
            if len(records) >= limit:
                cut_off = number
                break
            records[number] = record
            if formula_columns:
                formulas.update((number, column) for column in formula_columns)
    return SheetRows(
        header=header,
        rows=records,
        formulas=frozenset(formulas),
        protected=protected(),
        cut_off=cut_off,
    )


def _formula(value: Any) -> str:
    """A formula cell's formula as its text (an ArrayFormula keeps it in ``.text``)."""
    text = getattr(value, "text", None)
    return text if isinstance(text, str) else str(value)
