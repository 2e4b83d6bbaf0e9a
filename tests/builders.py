"""Builders for tests: a submission as a party's workbook would give it, made in code."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.core.config import Config
from pipeline.core.layout import FIRST_DATA_ROW, SHEET_AGREEMENTS, SHEET_NEW, SHEET_OWN, plan
from pipeline.core.monitor import Monitor
from pipeline.core.region import Region
from pipeline.core.submission import SheetData, Submission
from pipeline.state.database import State
from pipeline.validation.schema import Context
from pipeline.workbook.party import shown_value


def shown(config: Config, region: Region, entity: str, record: dict[str, Any]) -> dict[str, Any]:
    """A state record as its cells show it: names for region lists, ja/nee for yes/no."""
    columns = config.catalogue.columns(entity, config.round)  # type: ignore[arg-type]
    return {c.key: shown_value(c, record.get(c.key), region) for c in columns}


def issued_submission(config: Config, state: State, party_id: str) -> tuple[Submission, Context]:
    """The submission a party returns without changing anything, and its validation context."""
    region = state.region()
    monitor: Monitor = state.monitor(config.round)
    party = region.party(party_id)
    layout = plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        party,
        issued_at="2026-11-25T00:00:00",
        new_rows=config.new_project_rows,
        base_hash="x",
    )
    sheets = {}
    for name in (SHEET_OWN, SHEET_NEW, SHEET_AGREEMENTS):
        sheet = layout.sheet(name)
        table = monitor.table(sheet.entity)
        rows = []
        for row_id in sheet.row_ids:
            record = table.loc[row_id].to_dict()
            record["project_id" if sheet.entity == "project" else "agreement_id"] = row_id
            record = {k: (None if _missing(v) else v) for k, v in record.items()}
            cells = shown(config, region, sheet.entity, record)
            rows.append([cells.get(k) for k in sheet.columns])
        frame = pd.DataFrame(
            rows,
            columns=list(sheet.columns),
            dtype=object,
            index=range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(rows)),
        )
        sheets[name] = SheetData(sheet, frame)
    submission = Submission(f"{party_id}.xlsx", "0" * 64, layout, sheets)
    context = Context(config.catalogue, config.round, region, party, monitor)
    return submission, context


def set_cell(submission: Submission, sheet: str, row_id: str, key: str, value: Any) -> int:
    """Change a cell of an issued row; returns its Excel row."""
    data = submission.sheets[sheet]
    id_key = "project_id" if data.layout.entity == "project" else "agreement_id"
    matches = data.values.index[data.values[id_key] == row_id]
    data.values.at[matches[0], key] = value
    return int(matches[0])


def add_new_project(submission: Submission, cells: dict[str, Any]) -> int:
    data = submission.sheets[SHEET_NEW]
    row = FIRST_DATA_ROW + len(data.values)
    data.values.loc[row] = [cells.get(k) for k in data.layout.columns]
    return row


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
