"""The validation core on plain rows: what a file reader or xlwings hands over, checked as one.

A sheet arrives as :class:`SheetRows`: its header labels and its data rows as lists of plain
Python values (str, int, float, bool, datetime or None), keyed by Excel row number, plus the
cells that hold a formula. ``planmonitor validate`` gets these from the ``.xlsx`` (the reader),
the "Controleer mijn invoer" script in Excel from the open workbook through xlwings; both then
go through :func:`submission_from_rows` and the same schema, rules and ownership checks. Nothing
here reads a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    SHEET_MONITOR,
    SHEET_NEW,
    Catalogue,
    Finding,
    Round,
    SheetData,
    SheetLayout,
    Submission,
    WorkbookLayout,
    column_letter,
    finding,
    is_empty,
)
from .schema import Context, Validation, validate


@dataclass(frozen=True)
class SheetRows:
    """One sheet's cells as plain values.

    ``rows`` maps an Excel row number (from ``FIRST_DATA_ROW``) to the values of columns A, B,
    ... of that row; a row that is absent or shorter is empty there. A formula is given as its
    text and its (row, column) listed in ``formulas``. ``protected`` is None when the caller
    cannot see sheet protection (xlwings cannot).
    """

    header: Sequence[Any] = ()
    rows: Mapping[int, Sequence[Any]] = field(default_factory=dict)
    formulas: frozenset[tuple[int, int]] = frozenset()
    protected: bool | None = None
    cut_off: int | None = None  # the first row not read: more filled rows than a file may hold


def bounded(
    layout: SheetLayout,
    rows: Mapping[int, Sequence[Any]],
    formulas: frozenset[tuple[int, int]],
    extra_rows: int,
) -> tuple[dict[int, list[Any]], int | None]:
    """The filled rows a sheet may have (its issued rows and ``extra_rows`` more), and the first
    row left out, or None. A row with neither a value nor a formula does not count. The file
    reader applies the same rule while it parses, so a flood of rows is never read at all."""
    width = len(layout.columns)
    kept: dict[int, list[Any]] = {}
    limit = len(layout.row_ids) + extra_rows
    for number in sorted(rows):
        if number < FIRST_DATA_ROW:
            continue
        record = list(rows[number])[:width]
        has_formula = any((number, column) in formulas for column in range(1, width + 1))
        if not has_formula and all(is_empty(v) for v in record):
            continue
        if len(kept) >= limit:
            return kept, number
        kept[number] = record
    return kept, None


def submission_from_rows(
    layout: WorkbookLayout,
    sheets: Mapping[str, SheetRows],
    catalogue: Catalogue,
    *,
    file_name: str,
    sha256: str = "",
    has_macros: bool = False,
) -> tuple[Submission | None, list[Finding]]:
    """The submission by its plan, or the findings why its sheets cannot be checked.

    A missing sheet or a changed column header stops the check of the whole workbook: the
    cells could no longer be matched to their fields.
    """
    round_ = Round.parse(layout.round)
    problems: list[Finding] = []
    data: dict[str, SheetData] = {}
    for sheet_layout in layout.sheets:
        if sheet_layout.name == SHEET_MONITOR:
            continue  # read-only for everyone: never read back
        rows = sheets.get(sheet_layout.name)
        if rows is None:
            problems.append(
                finding(
                    "sheet-missing", file=file_name, party=layout.party, sheet=sheet_layout.name
                )
            )
            continue
        changed = header_change(
            sheet_layout, rows.header, catalogue, round_, file_name, layout.party
        )
        if changed is not None:
            problems.append(changed)
            continue
        data[sheet_layout.name] = sheet_data(sheet_layout, rows)
    if problems:
        return None, problems
    return Submission(file_name, sha256, layout, data, has_macros=has_macros), []


def check_rows(
    layout: WorkbookLayout, sheets: Mapping[str, SheetRows], context: Context, *, file_name: str
) -> Validation:
    """Every finding of a workbook given as plain rows: sheets, headers, cells, rows, ownership.

    The same findings, in the same order, as ``planmonitor validate`` reports for the file
    after it has been read (including the warnings for rows held back).
    """
    submission, problems = submission_from_rows(
        layout, sheets, context.catalogue, file_name=file_name
    )
    if submission is None:
        return Validation(findings=problems)
    result = validate(submission, context)
    result.findings.extend(held_back(result, file_name, context.party.id))
    return result


def held_back(validation: Validation, file_name: str, party: str) -> list[Finding]:
    """A warning per row that the merge will leave at its previous values."""
    return [
        finding(
            "row-held-back",
            file=file_name,
            party=party,
            sheet=row.sheet,
            cell=f"{column_letter(1)}{row.excel_row}",
            row=row.excel_row,
            row_id=row.row_id,
            label=row.label or row.row_id,
        )
        for row in validation.rows
        if row.blocked
    ]


def sheet_data(layout: SheetLayout, rows: SheetRows) -> SheetData:
    """The rows the checks look at, as a frame: every issued row, and any other row in use.

    Issued sheets keep one row per issued id, in order, and any row below them with a value
    (a row the party added); the new-projects sheet keeps the rows in use.
    """
    width = len(layout.columns)
    with_formula = {number for number, column in rows.formulas if 1 <= column <= width}

    def in_use(number: int) -> bool:
        cells = rows.rows[number]
        return number in with_formula or any(not is_empty(v) for v in list(cells)[:width])

    if layout.name == SHEET_NEW:
        numbers = sorted(n for n in rows.rows if n >= FIRST_DATA_ROW and in_use(n))
    else:
        issued_end = FIRST_DATA_ROW + len(layout.row_ids)
        numbers = list(range(FIRST_DATA_ROW, issued_end)) + sorted(
            n for n in rows.rows if n >= issued_end and in_use(n)
        )
    kept = set(numbers)
    formulas = {
        (number, layout.columns[column - 1])
        for number, column in rows.formulas
        if number in kept and 1 <= column <= width
    }
    return SheetData(
        layout,
        rows={n: _padded(rows.rows.get(n, ()), width) for n in numbers},
        header=_padded(rows.header, width),
        formulas=formulas,
        protected=rows.protected is not False,
        cut_off=rows.cut_off,
    )


def _padded(cells: Sequence[Any], width: int) -> list[Any]:
    """The first ``width`` cells, None where the row is shorter."""
    record = list(cells)[:width]
    record += [None] * (width - len(record))
    return record


def header_change(
    layout: SheetLayout,
    header: Sequence[Any],
    catalogue: Catalogue,
    round_: Round,
    file_name: str,
    party: str,
) -> Finding | None:
    """The first header cell whose label is not the catalogue's, or None when all match."""
    labels = {c.key: c.label for c in catalogue.columns(layout.entity, round_)}
    found_labels = list(header)[: len(layout.columns)]
    found_labels += [None] * (len(layout.columns) - len(found_labels))
    for column, (key, found) in enumerate(zip(layout.columns, found_labels, strict=True), start=1):
        expected = labels.get(key, key)
        if _label(found) != _label(expected):
            letter = column_letter(column)
            return finding(
                "column-changed",
                file=file_name,
                party=party,
                sheet=layout.name,
                cell=f"{letter}{HEADER_ROW}",
                row=HEADER_ROW,
                column=letter,
                found="" if found is None else str(found),
                expected=expected,
                field=expected,
                value=found,
            )
    return None


def _label(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""
