"""The party workbook written as XML directly, into a frame openpyxl renders once per run.

Two parties' workbooks differ in their instructions, their data rows with the validations and
conditional formats on them, their metadata and their script. Everything else — styles, theme,
the check sheet, the lists, every sheet's columns, headers and protection, the package's list of
parts — is the same for every party whose sheets have the same columns. That frame is rendered
by the plain openpyxl writer (:func:`party._book` with ``frame=True``) once per run and kind of
party, and each party's own parts are written into it as the XML openpyxl writes for them,
character for character; tests/test_workbook_fast.py holds the two ways side by side, byte for
byte. What this module does not write exactly as openpyxl would raises :class:`NotDirect`, and
the plain way writes that workbook.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from ..core import (
    FIRST_DATA_ROW,
    GROUP_ROW,
    HEADER_ROW,
    SHEET_AGREEMENTS,
    SHEET_INSTRUCTIONS,
    SHEET_META,
    SHEET_MONITOR,
    SHEET_NEW,
    SHEET_OWN,
    STATUS_CELL_KEY,
    Config,
    Region,
    WorkbookLayout,
    formatting,
    looks_like_formula,
)
from ..validation import SUM_RULES, sum_parts
from . import lite, package
from .instructions import Line, load_texts
from .party import (
    PROMPT_LIMIT,
    STOPLIGHT_COLOURS,
    TITLE_LIMIT,
    YELLOW,
    DataSheet,
    SharedSheet,
    _book,
    _clip,
    _data_rows_xml,
    _editable_rows,
    _first_cell,
    _list_references,
    _NotDirect,
    _saved,
    _Styles,
    _sum_formula,
    _validation,
    first_cell,
    instruction_height,
    metadata,
    row_blocks,
    status_validation,
    stoplight_columns,
    text_body,
    text_role,
)
from .xlsx import style_number, style_of

NotDirect = _NotDirect
_REPEATED = (SHEET_NEW, SHEET_AGREEMENTS)  # sheets many parties have alike
_CACHED_SHEETS = 64


@dataclass
class Frame:
    """One rendered frame: the package's entries and the XML of the parts filled in per party."""

    members: list[package.Entry]
    paths: dict[str, str]  # sheet title -> part name
    xml: dict[str, str]  # part name -> XML of the parts written per party
    styles: _Styles
    scratch: Worksheet  # for the cells made as openpyxl makes them
    refs: dict[str, str]  # where each dropdown list is
    cells: dict[tuple[str, tuple[str, ...]], dict[str, list[tuple[bool, str]]]]  # shared.cells
    validations: dict[tuple[Any, ...], str] = field(default_factory=dict)
    sheets: dict[tuple[Any, ...], package.Entry] = field(default_factory=dict)
    first_cells: dict[tuple[Any, ...], tuple[int, str]] = field(default_factory=dict)


def write(
    layout: WorkbookLayout,
    config: Config,
    region: Region,
    sheets: Sequence[DataSheet],
    lines: Sequence[Line],
    lists: Mapping[str, Sequence[str]],
    shared: SharedSheet,
    script: lite.LiteScript,
) -> bytes:
    """The workbook of one party, as the plain writer writes it (``party._book``, embedded)."""
    texts = load_texts()
    frame = _frame(layout, config, region, sheets, lists, shared, script)
    out: dict[str, package.Entry] = {}
    instructions = frame.paths[SHEET_INSTRUCTIONS]
    xml, status_cell = _instructions(frame, lines, texts)
    out[instructions] = package.deflated(instructions, xml.encode("utf-8"))
    last_rows: dict[str, int] = {}
    for sheet in sheets:
        name = frame.paths[sheet.layout.name]
        last_rows[sheet.layout.name] = max(FIRST_DATA_ROW + len(sheet.rows) - 1, HEADER_ROW)
        if sheet.layout.name == SHEET_MONITOR:
            out[name] = replace(shared.entry, name=name)
            continue
        out[name] = _sheet_entry(frame, name, sheet, region, texts)
    meta = frame.paths[SHEET_META]
    out[meta] = package.deflated(meta, _metadata(frame, layout, status_cell).encode("utf-8"))
    book = frame.xml["xl/workbook.xml"]
    for sheet in sheets:
        book = _filter_range(book, sheet, last_rows[sheet.layout.name])
    out["xl/workbook.xml"] = package.deflated("xl/workbook.xml", book.encode("utf-8"))
    out.update((e.name, e) for e in lite.entries(script))
    return package.write(out.get(e.name, e) for e in frame.members)


def _sheet_entry(
    frame: Frame, name: str, sheet: DataSheet, region: Region, texts: Mapping[str, Any]
) -> package.Entry:
    """A data sheet deflated; one that many parties have alike (their new projects, the
    agreements when they own none) is written and compressed once."""
    if sheet.layout.name not in _REPEATED:
        return package.deflated(name, _data_sheet(frame, sheet, region, texts).encode("utf-8"))
    # Within a frame a sheet's rows come from one monitor: its rows are known by their ids.
    key = (
        sheet.layout.name,
        sheet.layout.columns,
        sheet.layout.row_ids,
        len(sheet.rows),
        sheet.editable,
        tuple(sorted(sheet.carried.items())),
    )
    found = frame.sheets.get(key)
    if found is None:
        found = package.deflated(name, _data_sheet(frame, sheet, region, texts).encode("utf-8"))
        if len(frame.sheets) < _CACHED_SHEETS:
            frame.sheets[key] = found
    return found


def _frame(
    layout: WorkbookLayout,
    config: Config,
    region: Region,
    sheets: Sequence[DataSheet],
    lists: Mapping[str, Sequence[str]],
    shared: SharedSheet,
    script: lite.LiteScript,
) -> Frame:
    key = (
        layout.round,
        layout.issued_at,
        tuple((s.layout.name, s.layout.entity, s.layout.columns) for s in sheets),
        tuple((k, tuple(v)) for k, v in lists.items()),
    )
    found = shared.frames.get(key)
    if isinstance(found, Frame):
        return found
    texts = load_texts()
    book, styles = _book(layout, config, region, sheets, (), lists, texts, frame=True)
    members = lite.embed_entries(package.entries(_saved(book)), lite.entries(script))
    paths = {ws.title: ws.path.lstrip("/") for ws in book.worksheets}
    written = [paths[SHEET_INSTRUCTIONS], paths[SHEET_META], "xl/workbook.xml"]
    written += [paths[s.layout.name] for s in sheets if s.layout.name != SHEET_MONITOR]
    by_name = {e.name: e for e in members}
    xml = {name: by_name[name].content().decode("utf-8") for name in written}
    for sheet in sheets:
        if sheet.layout.name != SHEET_MONITOR and (
            "<conditionalFormatting" in xml[paths[sheet.layout.name]]
            or "<dataValidations" in xml[paths[sheet.layout.name]]
        ):
            raise RuntimeError(f"the frame of sheet {sheet.layout.name} has rules")
    frame = Frame(
        members, paths, xml, styles, Worksheet(book), _list_references(lists), shared.cells
    )
    shared.frames[key] = frame
    return frame


# -- parts ------------------------------------------------------------------------------------


def _once(text: str, old: str, new: str) -> str:
    """``text`` with its one ``old`` replaced; the frame must hold it exactly once."""
    if text.count(old) != 1:
        raise RuntimeError(f"unexpected frame: {old!r}")
    return text.replace(old, new, 1)


def _filled(frame_xml: str, dimension: str, rows: str, rules: str = "") -> str:
    """A sheet of the frame with its dimension, rows and rules (validations and conditional
    formats, which come before the page margins)."""
    xml = _once(frame_xml, '<dimension ref="A1:A1" />', f'<dimension ref="{dimension}" />')
    xml = _once(xml, "<sheetData></sheetData>", f"<sheetData>{rows}</sheetData>")
    if rules:
        xml = _once(xml, "<pageMargins ", rules + "<pageMargins ")
    return xml


def _instructions(frame: Frame, lines: Sequence[Line], texts: Mapping[str, Any]) -> tuple[str, str]:
    """The instructions sheet, and where the hand-in choice is."""
    styles = frame.styles
    rows: list[str] = []
    used_rows: list[int] = []
    first_column = False
    status_cell = ""
    validation = ""
    for row, line in enumerate(lines, start=1):
        if line.role == "blank":
            continue
        used_rows.append(row)
        cells = ""
        if first_cell(line):
            first_column = True
            number, value = _first_cell_of(frame, line)
            cells += _inline(f"A{row}", number, value)
        name = styles.get(text_role(line), wrap=True)
        number = styles.quoted[name] if looks_like_formula(line.text) else styles.ids[name]
        cells += _inline(f"B{row}", number, line.text)
        height = float(instruction_height(line))
        rows.append(f'<row r="{row}" ht="{safe_string(height)}" customHeight="1">{cells}</row>')
        if line.role == "status":
            status_cell = f"{SHEET_INSTRUCTIONS}!A{row}"
            made = _validation_xml(frame, ("status",), lambda: status_validation(texts), f"A{row}")
            validation = _validations([made])
    dimension = "A1:A1"
    if used_rows:
        dimension = f"{'A' if first_column else 'B'}{used_rows[0]}:B{used_rows[-1]}"
    xml = _filled(frame.xml[frame.paths[SHEET_INSTRUCTIONS]], dimension, "".join(rows), validation)
    return xml, status_cell


def _first_cell_of(frame: Frame, line: Line) -> tuple[int, str]:
    """The style number and text of the cell left of a line, as ``party._first_cell`` makes it
    (on a cell of no sheet); the same line gives the same cell for every party."""
    key = (line.role, line.label, line.sample, line.sample_text)
    found = frame.first_cells.get(key)
    if found is None:
        cell = Cell(frame.scratch, row=1, column=1)
        _first_cell(cell, frame.styles, line)
        number = style_number(frame.styles.book, style_of(cell))
        if number is None or not isinstance(cell.value, str):
            raise NotDirect(f"the first cell of {line}")
        found = frame.first_cells[key] = (number, cell.value)
    return found


def _metadata(frame: Frame, layout: WorkbookLayout, status_cell: str) -> str:
    quoted = frame.styles.plain_quoted
    rows = []
    widest = 1
    table = metadata(layout, {STATUS_CELL_KEY: status_cell})
    for number, values in enumerate(table, start=1):
        widest = max(widest, len(values))
        if not all(isinstance(v, str) for v in values):
            raise NotDirect("metadata")
        cells = "".join(
            _inline(f"{get_column_letter(i)}{number}", quoted if looks_like_formula(v) else 0, v)
            for i, v in enumerate(values, start=1)
        )
        rows.append(f'<row r="{number}">{cells}</row>')
    dimension = f"A1:{get_column_letter(widest)}{len(table)}" if table else "A1:A1"
    return _filled(frame.xml[frame.paths[SHEET_META]], dimension, "".join(rows))


def _data_sheet(frame: Frame, sheet: DataSheet, region: Region, texts: Mapping[str, Any]) -> str:
    """A data sheet: the frame's headers with the rows, validations and conditional formats."""
    xml = frame.xml[frame.paths[sheet.layout.name]]
    last = get_column_letter(len(sheet.columns))
    last_row = max(FIRST_DATA_ROW + len(sheet.rows) - 1, HEADER_ROW)
    if sheet.editable_cells:
        xml = _once(xml, "<sheetPr>", f'<sheetPr><tabColor rgb="00{YELLOW}" />')
    rules = _conditional_formats(sheet, frame.styles) + _validations(
        _column_validations(frame, sheet, texts)
    )
    if rules:
        xml = _once(xml, "<pageMargins ", rules + "<pageMargins ")
    if not sheet.rows:
        return xml
    xml = _once(
        xml,
        f'<dimension ref="A{GROUP_ROW}:{last}{HEADER_ROW}" />',
        f'<dimension ref="A{GROUP_ROW}:{last}{last_row}" />',
    )
    xml = _once(
        xml,
        f'<autoFilter ref="A{HEADER_ROW}:{last}{HEADER_ROW}" />',
        f'<autoFilter ref="A{HEADER_ROW}:{last}{last_row}" />',
    )
    head, found, tail = xml.partition("</sheetData>")
    if not found:
        raise RuntimeError(f"unexpected frame of sheet {sheet.layout.name}")
    known = None
    if sheet.layout.name == SHEET_OWN:
        known = frame.cells.setdefault((sheet.layout.entity, sheet.layout.columns), {})
    return f"{head}{_data_rows_xml(sheet, frame.styles, region, known)}</sheetData>{tail}"


def _filter_range(book: str, sheet: DataSheet, last_row: int) -> str:
    """workbook.xml with the filter range of a sheet reaching its last row."""
    if last_row == HEADER_ROW:
        return book
    last = get_column_letter(len(sheet.columns))
    title = quote_sheetname(sheet.layout.name)
    start = f">{title}!$A${HEADER_ROW}:${last}$"
    return _once(book, f"{start}{HEADER_ROW}<", f"{start}{last_row}<")


# -- cells ------------------------------------------------------------------------------------


def _inline(ref: str, style: int, value: str) -> str:
    """Text in a cell as openpyxl writes it (see ``party.text_body``); no style when plain."""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled}{text_body(value)[1]}'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- validations ------------------------------------------------------------------------------


def _validations(items: Sequence[str]) -> str:
    return (
        f'<dataValidations count="{len(items)}">{"".join(items)}</dataValidations>' if items else ""
    )


def _validation_xml(
    frame: Frame, key: tuple[Any, ...], make: Callable[[], DataValidation], sqref: str
) -> str:
    """The XML openpyxl writes for a validation, made once per key and given its cells."""
    start = '<dataValidation sqref="A1" '
    xml = frame.validations.get(key)
    if xml is None:
        validation = make()
        validation.add("A1")
        xml = tostring(validation.to_tree()).decode("utf-8")
        if not xml.startswith(start):
            raise RuntimeError("unexpected validation XML")
        frame.validations[key] = xml
    return f'<dataValidation sqref="{sqref}" ' + xml[len(start) :]


def _column_validations(frame: Frame, sheet: DataSheet, texts: Mapping[str, Any]) -> list[str]:
    """What ``party._add_validations`` adds, in its order."""
    words = texts["validation"]
    refs = frame.refs
    out = []
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        carried = {o: c for (o, key), c in sheet.carried.items() if key == column.key}
        for offset, (year, dwellings) in sorted(carried.items()):
            cell = f"{letter}{FIRST_DATA_ROW + offset}"
            validation = _validation(column, words, refs, cell)
            validation.promptTitle = _clip(words["carried_title"].format(year=year), TITLE_LIMIT)
            validation.prompt = _clip(
                words["carried"].format(year=year, dwellings=formatting.number(dwellings)),
                PROMPT_LIMIT,
            )
            validation.add(cell)
            out.append(tostring(validation.to_tree()).decode("utf-8"))
        rows = [r for r in _editable_rows(sheet, column.key) if r - FIRST_DATA_ROW not in carried]
        blocks = row_blocks(rows)
        if not blocks:
            continue
        ranges = [_range(letter, first, last) for first, last in blocks]
        if column.field.type == "year_quarter":
            for (first, _), cell_range in zip(blocks, ranges, strict=True):
                anchor = f"{letter}{first}"
                out.append(
                    _validation_xml(
                        frame,
                        (sheet.layout.name, column.key, anchor),
                        functools.partial(_validation, column, words, refs, anchor),
                        cell_range,
                    )
                )
        else:
            out.append(
                _validation_xml(
                    frame,
                    (sheet.layout.name, column.key),
                    functools.partial(_validation, column, words, refs, None),
                    " ".join(ranges),
                )
            )
    return out


def _range(letter: str, first: int, last: int) -> str:
    """A range of one column as openpyxl writes it: one cell by its own name."""
    return f"{letter}{first}" if first == last else f"{letter}{first}:{letter}{last}"


# -- conditional formats ----------------------------------------------------------------------


def _conditional_formats(sheet: DataSheet, styles: _Styles) -> str:
    """What ``party._add_sum_checks`` and ``_add_stoplight_colours`` add, as openpyxl writes
    them: rules grouped by their cells in the order the cells first came, numbered in the
    order added."""
    groups: dict[str, list[str]] = {}
    count = 0

    def add(cells: Iterable[tuple[int, int, int, int]], rule: str) -> None:
        nonlocal count
        count += 1
        groups.setdefault(_sqref(cells), []).append(rule.replace("@@", str(count), 1))

    positions = {c.key: i for i, c in enumerate(sheet.columns, start=1)}
    letters = {key: get_column_letter(i) for key, i in positions.items()}
    totals = [c.key for c in sheet.columns if "total" in c.field.tags]
    if totals:
        total = totals[0]
        for sums in SUM_RULES:
            parts = sum_parts(sums, list(sheet.columns))
            if not parts:
                continue
            for first, last in row_blocks(_editable_rows(sheet, total)):
                formula = _escape(
                    _sum_formula(
                        letters[total], [letters[k] for k in parts], first, sums.when_filled
                    )
                )
                column = positions[total]
                add([(column, first, column, last)], _expression(styles.dxf[0], formula))
                runs = row_blocks(positions[k] for k in parts)
                add([(a, first, b, last) for a, b in runs], _expression(styles.dxf[1], formula))
    last_row = max(FIRST_DATA_ROW + len(sheet.rows) - 1, FIRST_DATA_ROW)
    for index in stoplight_columns(sheet):
        for number, value in enumerate(STOPLIGHT_COLOURS):
            rule = (
                f'<cfRule type="cellIs" priority="@@" operator="equal" '
                f'dxfId="{styles.dxf[2 + number]}"><formula>"{_escape(value)}"</formula></cfRule>'
            )
            add([(index, FIRST_DATA_ROW, index, last_row)], rule)
    return "".join(
        f'<conditionalFormatting sqref="{cells}">{"".join(rules)}</conditionalFormatting>'
        for cells, rules in groups.items()
    )


def _expression(dxf: int, formula: str) -> str:
    return (
        f'<cfRule type="expression" priority="@@" dxfId="{dxf}"><formula>{formula}</formula>'
        "</cfRule>"
    )


def _sqref(cells: Iterable[tuple[int, int, int, int]]) -> str:
    """Ranges (first column, first row, last column, last row) as openpyxl writes them:
    ordered by column, then row; one cell by its own name."""
    out = []
    for min_col, min_row, max_col, max_row in sorted(set(cells)):
        start = f"{get_column_letter(min_col)}{min_row}"
        end = f"{get_column_letter(max_col)}{max_row}"
        out.append(start if start == end else f"{start}:{end}")
    return " ".join(out)
