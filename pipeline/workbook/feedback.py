"""Feedback: the party's own submission with every finding marked at its cell.

Each cell with a finding gets a red (error) or orange (warning) fill and a comment with the Dutch
message; a first sheet ``Bevindingen`` lists all findings with a link to each cell and says what
happens next. Values, protection and the hidden metadata stay as they were, so a party may
correct the feedback copy itself and send it in again: the next feedback first undoes the marks
of the previous one (original fills and comments are kept in a very-hidden sheet).
A file that cannot be opened gets a new workbook with only the list.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from ..core import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    Finding,
)
from .aside import put_back, set_aside_monitor
from .intake import sniff
from .listing import (
    AUTHOR,
    COMMENT_WIDTH,
    ERROR_FILL,
    RESUBMIT,
    STATE_SHEET,
    TEXTS,
    WARNING_FILL,
    comment_height,
    listing_book,
    listing_workbook,
    valid_cell,
    write_listing,
)
from .lite import LiteScript, embed
from .marker import sign
from .marking import marked_feedback
from .sanitise import is_formula, removal_findings, sanitise

__all__ = [
    "AUTHOR",
    "ERROR_FILL",
    "RESUBMIT",
    "STATE_SHEET",
    "TEXTS",
    "WARNING_FILL",
    "write_feedback",
]


# Findings that mean there is no workbook of ours to mark up.
_UNREADABLE = frozenset(
    {
        "file-not-found",
        "empty-file",
        "file-too-large",
        "old-xls-format",
        "ods-format",
        "xlsb-format",
        "encrypted-workbook",
        "damaged-workbook",
        "unsafe-workbook",
        "not-a-workbook",
        "not-issued-by-planmonitor",
        "strict-open-xml",
        "unknown-issue",
        "layout-changed",
    }
)


def write_feedback(
    data: bytes,
    findings: list[Finding],
    *,
    party_name: str,
    round_: str,
    set_aside: bool = True,
    signature: tuple[str, bytes] | None = None,
    script: LiteScript | None = None,
    plain: bool = False,
) -> bytes:
    """The feedback workbook for one submission, as bytes of an ``.xlsx``.

    ``script`` is the in-Excel check planmonitor issued to the party: the copy gets that one
    back (openpyxl drops the parts), never the script found in the submission, which the party
    may have changed. Without it the copy has no check button. ``signature`` is (party, key):
    collect knows the file as ours by its content.

    The workbook is written as XML into frames made once per process; ``plain=True`` opens,
    marks and saves it through openpyxl instead (the same workbook: the oracle of the tests).
    The plain way sets the region sheet, most of a workbook and never marked, aside before
    openpyxl opens the file and puts it back as it was received (``set_aside=False``
    round-trips it through openpyxl as well: the same workbook, slower).
    """
    unreadable = any(f.code in _UNREADABLE for f in findings)
    if not plain:
        if unreadable or not _readable(data, parts=False):
            return listing_workbook(
                findings, party_name=party_name, round_=round_, signature=signature
            )
        fast = marked_feedback(
            data,
            findings,
            party_name=party_name,
            round_=round_,
            signature=signature,
            script=script,
        )
        if fast is not None:
            return fast
    readable = not unreadable and _readable(data)
    aside = set_aside_monitor(data) if readable and set_aside else None
    opened_from = aside.reduced if aside is not None else data
    book = _open(opened_from) if readable else None
    opened = book is not None
    if book is None:
        aside = None
        book, listing = listing_book(findings, party_name=party_name, round_=round_)
    else:
        # Nothing active from the party's file goes back out: formulas become their values,
        # read from the same copy (a region sheet set aside holds no formula).
        removed = sanitise(book, _cached_values(opened_from) if _has_formulas(book) else None)
        findings = findings + removal_findings(removed, findings)
        _undo_previous(book)
        _mark_cells(book, findings)
        listing = book.create_sheet(TEXTS["sheet"], 0)
        for ws in book.worksheets:
            ws.sheet_view.tabSelected = False
        listing.sheet_view.tabSelected = True
        book.active = 0
        write_listing(
            book,
            listing,
            findings,
            party_name=party_name,
            round_=round_,
            found=lambda f: _found(book, f),
        )
    if signature is not None:
        sign(book, *signature)
    buffer = BytesIO()
    book.save(buffer)
    out = put_back(buffer.getvalue(), aside) if aside is not None else buffer.getvalue()
    # openpyxl drops the xlwings Lite parts: the copy gets the issued check button back.
    return embed(out, script) if opened and script is not None else out


def _readable(data: bytes, *, parts: bool = True) -> bool:
    intake = sniff(
        data,
        "",
        max_file_bytes=DEFAULT_MAX_FILE_BYTES,
        max_uncompressed_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES,
        parts=parts,
    )
    return intake.readable


def _open(data: bytes) -> Any:
    """The submission as an openpyxl workbook, or None when it cannot be opened."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(
                BytesIO(data), data_only=False, keep_links=False, rich_text=True
            )
    except Exception:  # a file the reader already reported; feedback then lists only
        return None


def _has_formulas(book: Any) -> bool:
    return any(is_formula(c) for ws in book.worksheets for row in ws.iter_rows() for c in row)


def _cached_values(data: bytes) -> Any:
    """The same file with the values Excel last calculated instead of formulas."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(BytesIO(data), data_only=True, keep_links=False)


# -- marking cells ----------------------------------------------------------------------------


@dataclass
class _Mark:
    severity: str
    messages: list[str]


def _mark_cells(book: Any, findings: Iterable[Finding]) -> None:
    marks: dict[tuple[str, str], _Mark] = {}
    for f in findings:
        if (
            f.sheet is None
            or f.sheet not in book.sheetnames
            or not valid_cell(f.cell)
            or isinstance(book[f.sheet][str(f.cell)], MergedCell)
        ):
            continue
        key = (f.sheet, str(f.cell).upper())
        mark = marks.setdefault(key, _Mark(f.severity, []))
        if f.blocking:
            mark.severity = "error"
        if f.message not in mark.messages:
            mark.messages.append(f.message)
    if not marks:
        return
    state = book.create_sheet(STATE_SHEET)
    state.sheet_state = "veryHidden"
    for row, ((sheet, ref), mark) in enumerate(sorted(marks.items()), start=1):
        cell = book[sheet][ref]
        saved = state.cell(row, 5)
        saved.fill = copy(cell.fill)
        state.cell(row, 1).value = sheet
        state.cell(row, 2).value = ref
        text = "\n\n".join(mark.messages)
        if cell.comment is not None:
            state.cell(row, 3).value = cell.comment.text
            state.cell(row, 4).value = cell.comment.author
            text = f"{text}\n\n{TEXTS['separator']}\n{cell.comment.text}"
        colour = ERROR_FILL if mark.severity == "error" else WARNING_FILL
        cell.fill = PatternFill("solid", fgColor=colour, bgColor=colour)
        comment = Comment(text, AUTHOR)
        comment.width = COMMENT_WIDTH
        comment.height = comment_height(text)
        cell.comment = comment


def _undo_previous(book: Any) -> None:
    """Take away the list, fills and comments of an earlier feedback on this workbook."""
    if TEXTS["sheet"] in book.sheetnames:
        book.remove(book[TEXTS["sheet"]])
    if STATE_SHEET not in book.sheetnames:
        return
    state = book[STATE_SHEET]
    for row in state.iter_rows(min_row=1, max_col=5):
        sheet, ref, text, author, saved = row
        if sheet.value not in book.sheetnames or not valid_cell(ref.value):
            continue
        cell = book[sheet.value][ref.value]
        cell.fill = copy(saved.fill)
        cell.comment = (
            Comment(str(text.value), str(author.value or "")) if text.value is not None else None
        )
    book.remove(state)


def _found(book: Any, f: Finding) -> Any:
    """The value in the submitted cell the finding points at: what the party sees there, even
    when the finding is about the row (a sum) rather than the cell's own value."""
    if f.sheet in book.sheetnames and f.sheet != TEXTS["sheet"] and valid_cell(f.cell):
        cell = book[f.sheet][str(f.cell)]
        if not isinstance(cell, MergedCell):
            return cell.value
    return f.value
