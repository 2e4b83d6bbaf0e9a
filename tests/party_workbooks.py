"""Real issued party workbooks (the writer's own output), filled in as a party would in Excel.

Edits go through openpyxl with cells found by the layout; the xlwings Lite parts that openpyxl
drops are carried over, as Excel keeps them.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import load_workbook

from pipeline.core.config import Config
from pipeline.core.layout import WorkbookLayout, monitor_hash, plan
from pipeline.state.database import IssueRecord, State
from pipeline.workbook.party import write_party_workbook

PARTY = "P010"  # Gemeente Nijmegen: many own projects

# (sheet, Excel row, column key) -> the value the party leaves in the cell
Cells = Mapping[tuple[str, int, str], Any]


def issued(config: Config, state: State, party: str = PARTY) -> tuple[WorkbookLayout, bytes]:
    """The plan and the workbook of one party, as ``planmonitor issue`` writes and records them
    (so that the check knows the workbook by its fingerprint)."""
    region = state.region()
    monitor = state.monitor(config.round)
    layout = plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        region.party(party),
        issued_at="2026-10-01T09:00:00+00:00",
        new_rows=config.new_project_rows,
        base_hash=monitor_hash(monitor),
    )
    data = write_party_workbook(layout, config, region, monitor)
    with state.transaction():
        state.record_layout(layout)
        state.record_issue(
            IssueRecord(
                layout.round,
                party,
                layout.fingerprint,
                f"Planmonitor {layout.round} - {party}.xlsx",
                hashlib.sha256(data).hexdigest(),
                layout.issued_at,
            )
        )
    return layout, data


def edit(
    data: bytes, layout: WorkbookLayout, cells: Cells, *, unprotect: Iterable[str] = ()
) -> bytes:
    """The workbook with cells changed (a text starting with "'=" kept as text, as Excel does)."""
    book = load_workbook(io.BytesIO(data))
    for (sheet, row, key), value in cells.items():
        cell = book[sheet].cell(row, layout.sheet(sheet).column_index(key))
        if isinstance(value, str) and value.startswith("'="):
            cell.value = value[1:]
            cell.data_type = "s"
            cell.quotePrefix = True
        else:
            cell.value = value
    for sheet in unprotect:
        book[sheet].protection.sheet = False
    out = io.BytesIO()
    book.save(out)
    return _carried(data, out.getvalue())


def _carried(original: bytes, resaved: bytes) -> bytes:
    try:
        from pipeline.workbook.lite import carry
    except ImportError:  # before the in-Excel check exists
        return resaved
    return carry(original, resaved)
