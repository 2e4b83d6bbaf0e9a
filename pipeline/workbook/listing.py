"""The list of findings (sheet ``Bevindingen``): written by openpyxl, or as its XML directly.

``write_listing`` fills the sheet through openpyxl (the plain way, and how each frame is made);
``listing_xml`` writes the same sheet as XML into a frame that the plain way rendered once per
process, with the cell format numbers the caller gives (the feedback writers add those formats
to the workbook they write into). tests/test_feedback_direct.py reads both ways with openpyxl and
compares them cell by cell.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.compat import safe_string
from openpyxl.packaging.core import DocumentProperties
from openpyxl.packaging.custom import CustomPropertyList
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
)
from openpyxl.utils.exceptions import CellCoordinatesException
from openpyxl.worksheet.hyperlink import Hyperlink, HyperlinkList
from openpyxl.xml.functions import tostring

from ..core import Finding, show_value
from . import marker, package, textwidth
from .party import text_body
from .sanitise import put
from .xlsx import save, style_number, style_of

# How a party sends in a correction; docs/partijen.md says the same (tests/test_feedback.py).
RESUBMIT = (
    "Dat kan in deze terugkoppeling: sla hem daarna op in dezelfde map, het secretariaat haalt "
    "hem op. Herstellen in uw eigen werkmap kan ook."
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
        "staan. Herstel de rode cellen (u kunt alleen uw eigen, gele invoercellen wijzigen). "
        + RESUBMIT
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

AUTHOR = "planmonitor"  # of the comments at marked cells
COMMENT_WIDTH = 320


def comment_height(text: str) -> int:
    """The height of a marked cell's comment: room for its text at the width above."""
    return max(80, 18 * (len(text) // 45 + 2))


# Very hidden: the fills and comments a previous feedback replaced, to undo them next time.
STATE_SHEET = "planmonitor-bevindingen"
ERROR_FILL = "FFFF8080"
WARNING_FILL = "FFFFC000"
HEADER_ROW = 6
WIDTHS = (14, 20, 10, 28, 28, 90)
_SUMMARY_ROWS = range(1, HEADER_ROW - 1)  # read across the whole table


def write_listing(
    book: Any,
    ws: Any,
    findings: list[Finding],
    *,
    party_name: str,
    round_: str,
    found: Callable[[Finding], Any] | None = None,
) -> None:
    """Fill the list sheet ``ws`` of ``book`` through openpyxl. ``found`` gives the value in
    the submitted cell a finding points at (default: the finding's own value)."""
    _text(ws, 1, 1, title(party_name, round_)).font = Font(name=textwidth.FONT, bold=True, size=14)
    if findings:
        _text(ws, 2, 1, count(findings)).font = Font(name=textwidth.FONT, bold=True)
    _text(ws, 3, 1, TEXTS[next_step(findings)])
    if findings:
        _text(ws, 4, 1, TEXTS["hint"])
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    for row in _SUMMARY_ROWS:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(WIDTHS))
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
        _text(ws, HEADER_ROW, column, label).font = Font(name=textwidth.FONT, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, f in enumerate(ordered(findings, book.sheetnames), start=HEADER_ROW + 1):
        severity = _text(ws, row, 1, TEXTS["error" if f.blocking else "warning"])
        severity.fill = PatternFill("solid", fgColor=ERROR_FILL if f.blocking else WARNING_FILL)
        _text(ws, row, 2, f.sheet or "")
        link = _text(ws, row, 3, f.cell or "")
        if links_to(f, book.sheetnames):
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f.reference)
            link.style = "Hyperlink"
        _text(ws, row, 4, f.field or "")
        _text(ws, row, 5, show_value(found(f) if found else f.value) if f.cell else "")
        _text(ws, row, 6, f.message)
        for column in range(1, len(WIDTHS) + 1):
            ws.cell(row, column).alignment = wrap
        ws.row_dimensions[row].height = row_height(f)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:F{HEADER_ROW + len(findings)}"


def title(party_name: str, round_: str) -> str:
    return TEXTS["title"].format(party=party_name, round=round_)


def count(findings: Sequence[Finding]) -> str:
    errors = sum(1 for f in findings if f.blocking)
    warnings_ = len(findings) - errors
    return TEXTS["count"].format(
        errors=errors,
        warnings=warnings_,
        error_word=TEXTS["error_one" if errors == 1 else "error_many"],
        warning_word=TEXTS["warning_one" if warnings_ == 1 else "warning_many"],
    )


def next_step(findings: Sequence[Finding]) -> str:
    if not findings:
        return "none"
    if any(f.blocking and f.cell is None and f.row_id is None for f in findings):
        return "file_blocked"
    return "rows_blocked" if any(f.blocking for f in findings) else "warnings_only"


def row_height(f: Finding) -> int:
    """Row heights are not fitted on opening, so each row is sized for its wrapped message."""
    return 15 * (len(f.message) // int(WIDTHS[-1] * 1.1) + 1)


def ordered(findings: Sequence[Finding], sheets: Sequence[str]) -> list[Finding]:
    """Errors first, then by sheet (in the workbook's order), row and column."""
    order = {name: index for index, name in enumerate(sheets)}
    return sorted(findings, key=lambda f: _sort_key(f, order))


def links_to(f: Finding, sheets: Sequence[str]) -> bool:
    """Does the list link to the finding's cell?"""
    return f.sheet in sheets and valid_cell(f.cell) and f.sheet != TEXTS["sheet"]


def valid_cell(ref: object) -> bool:
    if not isinstance(ref, str):
        return False
    try:
        coordinate_from_string(ref)
    except (ValueError, CellCoordinatesException):  # openpyxl's is not a ValueError
        return False
    return True


def _sort_key(f: Finding, order: dict[str, int]) -> tuple[int, int, int, int]:
    column = (
        column_index_from_string(coordinate_from_string(str(f.cell))[0])
        if valid_cell(f.cell)
        else 0
    )
    return (0 if f.blocking else 1, order.get(f.sheet or "", -1), f.row or 0, column)


def _text(ws: Any, row: int, column: int, value: str) -> Any:
    """Write text that stays text: a value starting with '=' never becomes a formula."""
    cell = ws.cell(row, column)
    if value:
        put(cell, value)
    return cell


# -- the same sheet as XML ----------------------------------------------------------------------


@dataclass(frozen=True)
class Styles:
    """The cell format numbers of the list's cells in the workbook it is written into."""

    title: int
    count: int
    text: int  # wrapped, top-aligned: most cells
    quoted: int  # the same with Excel's text prefix (text that starts like a formula)
    header: int
    error: int
    warning: int
    link: int


def listing_xml(
    findings: list[Finding],
    *,
    party_name: str,
    round_: str,
    sheets: Sequence[str],
    found: Callable[[Finding], Any],
    styles: Styles,
    selected: bool,
) -> str:
    """The list sheet's XML as ``write_listing`` writes it through openpyxl, for a workbook
    with these ``sheets`` (the list among them); ``selected`` as when the list is set active
    in a party's workbook."""
    frame = _frame(bool(findings), selected)
    rows = [
        _row(1, [_text_cell("A1", title(party_name, round_), styles.title, styles.title)], 22),
        _row(
            2,
            [_text_cell("A2", count(findings), styles.count, styles.count)]
            if findings
            else [_empty("A2", styles.text)],
        ),
        _row(3, [_text_cell("A3", TEXTS[next_step(findings)], styles.text, styles.quoted)], 32),
        _row(
            4,
            [_text_cell("A4", TEXTS["hint"], styles.text, styles.quoted)]
            if findings
            else [_empty("A4", styles.text)],
        ),
    ]
    links = []
    if findings:
        labels = TEXTS["columns"].split("|")
        rows.append(
            _row(
                HEADER_ROW,
                [
                    _text_cell(f"{get_column_letter(i)}{HEADER_ROW}", label, styles.header, -1)
                    for i, label in enumerate(labels, start=1)
                ],
            )
        )
    for row, f in enumerate(ordered(findings, sheets), start=HEADER_ROW + 1):
        linked = links_to(f, sheets)
        cells = [
            _text_cell(
                f"A{row}",
                TEXTS["error" if f.blocking else "warning"],
                styles.error if f.blocking else styles.warning,
                -1,
            ),
            _text_cell(f"B{row}", f.sheet or "", styles.text, styles.quoted),
            _text_cell(
                f"C{row}",
                f.cell or "",
                styles.link if linked else styles.text,
                styles.link if linked else styles.quoted,
            ),
            _text_cell(f"D{row}", f.field or "", styles.text, styles.quoted),
            _text_cell(
                f"E{row}", show_value(found(f)) if f.cell else "", styles.text, styles.quoted
            ),
            _text_cell(f"F{row}", f.message, styles.text, styles.quoted),
        ]
        rows.append(_row(row, cells, row_height(f)))
        if linked:
            links.append(Hyperlink(ref=f"C{row}", location=f.reference))
    last = HEADER_ROW + len(findings) if findings else 4
    xml = _once(frame, _FRAME_DIMENSION[bool(findings)], f'<dimension ref="A1:F{last}" />')
    xml = _once(xml, _between(xml, "<sheetData>", "</sheetData>"), "".join(rows))
    xml = _once(xml, _between(xml, "<mergeCells", "</mergeCells>"), _MERGED)
    if findings:
        xml = _once(xml, _FRAME_FILTER, f'<autoFilter ref="A{HEADER_ROW}:F{last}" />')
    if links:
        hyperlinks = tostring(HyperlinkList(links).to_tree()).decode("utf-8")
        xml = _once(xml, "<pageMargins ", hyperlinks + "<pageMargins ")
    return xml


_FRAME_FINDING = Finding("frame", "error", "frame")
_FRAME_DIMENSION = {False: '<dimension ref="A1:F4" />', True: '<dimension ref="A1:F7" />'}
_FRAME_FILTER = f'<autoFilter ref="A{HEADER_ROW}:F{HEADER_ROW + 1}" />'
_MERGED = ' count="4">' + "".join(f'<mergeCell ref="A{r}:F{r}" />' for r in _SUMMARY_ROWS)


@functools.cache
def _frame(findings: bool, selected: bool) -> str:
    """The list sheet's XML as openpyxl writes it, for one finding or none."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = TEXTS["sheet"]
    if selected:
        ws.sheet_view.tabSelected = True
    write_listing(book, ws, [_FRAME_FINDING] if findings else [], party_name="", round_="")
    saved = {e.name: e for e in package.entries(save(book))}
    return saved["xl/worksheets/sheet1.xml"].content().decode("utf-8")


def _between(xml: str, start: str, end: str) -> str:
    """What stands between ``start`` (and the rest of its tag) and ``end``, once."""
    head = xml.index(start) + len(start)
    return xml[head : xml.index(end, head)]


def _once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise RuntimeError(f"unexpected list frame: {old!r}")
    return text.replace(old, new, 1)


def _row(number: int, cells: Sequence[str], height: float | None = None) -> str:
    high = f' ht="{safe_string(float(height))}" customHeight="1"' if height is not None else ""
    return f'<row r="{number}"{high}>{"".join(cells)}</row>'


def _text_cell(ref: str, value: str, style: int, quoted: int) -> str:
    """A cell that ``_text`` writes (an empty text leaves it empty), with its style."""
    if not value:
        return _empty(ref, style)
    prefixed, body = text_body(value)
    number = quoted if prefixed else style
    if number < 0:
        raise RuntimeError(f"no quoted style for {ref}")
    return f'<c r="{ref}"{_style(number)}{body}'


def _empty(ref: str, style: int) -> str:
    return f'<c r="{ref}"{_style(style)} t="n" />'


def _style(number: int) -> str:
    return f' s="{number}"' if number else ""


# -- the list's own cell formats ------------------------------------------------------------------


def frame_styles(book: Any, ws: Any) -> Styles:
    """The format numbers of a list that ``write_listing`` filled, with a quoted text and a
    link (see ``style_probe``)."""

    def number(ref: str) -> int:
        found = style_number(book, style_of(ws[ref]))
        if found is None:
            raise RuntimeError(f"the list frame has no format for {ref}")
        return found

    return Styles(
        title=number("A1"),
        count=number("A2"),
        text=number("A3"),
        quoted=number("E7"),
        header=number("A6"),
        error=number("A7"),
        warning=number("A8"),
        link=number("C8"),
    )


def style_probe(sheet: str) -> list[Finding]:
    """Two findings whose list uses every format of the list: an error with a value shown
    like a formula (a negative number), a warning at a cell of ``sheet`` (linked to it when the
    workbook has that sheet)."""
    return [
        Finding("probe", "error", "probe", cell="A1", value=-1),
        Finding("probe", "warning", "probe", sheet=sheet, cell="A1", row=1),
    ]


# -- a workbook with only the list ----------------------------------------------------------------


def listing_book(findings: list[Finding], *, party_name: str, round_: str) -> tuple[Any, Any]:
    """A new workbook with only the list (a file that cannot be marked up, or has no
    findings), through openpyxl; and its list sheet."""
    book = openpyxl.Workbook()
    book.active.title = TEXTS["sheet"]
    write_listing(book, book.active, findings, party_name=party_name, round_=round_)
    return book, book.active


def listing_workbook(
    findings: list[Finding],
    *,
    party_name: str,
    round_: str,
    signature: tuple[str, bytes] | None,
) -> bytes:
    """``listing_book`` signed and saved, written into a frame made once per process: the
    list sheet, the document's times and the marker are this file's own."""
    frame = _listing_frame(bool(findings), signature is not None)
    sheet = listing_xml(
        findings,
        party_name=party_name,
        round_=round_,
        sheets=[TEXTS["sheet"]],
        found=lambda f: f.value,
        styles=frame.styles,
        selected=False,
    )
    out = {_LISTING_PART: package.deflated(_LISTING_PART, sheet.encode("utf-8"))}
    out[_CORE] = package.deflated(_CORE, core_properties_xml(DocumentProperties()))
    if signature is not None:
        party, key = signature
        custom = marker.signed(CustomPropertyList(), marker.signature(key, party, {}))
        out[_CUSTOM] = package.deflated(_CUSTOM, tostring(custom.to_tree()))
    return package.write(out.get(e.name, e) for e in frame.members)


def core_properties_xml(props: DocumentProperties) -> bytes:
    """The document properties as ``Workbook.save`` writes them: modified now."""
    props.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    return bytes(tostring(props.to_tree()))


def listing_frame_members() -> list[package.Entry]:
    """The parts of the list-only workbook without findings (whose app.xml every feedback
    workbook carries, as openpyxl writes it)."""
    return _listing_frame(False, False).members


_LISTING_PART = "xl/worksheets/sheet1.xml"
_CORE = "docProps/core.xml"
_CUSTOM = "docProps/custom.xml"


@dataclass(frozen=True)
class _Frame:
    members: list[package.Entry]
    styles: Styles


@functools.cache
def _listing_frame(findings: bool, signed: bool) -> _Frame:
    probe = style_probe(TEXTS["sheet"]) if findings else []
    book, ws = listing_book(probe, party_name="", round_="")
    if signed:
        marker.sign(book, "", b"")
    members = package.entries(save(book))  # numbers the cell formats
    return _Frame(members, frame_styles(book, ws) if findings else _plain_styles(book, ws))


def _plain_styles(book: Any, ws: Any) -> Styles:
    """The formats of a list without findings: a title and wrapped text (nothing else)."""
    title_, text = (style_number(book, style_of(ws[ref])) for ref in ("A1", "A3"))
    if title_ is None or text is None:
        raise RuntimeError("the list frame has no formats")
    return Styles(title_, -1, text, -1, -1, -1, -1, -1)
