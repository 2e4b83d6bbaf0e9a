"""The shape of a party workbook: which sheets, rows and columns, shared by writer and reader.

The writer (``workbook``) lays a party's workbook out by this plan and stores the plan in a
very-hidden metadata sheet; the reader (``reader``) reads a submission back by the same plan, so
a catalogue change between rounds never misreads an older workbook.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .catalogue import Catalogue, Column, Entity
from .monitor import Monitor
from .ownership import is_party_row
from .region import Party, Region
from .rounds import Round

TOOL = "planmonitor"
LAYOUT_VERSION = 1

SHEET_INSTRUCTIONS = "Toelichting"
SHEET_OWN = "Mijn projecten"
SHEET_NEW = "Nieuwe projecten"
SHEET_AGREEMENTS = "Afspraken"
SHEET_MONITOR = "Regiomonitor"
SHEET_LISTS = "Lijsten"
SHEET_META = "planmonitor"

# The hand-in signal: a choice the party makes on the instructions sheet. Excel on the web saves
# all the time, so a saved workbook is not yet a submission; only "ingeleverd" is.
DRAFT = "concept"
HANDED_IN = "ingeleverd"
HAND_IN_CHOICES = (DRAFT, HANDED_IN)
STATUS_CELL_KEY = "status_cell"  # metadata key: where the choice is, e.g. "Toelichting!A4"

GROUP_ROW = 1  # the group headings (merged over their columns)
HEADER_ROW = 2  # the column labels
FIRST_DATA_ROW = 3

# Columns a party never fills in for a new project: the secretary sets them in the merge.
_NEW_PROJECT_SKIP = {"project_id", "subregion", "initiator", "acceleration_site", "large_scale"}


@dataclass(frozen=True)
class SheetLayout:
    """One data sheet: its entity, column keys in order, and the ids of its rows in order."""

    name: str
    entity: Entity
    columns: tuple[str, ...]
    row_ids: tuple[str, ...] = ()
    new_rows: int = 0

    def column_index(self, key: str) -> int:
        """1-based column number of a key."""
        return self.columns.index(key) + 1

    def as_dict(self) -> dict[str, Any]:
        """The fields by name, in field order: ``dataclasses.asdict`` without its deep copy of
        every row id (a workbook's plan is written four times per party when issuing)."""
        return {
            "name": self.name,
            "entity": self.entity,
            "columns": self.columns,
            "row_ids": self.row_ids,
            "new_rows": self.new_rows,
        }


@dataclass(frozen=True)
class WorkbookLayout:
    """The plan of one party's workbook for one round."""

    party: str
    party_name: str
    round: str
    catalogue_version: str
    issued_at: str
    sheets: tuple[SheetLayout, ...]
    base_hash: str = ""
    tool: str = TOOL
    layout_version: int = LAYOUT_VERSION
    extra: dict[str, str] = field(default_factory=dict)

    def sheet(self, name: str) -> SheetLayout:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    @cached_property
    def fingerprint(self) -> str:
        """Identifies exactly what was issued: party, round, catalogue, rows and base monitor."""
        plain = {
            "party": self.party,
            "party_name": self.party_name,
            "round": self.round,
            "catalogue_version": self.catalogue_version,
            "sheets": [s.as_dict() for s in self.sheets],
            "base_hash": self.base_hash,
            "tool": self.tool,
            "layout_version": self.layout_version,
        }
        payload = json.dumps(plain, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def to_metadata(self) -> dict[str, str]:
        """Key-value pairs for the very-hidden metadata sheet."""
        data = {
            "tool": self.tool,
            "layout_version": str(self.layout_version),
            "party": self.party,
            "party_name": self.party_name,
            "round": self.round,
            "catalogue_version": self.catalogue_version,
            "issued_at": self.issued_at,
            "base_hash": self.base_hash,
            "fingerprint": self.fingerprint,
            "sheets": json.dumps([s.as_dict() for s in self.sheets], ensure_ascii=False),
        }
        data.update(self.extra)
        return data

    def to_record(self) -> str:
        """The plan as the issue record keeps it: JSON, without the moment of issue."""
        data = {k: v for k, v in self.to_metadata().items() if k not in {"issued_at"}}
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_record(cls, text: str) -> WorkbookLayout:
        return cls.from_metadata(json.loads(text))

    def differences(self, other: WorkbookLayout) -> list[tuple[str, str]]:
        """What differs from ``other``, as (part, sheet) pairs; empty when the plans are equal."""
        found = [
            (part, "")
            for part in ("party", "party_name", "round", "catalogue_version", "base_hash")
            if getattr(self, part) != getattr(other, part)
        ]
        if self.layout_version != other.layout_version:
            found.append(("layout_version", ""))
        mine = {s.name: s for s in self.sheets}
        theirs = {s.name: s for s in other.sheets}
        for name, sheet in theirs.items():
            if name not in mine:
                found.append(("sheet-missing", name))
                continue
            found.extend(
                (part, name)
                for part in ("entity", "columns", "row_ids", "new_rows")
                if getattr(mine[name], part) != getattr(sheet, part)
            )
        found.extend(("sheet-extra", name) for name in mine if name not in theirs)
        return found

    @classmethod
    def from_metadata(cls, data: dict[str, str]) -> WorkbookLayout:
        """The plan back from the metadata sheet; KeyError or ValueError when it is not ours."""
        if data.get("tool") != TOOL:
            raise ValueError("not a planmonitor workbook")
        sheets = tuple(
            SheetLayout(
                s["name"],
                s["entity"],
                tuple(s["columns"]),
                tuple(s["row_ids"]),
                int(s.get("new_rows", 0)),
            )
            for s in json.loads(data["sheets"])
        )
        return cls(
            party=data["party"],
            party_name=data.get("party_name", ""),
            round=data["round"],
            catalogue_version=data["catalogue_version"],
            issued_at=data.get("issued_at", ""),
            sheets=sheets,
            base_hash=data.get("base_hash", ""),
            layout_version=int(data.get("layout_version", LAYOUT_VERSION)),
        )


def new_project_columns(catalogue: Catalogue, round_: Round, party: Party) -> list[Column]:
    """The columns a party fills in for a project it adds."""
    return [
        c
        for c in catalogue.columns("project", round_)
        if c.key not in _NEW_PROJECT_SKIP
        and (c.field.owner != "municipality" or party.is_municipality)
    ]


def plan(
    catalogue: Catalogue,
    round_: Round,
    region: Region,
    monitor: Monitor,
    party: Party,
    *,
    issued_at: str,
    new_rows: int,
    base_hash: str,
    projects: Sequence[Mapping[str, Any]] | None = None,
) -> WorkbookLayout:
    """Lay out the workbook of one party; ``projects`` are the monitor's project records when
    the caller already has them (one list for all parties of a run)."""
    project_columns = tuple(c.key for c in catalogue.columns("project", round_))
    agreement_columns = tuple(c.key for c in catalogue.columns("agreement", round_))
    records = monitor.records("project") if projects is None else projects
    own = tuple(
        r["project_id"] for r in records if is_party_row(party, "project", r, catalogue.roles)
    )
    sheets = (
        SheetLayout(SHEET_OWN, "project", project_columns, own),
        SheetLayout(
            SHEET_NEW,
            "project",
            tuple(c.key for c in new_project_columns(catalogue, round_, party)),
            new_rows=new_rows,
        ),
        SheetLayout(
            SHEET_AGREEMENTS,
            "agreement",
            agreement_columns,
            tuple(str(i) for i in monitor.agreements.index),
        ),
        # Read-only for everyone and never read back, so its rows are not part of the plan.
        SheetLayout(SHEET_MONITOR, "project", project_columns),
    )
    return WorkbookLayout(
        party=party.id,
        party_name=party.name,
        round=str(round_),
        catalogue_version=catalogue.version,
        issued_at=issued_at,
        sheets=sheets,
        base_hash=base_hash,
    )


def monitor_hash(monitor: Monitor) -> str:
    """A stable hash of the monitor's content, to tie an issued workbook to its base."""
    digest = hashlib.sha256()
    for entity in ("project", "agreement"):
        for record in monitor.records(entity):  # type: ignore[arg-type]
            digest.update(
                json.dumps(record, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8")
            )
    return digest.hexdigest()


# The metadata sheet holds one key per row: the key in column A, the value in column B, and
# values longer than one Excel cell allows continued in columns C, D, ...
METADATA_CHUNK = 30_000


def metadata_rows(data: dict[str, str]) -> list[list[str]]:
    """Rows for the metadata sheet."""
    rows = []
    for key, value in data.items():
        chunks = [value[i : i + METADATA_CHUNK] for i in range(0, len(value), METADATA_CHUNK)]
        rows.append([key, *(chunks or [""])])
    return rows


def metadata_from_rows(rows: list[list[Any]]) -> dict[str, str]:
    """The key-value pairs back from the metadata sheet's rows."""
    data = {}
    for row in rows:
        if row and isinstance(row[0], str) and row[0]:
            data[row[0]] = "".join(str(v) for v in row[1:] if v is not None)
    return data


def column_letter(index: int) -> str:
    """Excel column letters of a 1-based column number: 1 → A, 28 → AB."""
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
