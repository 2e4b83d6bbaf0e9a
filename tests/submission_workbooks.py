"""Party workbooks built in code by the layout contract, for the reader and feedback tests.

Independent of the workbook writer on purpose: a metadata sheet with ``metadata_rows``, group
row 1, the catalogue labels in row 2 and data from row 3, in ``SheetLayout.columns`` order.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from openpyxl import Workbook

from pipeline.core.config import Config
from pipeline.core.layout import (
    FIRST_DATA_ROW,
    GROUP_ROW,
    HEADER_ROW,
    SHEET_META,
    SHEET_MONITOR,
    SHEET_OWN,
    WorkbookLayout,
    metadata_rows,
    monitor_hash,
    plan,
)
from pipeline.core.values import to_cell
from pipeline.state.database import State

PARTY = "P010"  # Gemeente Nijmegen: many own projects, so realistic sheet sizes

# (sheet, row, column key) -> value to put in the cell after the issued values
Cells = Mapping[tuple[str, int, str], Any]


def issue(
    config: Config, state: State, party: str = PARTY, *, new_rows: int = 25
) -> WorkbookLayout:
    """The plan of one party's workbook for the current round."""
    region = state.region()
    monitor = state.monitor(config.round)
    return plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        region.party(party),
        issued_at="2026-10-01T09:00:00+00:00",
        new_rows=new_rows,
        base_hash=monitor_hash(monitor),
    )


def with_rows(layout: WorkbookLayout, sheet: str, count: int) -> WorkbookLayout:
    """The same plan with ``count`` issued rows on one sheet (ids made up)."""
    sheets = tuple(
        replace(s, row_ids=tuple(f"X{i:04d}" for i in range(count))) if s.name == sheet else s
        for s in layout.sheets
    )
    return replace(layout, sheets=sheets)


def build(
    config: Config,
    state: State | None,
    layout: WorkbookLayout,
    *,
    cells: Cells | None = None,
    protect: bool = True,
    skip_sheets: tuple[str, ...] = (),
) -> bytes:
    """The workbook as a party would send it back, as bytes."""
    monitor = state.monitor(config.round) if state is not None else None
    book = Workbook()
    book.remove(book.active)
    for sheet_layout in layout.sheets:
        if sheet_layout.name in skip_sheets:
            continue
        ws = book.create_sheet(sheet_layout.name)
        columns = {c.key: c for c in config.catalogue.columns(sheet_layout.entity, config.round)}
        for index, key in enumerate(sheet_layout.columns, start=1):
            ws.cell(GROUP_ROW, index, columns[key].field.group)
            ws.cell(HEADER_ROW, index, columns[key].label)
        if monitor is not None and sheet_layout.name == SHEET_OWN:
            view = monitor.view(config.catalogue, config.round, sheet_layout.entity)
            by_id = {str(record["project_id"]): record for record in view.to_dict("records")}
            for offset, row_id in enumerate(sheet_layout.row_ids):
                record = by_id.get(row_id, {})
                for index, key in enumerate(sheet_layout.columns, start=1):
                    ws.cell(FIRST_DATA_ROW + offset, index, to_cell(columns[key], record.get(key)))
                ws.cell(FIRST_DATA_ROW + offset, 1, row_id)
        else:
            for offset, row_id in enumerate(sheet_layout.row_ids):
                ws.cell(FIRST_DATA_ROW + offset, 1, row_id)
        if protect and sheet_layout.name != SHEET_MONITOR:
            ws.protection.sheet = True
    meta = book.create_sheet(SHEET_META)
    for row in metadata_rows(layout.to_metadata()):
        meta.append(row)
    meta.sheet_state = "veryHidden"
    for (sheet, row, key), value in (cells or {}).items():
        column = layout.sheet(sheet).column_index(key)
        cell = book[sheet].cell(row, column)
        cell.value = value
        if isinstance(value, str) and value.startswith("'="):
            cell.value = value[1:]
            cell.data_type = "s"  # text that looks like a formula, as Excel stores it
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
