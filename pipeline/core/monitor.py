"""The monitor: all project and agreement rows of the region at one moment.

Values are plain Python objects by catalogue type: whole numbers and years ``int``, decimals
``float``, dates ``datetime.date``, year-quarters ``"2027-K2"``, yes/no ``bool``, choices and
text ``str`` (region lists as codes), empty ``None``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .catalogue import Catalogue, Entity
from .rounds import Round

ID_COLUMN: dict[Entity, str] = {"project": "project_id", "agreement": "agreement_id"}


@dataclass(frozen=True)
class Carry:
    """Dwellings of one project moved from a past year into the first planned year."""

    entity: str
    row_id: str
    field: str  # the per-year field, e.g. "planning"
    from_year: int
    to_year: int
    dwellings: int

    @property
    def from_column(self) -> str:
        return f"{self.field}_{self.from_year}"

    @property
    def to_column(self) -> str:
        return f"{self.field}_{self.to_year}"


@dataclass
class Monitor:
    """Projects and agreements, each a DataFrame indexed by its permanent id; ``carried`` says
    which values a roll-over at the change of year moved into this monitor (see ``rollover``).
    Its frames are not changed once it is made (a changed monitor is a new one)."""

    projects: pd.DataFrame
    agreements: pd.DataFrame
    carried: tuple[Carry, ...] = ()
    # each table's records, worked out once (see ``records``), with the table they are of
    _records: dict[str, tuple[pd.DataFrame, tuple[dict[str, Any], ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def carried_cells(self, entity: Entity) -> dict[tuple[str, str], list[Carry]]:
        """Per (row id, column) the carries that landed in that cell."""
        cells: dict[tuple[str, str], list[Carry]] = {}
        for carry in self.carried:
            if carry.entity == entity:
                cells.setdefault((carry.row_id, carry.to_column), []).append(carry)
        return cells

    def table(self, entity: Entity) -> pd.DataFrame:
        return self.projects if entity == "project" else self.agreements

    @classmethod
    def from_records(
        cls, projects: list[dict[str, Any]], agreements: list[dict[str, Any]]
    ) -> Monitor:
        return cls(_frame(projects, "project_id"), _frame(agreements, "agreement_id"))

    def records(self, entity: Entity) -> list[dict[str, Any]]:
        """Rows as dicts with the id included, empty cells as None: new dicts on every call
        (callers change them), worked out from the table once (a run asks for them often)."""
        table = self.table(entity)
        kept = self._records.get(entity)
        if kept is None or kept[0] is not table:
            id_column = ID_COLUMN[entity]
            keys = [str(k) for k in table.columns]
            made = []
            for row_id, values in zip(table.index, plain_rows(table), strict=True):
                record: dict[str, Any] = {id_column: row_id}
                record.update(zip(keys, values, strict=True))
                made.append(record)
            kept = self._records[entity] = (table, tuple(made))
        return [dict(record) for record in kept[1]]

    def view(self, catalogue: Catalogue, round_: Round, entity: Entity) -> pd.DataFrame:
        """The table with exactly the round's catalogue columns, in catalogue order."""
        keys = [c.key for c in catalogue.columns(entity, round_)]
        table = self.table(entity).copy()
        table.insert(0, ID_COLUMN[entity], table.index)
        for key in keys:
            if key not in table.columns:
                table[key] = None
        return table[keys].astype(object).where(table[keys].notna(), None)


def empty_frame(id_column: str) -> pd.DataFrame:
    frame = pd.DataFrame(dtype=object)
    frame.index.name = id_column
    return frame


def _frame(records: list[dict[str, Any]], id_column: str) -> pd.DataFrame:
    if not records:
        return empty_frame(id_column)
    # object from the start: inferring dtypes first would turn whole numbers into floats (12.0)
    # as soon as one row of a column is empty.
    frame = pd.DataFrame(records, dtype=object)
    frame = frame.set_index(id_column)
    return frame.where(frame.notna(), None)


def plain_rows(table: pd.DataFrame) -> list[list[Any]]:
    """The table's rows as lists of its values, every missing marker (NaN, pandas' NA and NaT)
    as None: what ``none_if_missing`` gives per cell, for a whole object table at once."""
    if not all(dtype == object for dtype in table.dtypes):  # noqa: E721  (typed: cell by cell)
        return [list(map(none_if_missing, v)) for v in table.itertuples(index=False, name=None)]
    values = table.to_numpy(copy=True)
    values[table.isna().to_numpy(dtype=bool)] = None
    rows: list[list[Any]] = values.tolist()
    return rows


# Values that are never a missing marker: returned as they are without asking pandas.
_NEVER_MISSING = frozenset({str, int, bool, dt.date, dt.datetime})


def none_if_missing(value: Any) -> Any:
    """The value, or None where it is a missing marker (None, NaN, pandas' NA and NaT)."""
    if value is None or type(value) in _NEVER_MISSING:
        return value
    if type(value) is float:
        return None if value != value else value
    with contextlib.suppress(TypeError, ValueError):  # lists and the like have no NaN
        if pd.isna(value):
            return None
    return value
