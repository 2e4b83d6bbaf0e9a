"""The validation core on plain rows: the same findings as the file path, with no file read."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from party_workbooks import edit, issued

from pipeline.core.config import Config
from pipeline.core.layout import FIRST_DATA_ROW, HEADER_ROW, SHEET_MONITOR, SHEET_NEW, SHEET_OWN
from pipeline.state.database import State
from pipeline.validation import Context, SheetRows, check_rows, held_back, validate
from pipeline.workbook.reader import read_submission


def plain_rows(data: bytes, sheets: list[str], *, protection: bool) -> dict[str, SheetRows]:
    """The sheets as plain rows, read with openpyxl's public API only (independent of the
    reader): values row by row, formulas listed, protection given or not."""
    book = load_workbook(io.BytesIO(data))
    out = {}
    for name in sheets:
        ws = book[name]
        rows: dict[int, list[Any]] = {}
        formulas = set()
        for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
            values = []
            for cell in row:
                if cell.data_type == "f":
                    formulas.add((cell.row, cell.column))
                values.append(cell.value)
            rows[row[0].row] = values
        header = [c.value for c in ws[HEADER_ROW]]
        protected = bool(ws.protection.sheet) if protection else None
        out[name] = SheetRows(header, rows, frozenset(formulas), protected)
    return out


def test_plain_rows_give_the_findings_of_the_file_path(config: Config, state: State) -> None:
    layout, issued_data = issued(config, state)
    new = FIRST_DATA_ROW
    cells = {
        (SHEET_NEW, new, "name"): "Nieuw plan aan de rivier",
        (SHEET_NEW, new, "total_dwellings"): "12O",
        (SHEET_NEW, new, "phase"): "bouwen",
        (SHEET_NEW, new + 1, "name"): "Tweede nieuw plan",
        (SHEET_NEW, new + 1, "completed"): "=1+1",
        (SHEET_NEW, new + 1, "stoplight_explanation"): "'=SOM(A1)",
    }
    data = edit(issued_data, layout, cells, unprotect=[SHEET_NEW])
    result = read_submission(Path("Gemeente Nijmegen.xlsx"), config, data=data)
    assert result.submission is not None
    region = state.region()
    context = Context(
        config.catalogue,
        config.round,
        region,
        region.party(layout.party),
        state.monitor(config.round),
        max_findings=100_000,
    )

    file_validation = validate(result.submission, context)
    expected = file_validation.findings + held_back(
        file_validation, "Gemeente Nijmegen.xlsx", layout.party
    )
    names = [s.name for s in layout.sheets if s.name != SHEET_MONITOR]
    plain = check_rows(
        layout,
        plain_rows(data, names, protection=True),
        context,
        file_name="Gemeente Nijmegen.xlsx",
    )
    key = [(f.code, f.sheet, f.cell, f.message) for f in expected]
    assert [(f.code, f.sheet, f.cell, f.message) for f in plain.findings] == key
    assert {"not-a-whole-number", "formula-not-allowed", "protection-removed", "row-held-back"} <= {
        f.code for f in plain.findings
    }
    assert [(r.row_id, r.values, r.blocked) for r in plain.rows] == [
        (r.row_id, r.values, r.blocked) for r in file_validation.rows
    ]


def test_unknown_protection_is_not_a_finding(config: Config, state: State) -> None:
    layout, issued_data = issued(config, state)
    data = edit(issued_data, layout, {}, unprotect=[SHEET_OWN])
    region = state.region()
    context = Context(
        config.catalogue,
        config.round,
        region,
        region.party(layout.party),
        state.monitor(config.round),
    )
    names = [s.name for s in layout.sheets if s.name != SHEET_MONITOR]
    seen = check_rows(layout, plain_rows(data, names, protection=True), context, file_name="x")
    unseen = check_rows(layout, plain_rows(data, names, protection=False), context, file_name="x")
    assert "protection-removed" in {f.code for f in seen.findings}
    assert unseen.findings == []


def test_a_missing_sheet_or_changed_header_stops_the_check(config: Config, state: State) -> None:
    layout, data = issued(config, state)
    region = state.region()
    context = Context(
        config.catalogue,
        config.round,
        region,
        region.party(layout.party),
        state.monitor(config.round),
    )
    names = [s.name for s in layout.sheets if s.name not in (SHEET_MONITOR, SHEET_NEW)]
    rows = plain_rows(data, names, protection=False)
    rows[SHEET_OWN] = SheetRows(["Iets anders", *rows[SHEET_OWN].header[1:]], rows[SHEET_OWN].rows)
    result = check_rows(layout, rows, context, file_name="x")
    assert [(f.code, f.sheet, f.cell) for f in result.findings] == [
        ("column-changed", SHEET_OWN, "A2"),
        ("sheet-missing", SHEET_NEW, None),
    ]
    assert result.rows == []
