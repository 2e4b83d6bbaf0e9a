"""The reader: a received file back into a ``Submission``, by the plan stored inside it.

The file first passes the intake (``intake.sniff``); only then does openpyxl see it, with
defusedxml guarding the XML. Anything openpyxl cannot cope with becomes a
``damaged-workbook`` finding: reading never raises on a party's file. The reader takes cells as
they are (no type conversion); checking them is the validation's job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl

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
from .intake import size_text, sniff
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


def read_submission(
    path: Path,
    config: Config,
    *,
    data: bytes | None = None,
    resolve: Resolve | None = None,
    plain: bool = False,
) -> ReadResult:
    """Read one received file; ``data`` are its bytes when already in memory.

    ``resolve`` decides by which plan the file is read. The checks pass one that looks the
    file's fingerprint up in the issue records, so nothing a file says about its own layout is
    trusted; without it the file's own plan is used (for tests of the reader itself).
    ``plain`` parses the data sheets with openpyxl's own parser (the same result, slower).
    """
    name = path.name
    if data is None:
        loaded = _read_bytes(path, config.max_file_bytes)
        if isinstance(loaded, ReadResult):
            return loaded
        data = loaded
    digest = hashlib.sha256(data).hexdigest()
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
        submission, problems = _read_workbook(
            data, name, digest, config, intake.has_macros, resolve, plain
        )
    except Exception:  # openpyxl on a malformed package: a party's file must never crash a run
        return ReadResult(name, digest, None, [*findings, finding("damaged-workbook", file=name)])
    return ReadResult(name, digest, submission, findings + problems)


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
            return _layout(book)[0]
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


def _read_workbook(
    data: bytes,
    name: str,
    digest: str,
    config: Config,
    has_macros: bool,
    resolve: Resolve | None,
    plain: bool = False,
) -> tuple[Submission | None, list[Finding]]:
    with _opened(data) as book:
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
        sheets = {
            sheet_layout.name: _read_sheet(
                book, book[sheet_layout.name], sheet_layout, config.max_new_projects, plain
            )
            for sheet_layout in layout.sheets
            if sheet_layout.name != SHEET_MONITOR and sheet_layout.name in book.sheetnames
        }
    return submission_from_rows(
        layout, sheets, config.catalogue, file_name=name, sha256=digest, has_macros=has_macros
    )


def _layout(book: Any) -> tuple[WorkbookLayout | None, str]:
    """The plan the very-hidden metadata sheet states (None when missing or garbled), and the
    fingerprint it states ("" when none)."""
    if SHEET_META not in book.sheetnames:
        return None, ""
    sheet = book[SHEET_META]
    rows = [
        list(row)
        for row in sheet.iter_rows(max_row=_META_ROWS, max_col=_META_COLUMNS, values_only=True)
    ]
    data = metadata_from_rows(rows)
    stated = data.get("fingerprint", "") if data.get("tool") == TOOL else ""
    try:
        return WorkbookLayout.from_metadata(data), stated
    except (KeyError, ValueError, TypeError, AttributeError):
        return None, stated


def _read_sheet(
    book: Any, ws: Any, layout: SheetLayout, extra_rows: int, plain: bool = False
) -> SheetRows:
    """One data sheet as plain rows, parsed in a single pass over its XML.

    openpyxl's sheet parser is driven directly, as its read-only worksheet does (on the C XML
    parser, see ``xlsx.FastSheetParser``; ``plain``: openpyxl's own): it yields only the rows present in the
    file (a stray value far down costs nothing extra) and also picks up the sheet protection,
    which the read-only worksheet does not expose. Reading stops after ``extra_rows`` filled
    rows more than were issued, so a pasted flood of rows costs neither memory nor time.
    """
    width = len(layout.columns)
    header: list[Any] = [None] * width
    rows: dict[int, list[Any]] = {}
    formulas: set[tuple[int, int]] = set()
    limit = len(layout.row_ids) + extra_rows
    cut_off = None
    with (sheet_parser if plain else fast_sheet_parser)(book, ws) as parser:
        for number, cells in parser.parse():
            if number == HEADER_ROW:
                for c in cells:
                    if c["column"] <= width:
                        header[c["column"] - 1] = c["value"]
            elif number >= FIRST_DATA_ROW:
                record: list[Any] = [None] * width
                row_formulas: set[tuple[int, int]] = set()
                for c in cells:
                    if c["column"] <= width:
                        value, is_formula = _value(c["value"], c["data_type"])
                        record[c["column"] - 1] = value
                        if is_formula:
                            row_formulas.add((number, c["column"]))
                if not row_formulas and all(is_empty(v) for v in record):
                    continue  # a row with only formatting
                if len(rows) >= limit:
                    cut_off = number
                    break
                rows[number] = record
                formulas |= row_formulas
    protection = getattr(parser, "protection", None)
    return SheetRows(
        header=header,
        rows=rows,
        formulas=frozenset(formulas),
        protected=bool(protection is not None and protection.sheet),
        cut_off=cut_off,
    )


def _value(value: Any, data_type: str) -> tuple[Any, bool]:
    """A cell's value as openpyxl gives it, a formula as its text, and whether it is one."""
    if data_type == "f" or not isinstance(value, _PLAIN):
        text = getattr(value, "text", None)  # an ArrayFormula keeps its formula in .text
        return (text if isinstance(text, str) else str(value)), True
    return value, False
