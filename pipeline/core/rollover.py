"""Roll-over at the change of year: what was planned for a year that has ended is carried on.

When a round's year ends, the dwellings still planned for that year were not reported as
completed. They are not lost: each project's planning for every year before the next round's
first planning year is added to that first year, and the move is recorded as a :class:`Carry`.
The party sees the carried cells marked in its next workbook ("verschoven uit 2026 —
controleer"), the realism figures count them as slip, and the totals stay what they were:
completed + planned per year + later = total holds before and after.
"""

from __future__ import annotations

import re
from typing import Any

from .catalogue import ENTITIES, Catalogue, Entity
from .monitor import ID_COLUMN, Carry, Monitor


def year_columns(catalogue: Catalogue, entity: Entity, columns: Any) -> dict[str, list[int]]:
    """Per per-year field the years that have a column among ``columns``, in order."""
    out: dict[str, list[int]] = {}
    for f in catalogue.fields(entity):
        if not f.per_year:
            continue
        pattern = re.compile(rf"^{re.escape(f.key)}_(\d{{4}})$")
        out[f.key] = sorted(int(m[1]) for c in columns if (m := pattern.match(str(c))))
    return out


def roll_over(
    monitor: Monitor, catalogue: Catalogue, first_year: int
) -> tuple[Monitor, list[Carry]]:
    """The monitor with every per-year value of a year before ``first_year`` added to
    ``first_year`` (the past year's cell emptied), and the carries made.

    Empty and zero cells carry nothing; a monitor without past years is returned as it is.
    """
    carries: list[Carry] = []
    records: dict[Entity, list[dict[str, Any]]] = {}
    touched = False
    for entity in ENTITIES:
        past = {
            key: [y for y in years if y < first_year]
            for key, years in year_columns(catalogue, entity, monitor.table(entity).columns).items()
        }
        rows = monitor.records(entity)
        records[entity] = rows
        if not any(past.values()):
            continue
        touched = True
        for row in rows:
            for key, years in past.items():
                target = f"{key}_{first_year}"
                for year in years:
                    amount = _count(row.pop(f"{key}_{year}", None))
                    if not amount:
                        continue
                    row[target] = _count(row.get(target)) + amount
                    row_id = str(row[ID_COLUMN[entity]])
                    carries.append(Carry(entity, row_id, key, year, first_year, amount))
    if not touched:
        return monitor, []
    rolled = Monitor.from_records(records["project"], records["agreement"])
    rolled.carried = tuple(carries)
    return rolled, carries


def _count(value: Any) -> int:
    """A number of dwellings from the monitor; empty counts as 0."""
    if value is None or isinstance(value, bool):
        return 0
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0
    return 0 if number != number else round(number)
