"""Reading region data from CSV files (for a real region's registry and initial monitor)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..core import Catalogue, ConfigError, Entity, Round, parse_text


def read_csv_records(
    path: Path,
    catalogue: Catalogue | None = None,
    entity: Entity | None = None,
    round_: Round | None = None,
) -> list[dict[str, Any]]:
    """Rows of a CSV file as dicts; with a catalogue, values are typed by their columns."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise ConfigError(f"Bestand {path} kan niet worden gelezen: {exc}") from exc
    if catalogue is None or entity is None or round_ is None:
        return [{k: (v or "").strip() for k, v in row.items()} for row in rows]
    columns = {c.key: c for c in catalogue.columns(entity, round_)}
    records = []
    for number, row in enumerate(rows, start=2):
        record: dict[str, Any] = {}
        for key, text in row.items():
            column = columns.get(key)
            if column is None:
                continue
            try:
                record[key] = parse_text(column, text or "", catalogue.choices(column.field, {}))
            except ValueError as exc:
                raise ConfigError(f"{path}, regel {number}, kolom {key}: {exc}") from exc
        records.append(record)
    return records
