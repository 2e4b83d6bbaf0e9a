"""The "Controleer mijn invoer" check as it runs inside Excel, through xlwings Lite.

The script embedded in every party workbook calls :func:`check_book` with the open workbook
(an ``xlwings.Book``) and its payload. It reads the party's sheets through a handful of xlwings
members (:data:`XLWINGS_MEMBERS`), runs the same core as ``planmonitor validate``
(:func:`~pipeline.validation.rows.check_rows`), writes the findings to the "Controle" sheet in
the columns and words of the feedback workbook, and colours each cell with a finding. The
colours a cell had before are kept in the Controle sheet, so the next run puts them back before
it marks anew. Nothing else in the workbook changes: no value, no protection. Nothing leaves the
computer.

What the check cannot see from inside Excel is left to the secretary's check: whether sheet
protection was removed, and everything about the file as it is sent (its type, size, round).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    SHEET_META,
    SHEET_MONITOR,
    Finding,
    metadata_from_rows,
    show_value,
)
from .payload import Payload, PayloadError, decode
from .rows import SheetRows, bounded, check_rows

SHEET_CHECK = "Controle"
TABLE_HEADER_ROW = 6  # as in the feedback workbook's list
ORIGINALS_COLUMN = 26  # Z: the fills the marks replaced, to put back on the next run
TABLE_WIDTH = 6

# Every xlwings member this module and the embedded script use, by class: the stand-in that
# the tests and the demo run the script with is checked against the real xlwings classes.
XLWINGS_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "Book": ("name", "sheets"),
    "Sheets": ("__getitem__", "__iter__"),
    "Sheet": ("name", "range", "used_range", "activate"),
    "Range": (
        "value",
        "options",
        "get_formula",
        "get_colors",
        "color",
        "clear_contents",
        "last_cell",
        "row",
    ),
}


@dataclass(frozen=True)
class Outcome:
    """What one run found, or the reason it could not check (then ``findings`` is empty)."""

    findings: list[Finding]
    problem: str | None = None


async def check_book(book: Any, encoded: str) -> Outcome:
    """Check the open workbook against its payload and show the findings in the workbook."""
    names = [sheet.name for sheet in book.sheets]
    if SHEET_CHECK not in names:
        return Outcome([], "no-check-sheet")
    target = book.sheets[SHEET_CHECK]
    try:
        payload = decode(encoded)
    except PayloadError:
        return _stop(target, None, "damaged")
    texts = payload.texts
    if SHEET_META in names and _fingerprint(book.sheets[SHEET_META]) not in (
        None,
        payload.layout.fingerprint,
    ):
        return _stop(target, texts, "other_workbook")
    sheets = {}
    seen: dict[str, list[list[Any]]] = {}  # what each cell shows (a formula: its result)
    for layout in payload.layout.sheets:
        if layout.name != SHEET_MONITOR and layout.name in names:
            read, seen[layout.name] = await _read(book.sheets[layout.name], len(layout.columns))
            rows, cut_off = bounded(layout, read.rows, read.formulas, payload.max_new_projects)
            formulas = frozenset(f for f in read.formulas if f[0] in rows)
            sheets[layout.name] = SheetRows(read.header, rows, formulas, None, cut_off)
    result = check_rows(payload.layout, sheets, payload.context(), file_name=book.name)
    _restore(book, target, names)
    await _show(book, target, payload, result.findings, names, seen)
    return Outcome(result.findings)


# -- reading ------------------------------------------------------------------------------------


async def _read(sheet: Any, width: int) -> tuple[SheetRows, list[list[Any]]]:
    """A data sheet as plain rows (values as Excel shows them, formulas as their text), and
    the values as shown, row by row from row 1."""
    last = max(sheet.used_range.last_cell.row, HEADER_ROW)
    cells = sheet.range((1, 1), (last, width))
    values = cells.options(ndim=2, err_to_str=True).value
    formulas = await cells.options(ndim=2).get_formula()
    rows: dict[int, list[Any]] = {}
    found: set[tuple[int, int]] = set()
    for number in range(FIRST_DATA_ROW, last + 1):
        row = list(values[number - 1])
        for column, text in enumerate(formulas[number - 1], start=1):
            if _is_formula(text, row[column - 1]):
                found.add((number, column))
                row[column - 1] = text  # as the file reader gives it
        rows[number] = row
    read = SheetRows(header=list(values[HEADER_ROW - 1]), rows=rows, formulas=frozenset(found))
    return read, [list(row) for row in values]


def _is_formula(text: Any, value: Any) -> bool:
    """Office.js gives a constant's own value as its formula; a text that starts with '='
    (kept as text) is its own formula too."""
    return isinstance(text, str) and text.startswith("=") and text != value


def _fingerprint(sheet: Any) -> str | None:
    used = sheet.used_range
    rows = used.options(ndim=2).value if used.last_cell.row > 1 else [used.value]
    return metadata_from_rows([list(r) for r in rows]).get("fingerprint") or None


# -- marks ------------------------------------------------------------------------------------


def _restore(book: Any, target: Any, names: Sequence[str]) -> None:
    """Put back the fills an earlier run replaced, as kept in the Controle sheet."""
    last = target.used_range.last_cell.row
    if last <= TABLE_HEADER_ROW:
        return
    kept = target.range((TABLE_HEADER_ROW + 1, ORIGINALS_COLUMN), (last, ORIGINALS_COLUMN))
    for entry in kept.options(ndim=1).value or []:
        sheet, _, rest = str(entry or "").partition("\t")
        cell, _, colour = rest.partition("\t")
        if sheet in names and cell:
            book.sheets[sheet].range(cell).color = colour or None


async def _show(
    book: Any,
    target: Any,
    payload: Payload,
    findings: list[Finding],
    names: Sequence[str],
    seen: Mapping[str, list[list[Any]]],
) -> None:
    texts = payload.texts
    last = max(target.used_range.last_cell.row, TABLE_HEADER_ROW)
    target.range((1, 1), (last, ORIGINALS_COLUMN)).clear_contents()
    target.range((TABLE_HEADER_ROW + 1, 1), (last, 1)).color = None
    errors = sum(1 for f in findings if f.blocking)
    warnings = len(findings) - errors
    party = payload.party.name
    lines = [
        texts["title"].format(party=party, round=payload.layout.round),
        texts["count"].format(
            errors=errors,
            warnings=warnings,
            error_word=texts["error_one" if errors == 1 else "error_many"],
            warning_word=texts["warning_one" if warnings == 1 else "warning_many"],
        )
        if findings
        else texts["none"],
        texts["errors"] if errors else (texts["warnings_only"] if warnings else ""),
        texts["advisory"],
    ]
    target.range((1, 1), (len(lines), 1)).value = [[_text(line)] for line in lines]
    if not findings:
        target.activate()
        return
    order = {name: index for index, name in enumerate(names)}
    ordered = sorted(findings, key=lambda f: _sort_key(f, order))
    header = [_text(label) for label in texts["columns"].split("|")]
    table = [header] + [_row(f, texts, names, seen) for f in ordered]
    end = TABLE_HEADER_ROW + len(ordered)
    target.range((TABLE_HEADER_ROW, 1), (end, TABLE_WIDTH)).value = table
    originals = await _mark(book, ordered, payload.colours, names)
    target.range((TABLE_HEADER_ROW, ORIGINALS_COLUMN), (end, ORIGINALS_COLUMN)).value = [
        [_text(texts["originals"])]
    ] + [[_text(originals.get((f.sheet or "", f.cell or ""), ""))] for f in ordered]
    for row, f in enumerate(ordered, start=TABLE_HEADER_ROW + 1):
        target.range((row, 1)).color = payload.colours["error" if f.blocking else "warning"]
    target.activate()


async def _mark(
    book: Any, findings: Sequence[Finding], colours: Mapping[str, str], names: Sequence[str]
) -> dict[tuple[str, str], str]:
    """Colour every cell with a finding (red for an error, orange for a warning).

    Returns, per marked cell, the entry that lets the next run put its fill back: sheet, cell
    and the colour before (empty for no fill), tab-separated. The fills are read once per
    sheet, over the block that holds its marked cells.
    """
    severity: dict[tuple[str, str], bool] = {}
    for f in findings:
        if f.sheet in names and f.sheet != SHEET_CHECK and _valid_cell(f.cell):
            key = (str(f.sheet), str(f.cell).upper())
            severity[key] = severity.get(key, False) or f.blocking
    entries: dict[tuple[str, str], str] = {}
    for sheet_name in sorted({sheet for sheet, _ in severity}):
        sheet = book.sheets[sheet_name]
        cells = {cell: _position(cell) for s, cell in severity if s == sheet_name}
        top = min(r for r, _ in cells.values())
        left = min(c for _, c in cells.values())
        bottom = max(r for r, _ in cells.values())
        right = max(c for _, c in cells.values())
        fills = await sheet.range((top, left), (bottom, right)).get_colors()
        for cell, (row, column) in cells.items():
            before = fills[row - top][column - left]
            entries[(sheet_name, cell)] = f"{sheet_name}\t{cell}\t{_hex(before)}"
            colour = colours["error" if severity[(sheet_name, cell)] else "warning"]
            sheet.range(cell).color = colour
    return entries


def _position(cell: str) -> tuple[int, int]:
    letters = "".join(ch for ch in cell if ch.isalpha()).upper()
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return int(cell[len(letters) :]), column


def _hex(rgb: Any) -> str:
    if rgb is None:
        return ""
    red, green, blue = rgb
    return f"#{red:02X}{green:02X}{blue:02X}"


def _row(
    f: Finding,
    texts: Mapping[str, str],
    names: Sequence[str],
    seen: Mapping[str, list[list[Any]]],
) -> list[Any]:
    link: Any = _text(f.cell or "")
    if f.sheet in names and _valid_cell(f.cell) and f.reference:
        target = f.reference.replace('"', '""')
        link = f'=HYPERLINK("#{target}","{f.cell}")'
    return [
        _text(texts["error" if f.blocking else "warning"]),
        _text(f.sheet or ""),
        link,
        _text(f.field or ""),
        _text(show_value(_found(f, seen)) if f.cell else ""),
        _text(f.message),
    ]


def _found(f: Finding, seen: Mapping[str, list[list[Any]]]) -> Any:
    """What the cell of a finding shows, as the feedback workbook lists it: the cell's own
    value (a formula's result), also when the finding is about its row (a sum); else the
    finding's value."""
    shown = seen.get(f.sheet or "")
    if shown is None or not _valid_cell(f.cell):
        return f.value
    row, column = _position(str(f.cell))
    cells = shown[row - 1] if row <= len(shown) else []
    return cells[column - 1] if column <= len(cells) else None


def _text(value: str) -> str:
    """Text that Excel keeps as text: a leading apostrophe, as when typing, so that "'12O'"
    or "=A1" are shown as they are and never become a number or a formula."""
    return f"'{value}" if value else ""


def _sort_key(f: Finding, order: Mapping[str, int]) -> tuple[int, int, int, int]:
    """The feedback workbook's order: errors first, then by sheet, row and column."""
    column = _position(str(f.cell))[1] if _valid_cell(f.cell) else 0
    return (0 if f.blocking else 1, order.get(f.sheet or "", -1), f.row or 0, column)


def _valid_cell(ref: object) -> bool:
    if not isinstance(ref, str):
        return False
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters) :]
    return 0 < len(letters) <= 3 and letters.isalpha() and digits.isdigit() and int(digits) > 0


def _stop(target: Any, texts: Mapping[str, str] | None, reason: str) -> Outcome:
    """Say in the Controle sheet why the check could not run, and run no further."""
    message = (texts or {}).get(reason) or _FALLBACK[reason]
    last = max(target.used_range.last_cell.row, 1)
    target.range((1, 1), (last, TABLE_WIDTH)).clear_contents()
    target.range((1, 1)).value = _text(message)
    target.activate()
    return Outcome([], reason)


# Shown when the payload itself, and so its texts, cannot be read.
_FALLBACK = {
    "damaged": (
        "De controle kan niet worden uitgevoerd: het controlescript in deze werkmap is "
        "gewijzigd of beschadigd. Vraag het secretariaat om een nieuwe werkmap; u kunt uw "
        "werkmap ook zonder deze controle inleveren."
    ),
    "other_workbook": (
        "De controle kan niet worden uitgevoerd: het controlescript hoort bij een andere "
        "werkmap. Gebruik de werkmap die u van het secretariaat kreeg."
    ),
}
