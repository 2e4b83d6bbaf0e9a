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
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
)
from openpyxl.worksheet.hyperlink import Hyperlink

from ..core import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    Finding,
    finding,
    show_value,
)
from . import textwidth
from .aside import put_back, set_aside_monitor
from .intake import sniff
from .lite import LiteScript, embed
from .marker import sign
from .sanitise import is_formula, put, sanitise

# How a party sends in a correction; docs/partijen.md says the same (tests/test_feedback.py).
RESUBMIT = (
    "U mag daarvoor deze terugkoppeling zelf gebruiken: herstel de cellen hierin en sla hem op "
    "in dezelfde map; het secretariaat haalt hem op. Uw eigen werkmap kan ook."
)
# Every Dutch text of the feedback workbook, in one place for review.
TEXTS = {
    "sheet": "Bevindingen",
    "title": "Bevindingen bij de planmonitor van {party}, ronde {round}",
    "count": "{errors} blokkerende {error_word} en {warnings} {warning_word}.",
    "error_one": "fout",
    "error_many": "fouten",
    "warning_one": "waarschuwing",
    "warning_many": "waarschuwingen",
    "none": "Geen bevindingen: uw werkmap is in orde en wordt verwerkt. Dank u wel.",
    "file_blocked": (
        "Uw werkmap is niet verwerkt. Volg de aanwijzing hieronder en sla de werkmap daarna "
        "opnieuw op in dezelfde map."
    ),
    "rows_blocked": (
        "Rijen met een fout (rood) worden niet overgenomen; daar blijven de vorige waarden "
        "staan. Herstel de rode cellen (u kunt alleen uw eigen, gele invoercellen wijzigen) en "
        "sla de werkmap opnieuw op in dezelfde map. " + RESUBMIT
    ),
    "warnings_only": (
        "Uw werkmap wordt verwerkt. Bekijk de oranje cellen: klopt de waarde, dan hoeft u niets "
        "te doen; zo niet, verbeter ze in de gele invoercellen en sla de werkmap opnieuw op in "
        "dezelfde map."
    ),
    "hint": "Klik op een cel in de kolom 'Cel' om ernaartoe te gaan; de opmerking bij de cel "
    "zegt wat er mis is.",
    "error": "Fout",
    "warning": "Waarschuwing",
    "columns": "Ernst|Werkblad|Cel|Veld|Gevonden waarde|Wat te doen",
    "separator": "Eerdere opmerking in deze cel:",
}

AUTHOR = "planmonitor"
ERROR_FILL = "FFFF8080"
WARNING_FILL = "FFFFC000"
# Very hidden: the fills and comments a previous feedback replaced, to undo them next time.
STATE_SHEET = "planmonitor-bevindingen"

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
_HEADER_ROW = 6
_WIDTHS = (14, 20, 10, 28, 28, 90)


def write_feedback(
    data: bytes,
    findings: list[Finding],
    *,
    party_name: str,
    round_: str,
    set_aside: bool = True,
    signature: tuple[str, bytes] | None = None,
    script: LiteScript | None = None,
) -> bytes:
    """The feedback workbook for one submission, as bytes of an ``.xlsx``.

    ``script`` is the in-Excel check planmonitor issued to the party: the copy gets that one
    back (openpyxl drops the parts), never the script found in the submission, which the party
    may have changed. Without it the copy has no check button.

    The region sheet, most of a workbook and never marked, is set aside before openpyxl opens
    the file and put back as it was received (``set_aside=False`` round-trips it through
    openpyxl as well: the same workbook, slower).
    """
    readable = not any(f.code in _UNREADABLE for f in findings) and _readable(data)
    aside = set_aside_monitor(data) if readable and set_aside else None
    book = _open(aside.reduced if aside is not None else data) if readable else None
    opened = book is not None
    if book is None:
        aside = None
        book = openpyxl.Workbook()
        book.active.title = TEXTS["sheet"]
        listing = book.active
    else:
        # Nothing active from the party's file goes back out: formulas become their values.
        removed = sanitise(book, _cached_values(data) if _has_formulas(book) else None)
        marked = {(f.sheet, f.cell) for f in findings}
        findings = findings + [
            finding("formula-removed", sheet=r.sheet, cell=r.cell, value=f"={r.formula}")
            for r in removed
            if (r.sheet, r.cell) not in marked
        ]
        _undo_previous(book)
        _mark_cells(book, findings)
        listing = book.create_sheet(TEXTS["sheet"], 0)
        for ws in book.worksheets:
            ws.sheet_view.tabSelected = False
        listing.sheet_view.tabSelected = True
        book.active = 0
    _write_listing(book, listing, findings, party_name=party_name, round_=round_)
    if signature is not None:  # (party, key): collect knows the file as ours by its content
        sign(book, *signature)
    buffer = BytesIO()
    book.save(buffer)
    out = put_back(buffer.getvalue(), aside) if aside is not None else buffer.getvalue()
    # openpyxl drops the xlwings Lite parts: the copy gets the issued check button back.
    return embed(out, script) if opened and script is not None else out


def _readable(data: bytes) -> bool:
    intake = sniff(
        data,
        "",
        max_file_bytes=DEFAULT_MAX_FILE_BYTES,
        max_uncompressed_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES,
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
            or not _valid_cell(f.cell)
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
        comment.width = 320
        comment.height = max(80, 18 * (len(text) // 45 + 2))
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
        if sheet.value not in book.sheetnames or not _valid_cell(ref.value):
            continue
        cell = book[sheet.value][ref.value]
        cell.fill = copy(saved.fill)
        cell.comment = (
            Comment(str(text.value), str(author.value or "")) if text.value is not None else None
        )
    book.remove(state)


def _valid_cell(ref: object) -> bool:
    if not isinstance(ref, str):
        return False
    try:
        coordinate_from_string(ref)
    except ValueError:
        return False
    return True


# -- the list -----------------------------------------------------------------------------------


def _write_listing(
    book: Any, ws: Any, findings: list[Finding], *, party_name: str, round_: str
) -> None:
    errors = sum(1 for f in findings if f.blocking)
    warnings_ = len(findings) - errors
    _text(ws, 1, 1, TEXTS["title"].format(party=party_name, round=round_)).font = Font(
        name=textwidth.FONT, bold=True, size=14
    )
    if findings:
        _text(
            ws,
            2,
            1,
            TEXTS["count"].format(
                errors=errors,
                warnings=warnings_,
                error_word=TEXTS["error_one" if errors == 1 else "error_many"],
                warning_word=TEXTS["warning_one" if warnings_ == 1 else "warning_many"],
            ),
        ).font = Font(name=textwidth.FONT, bold=True)
    _text(ws, 3, 1, TEXTS[_next_step(findings)])
    if findings:
        _text(ws, 4, 1, TEXTS["hint"])
    for column, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    for row in range(1, _HEADER_ROW - 1):  # the summary reads across the whole table
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(_WIDTHS))
        ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 22
    ws.row_dimensions[3].height = 32
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if not findings:
        return
    for column, label in enumerate(TEXTS["columns"].split("|"), start=1):
        _text(ws, _HEADER_ROW, column, label).font = Font(name=textwidth.FONT, bold=True)
    order = {name: index for index, name in enumerate(book.sheetnames)}
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, f in enumerate(
        sorted(findings, key=lambda f: _sort_key(f, order)), start=_HEADER_ROW + 1
    ):
        severity = _text(ws, row, 1, TEXTS["error" if f.blocking else "warning"])
        severity.fill = PatternFill("solid", fgColor=ERROR_FILL if f.blocking else WARNING_FILL)
        _text(ws, row, 2, f.sheet or "")
        link = _text(ws, row, 3, f.cell or "")
        if f.sheet in book.sheetnames and _valid_cell(f.cell) and f.sheet != TEXTS["sheet"]:
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f.reference)
            link.style = "Hyperlink"
        _text(ws, row, 4, f.field or "")
        _text(ws, row, 5, show_value(_found(book, f)) if f.cell else "")
        _text(ws, row, 6, f.message)
        for column in range(1, len(_WIDTHS) + 1):
            ws.cell(row, column).alignment = wrap
        # Row heights are not fitted on opening, so size each row for its wrapped message.
        ws.row_dimensions[row].height = 15 * (len(f.message) // int(_WIDTHS[-1] * 1.1) + 1)
    ws.freeze_panes = ws.cell(_HEADER_ROW + 1, 1)
    ws.auto_filter.ref = f"A{_HEADER_ROW}:F{_HEADER_ROW + len(findings)}"


def _found(book: Any, f: Finding) -> Any:
    """The value in the submitted cell the finding points at: what the party sees there, even
    when the finding is about the row (a sum) rather than the cell's own value."""
    if f.sheet in book.sheetnames and f.sheet != TEXTS["sheet"] and _valid_cell(f.cell):
        cell = book[f.sheet][str(f.cell)]
        if not isinstance(cell, MergedCell):
            return cell.value
    return f.value


def _next_step(findings: list[Finding]) -> str:
    if not findings:
        return "none"
    if any(f.blocking and f.cell is None and f.row_id is None for f in findings):
        return "file_blocked"
    return "rows_blocked" if any(f.blocking for f in findings) else "warnings_only"


def _sort_key(f: Finding, order: dict[str, int]) -> tuple[int, int, int, int]:
    column = (
        column_index_from_string(coordinate_from_string(str(f.cell))[0])
        if _valid_cell(f.cell)
        else 0
    )
    return (0 if f.blocking else 1, order.get(f.sheet or "", -1), f.row or 0, column)


def _text(ws: Any, row: int, column: int, value: str) -> Any:
    """Write text that stays text: a value starting with '=' never becomes a formula."""
    cell = ws.cell(row, column)
    if value:
        put(cell, value)
    return cell
