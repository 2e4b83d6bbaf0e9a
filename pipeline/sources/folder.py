"""A real region's starting data: its registry and plan list, imported with every problem found.

The source is a folder with a table per kind (``gemeenten``, ``partijen``, ``projecten``, and
optionally ``pijlers`` and ``afspraken``; as CSV or XLSX, English names work too) or one workbook
with a sheet per table. Headers may be the catalogue keys, the labels the workbooks show, or the
region's own names through ``[import.columns]`` in config.toml; values of a list may be written
as the catalogue writes them, by their code (``2A``), in the older five-step list (the
catalogue's ``[aliases]``) or through ``[import.values]``.

Reading never stops at the first problem: every problem of every row becomes a finding with the
file, row, column, value, what is allowed and how to fix it. Only when none blocks is there a
region and a monitor to start from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core import (
    SECTOR_OF_KIND,
    Catalogue,
    Column,
    Config,
    Entity,
    Finding,
    FindingCounts,
    ImportSettings,
    Monitor,
    Municipality,
    Party,
    Pillar,
    Region,
    Round,
    finding,
    messages,
    values,
)
from .tabular import (
    CSV_SUFFIXES,
    WORKBOOK_SUFFIXES,
    Table,
    TableUnreadable,
    WorkbookReader,
    header,
    read_csv,
)

# The tables of a region source and the names their file or sheet may have.
TABLE_NAMES: Mapping[str, tuple[str, ...]] = {
    "municipalities": ("gemeenten", "municipalities"),
    "pillars": ("pijlers", "pillars"),
    "parties": ("partijen", "parties"),
    "projects": ("projecten", "projects", "plannen"),
    "agreements": ("afspraken", "agreements"),
}
REQUIRED_TABLES = ("municipalities", "parties", "projects")
ENTITY_OF_TABLE: Mapping[str, Entity] = {"projects": "project", "agreements": "agreement"}
UNKNOWN_STATUS = "onbekend"
HEADER_SEARCH_ROWS = 10  # how far down a list's header row may start
ZONING = "zoning_status"
YES_WORDS = frozenset({"ja", "j", "yes", "y", "1", "waar", "true", "x"})
NO_WORDS = frozenset({"nee", "n", "no", "0", "onwaar", "false"})


@dataclass(frozen=True)
class RegistryColumn:
    """A column of a registry table (municipalities, pillars, parties): not in the catalogue."""

    key: str
    label: str
    required: bool
    names: tuple[str, ...] = ()


REGISTRY: Mapping[str, tuple[RegistryColumn, ...]] = {
    "municipalities": (
        RegistryColumn("code", "CBS-code", True, ("cbs-code", "gemeentecode", "gm-code")),
        RegistryColumn("name", "Naam", True, ("naam", "gemeente", "gemeentenaam")),
        RegistryColumn("subregion", "Subregio", True, ("subregio", "regio", "deelregio")),
    ),
    "pillars": (
        RegistryColumn("number", "Nummer", True, ("nummer", "nr", "nr.", "pijler")),
        RegistryColumn("name", "Naam", True, ("naam",)),
    ),
    "parties": (
        RegistryColumn("id", "ID", True, ("partij-id", "code")),
        RegistryColumn("name", "Naam", True, ("naam", "partij")),
        RegistryColumn("kind", "Soort partij", True, ("soort", "soort partij", "type")),
        RegistryColumn("sector", "Bloedgroep", False, ("bloedgroep",)),
        RegistryColumn("contact_name", "Contactpersoon", False, ("contactpersoon", "contact")),
        RegistryColumn("contact_email", "E-mail", False, ("e-mail", "email", "e-mailadres")),
        RegistryColumn(
            "municipality_code", "Gemeentecode", False, ("gemeentecode", "cbs-code gemeente")
        ),
        RegistryColumn("pillars", "Tempomaker van pijlers", False, ("pijlers", "tempomaker")),
    ),
}


@dataclass
class ImportResult(FindingCounts):
    """What an import found: the region and monitor (when nothing blocks) and every finding."""

    source: Path
    findings: list[Finding] = field(default_factory=list)
    region: Region | None = None
    monitor: Monitor | None = None
    # Where each imported row came from, for findings of checks run later on the monitor.
    positions: dict[tuple[Entity, str], RowPosition] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RowPosition:
    """One imported row: its table, row number and the column of each key."""

    table: Table
    row: int
    columns: Mapping[str, int]

    def cell(self, key: str) -> str | None:
        index = self.columns.get(key)
        return self.table.cell(index, self.row) if index is not None else None

    def header(self, key: str) -> str | None:
        index = self.columns.get(key)
        return self.table.headers[index] if index is not None else None


def import_region(
    config: Config, source: Path, read_workbook: WorkbookReader | None = None
) -> ImportResult:
    """Read a region source; the result holds a region and monitor only when nothing blocks.

    ``read_workbook`` reads .xlsx tables (the workbook package has it); without it a workbook
    in the source is a finding.
    """
    return _Importer(config, source, read_workbook).run()


class _Importer:
    def __init__(
        self, config: Config, source: Path, read_workbook: WorkbookReader | None = None
    ) -> None:
        self.read_workbook = read_workbook
        self.config = config
        self.catalogue: Catalogue = config.catalogue
        self.round: Round = config.round
        self.settings: ImportSettings = config.import_settings
        self.result = ImportResult(source)

    # -- the steps ----------------------------------------------------------------------------

    def run(self) -> ImportResult:
        tables = self._tables()
        if any(name not in tables for name in REQUIRED_TABLES):
            return self.result
        municipalities = self._municipalities(tables["municipalities"])
        pillars = self._pillars(tables.get("pillars"))
        parties = self._parties(tables["parties"], municipalities, pillars)
        region = Region(self.config.region_name, municipalities, pillars, parties)
        projects = self._rows(tables["projects"], "project", region)
        agreements = (
            self._rows(tables["agreements"], "agreement", region) if "agreements" in tables else []
        )
        if "agreements" not in tables:
            self._add("import-no-agreements", file=self._expected_name("agreements"))
        self.result.counts = {
            "municipalities": len(municipalities),
            "pillars": len(pillars),
            "parties": len(parties),
            "projects": len(projects),
            "agreements": len(agreements),
        }
        if not self.result.blocking:
            self.result.region = region
            self.result.monitor = Monitor.from_records(projects, agreements)
        return self.result

    def _tables(self) -> dict[str, Table]:
        source = self.result.source
        if not source.exists():
            self._add("import-source-missing", file=str(source))
            return {}
        found: dict[str, Table] = {}
        try:
            if source.is_file():
                if source.suffix.lower() not in WORKBOOK_SUFFIXES:
                    self._add("import-source-missing", file=str(source))
                    return {}
                sheets = self._workbook(source)
                for name, aliases in TABLE_NAMES.items():
                    sheet = _pick(sheets, aliases)
                    if sheet is not None:
                        found[name] = sheet
            else:
                for name, aliases in TABLE_NAMES.items():
                    table = self._table_in_folder(source, aliases)
                    if table is not None:
                        found[name] = table
        except TableUnreadable as exc:
            self._add("import-file-unreadable", file=exc.path.name, reason=exc.reason)
            return {}
        for name in REQUIRED_TABLES:
            if name not in found:
                self._add(
                    "import-table-missing",
                    file=str(source),
                    table=self._expected_name(name),
                    names=messages.or_list([f"'{n}'" for n in TABLE_NAMES[name]]),
                )
        return found

    def _table_in_folder(self, folder: Path, aliases: Sequence[str]) -> Table | None:
        files = {p.stem.casefold(): p for p in sorted(folder.iterdir()) if p.is_file()}
        for alias in aliases:
            path = files.get(alias)
            if path is None:
                continue
            suffix = path.suffix.lower()
            if suffix in CSV_SUFFIXES:
                return read_csv(path)
            if suffix in WORKBOOK_SUFFIXES:
                sheets = self._workbook(path)
                return _pick(sheets, aliases) or next(iter(sheets.values()), None)
        return None

    def _workbook(self, path: Path) -> dict[str, Table]:
        if self.read_workbook is None:
            raise TableUnreadable(path, "Excel-werkmappen worden hier niet gelezen; gebruik CSV.")
        return self.read_workbook(path)

    def _expected_name(self, table: str) -> str:
        return TABLE_NAMES[table][0]

    # -- the registry -------------------------------------------------------------------------

    def _registry_rows(
        self, table: Table, name: str
    ) -> list[tuple[int, dict[str, str], dict[str, int]]]:
        columns = REGISTRY[name]
        names = {c.key: (c.key, c.label, *c.names) for c in columns}
        table = self._with_header(table, name, names)
        index = self._map_headers(table, name, names, {c.key for c in columns if c.required})
        if index is None:
            return []
        rows = []
        for number, cells in table.rows:
            record = {}
            for key, position in index.items():
                raw = cells[position] if position < len(cells) else None
                record[key] = "" if raw is None else _text(raw)
            rows.append((number, record, index))
            for column in columns:
                if column.required and column.key in index and not record[column.key]:
                    self._cell(
                        "import-value-missing", table, number, index[column.key], column.label
                    )
        return rows

    def _municipalities(self, table: Table) -> tuple[Municipality, ...]:
        found: dict[str, Municipality] = {}
        first: dict[str, int] = {}
        for number, r, index in self._registry_rows(table, "municipalities"):
            code = r["code"].upper()
            if not code:
                continue
            if not re.fullmatch(r"GM\d{4}", code):
                self._cell(
                    "import-value-invalid",
                    table,
                    number,
                    index["code"],
                    table.headers[index["code"]],
                    value=r["code"],
                    problem="is geen CBS-gemeentecode",
                    allowed="GM en vier cijfers, bijvoorbeeld GM0202",
                )
            if self._duplicate(
                table, number, index["code"], table.headers[index["code"]], code, first
            ):
                continue
            found[code] = Municipality(code, r["name"], r["subregion"])
        return tuple(found.values())

    def _pillars(self, table: Table | None) -> tuple[Pillar, ...]:
        if table is None:
            return ()
        found: dict[str, Pillar] = {}
        first: dict[str, int] = {}
        for number, r, index in self._registry_rows(table, "pillars"):
            key = r["number"]
            if key and not self._duplicate(
                table, number, index["number"], table.headers[index["number"]], key, first
            ):
                found[key] = Pillar(key, r["name"])
        return tuple(found.values())

    def _parties(
        self,
        table: Table,
        municipalities: Sequence[Municipality],
        pillars: Sequence[Pillar],
    ) -> tuple[Party, ...]:
        codes = _lookup((m.code, m.name) for m in municipalities)
        numbers = {p.number for p in pillars}
        found: dict[str, Party] = {}
        first: dict[str, int] = {}
        for number, r, index in self._registry_rows(table, "parties"):
            party_id = r["id"]
            kind = r["kind"].casefold()
            if kind and kind not in SECTOR_OF_KIND:
                self._cell(
                    "import-value-invalid",
                    table,
                    number,
                    index["kind"],
                    table.headers[index["kind"]],
                    value=r["kind"],
                    problem="is geen bekende soort partij",
                    allowed=messages.allowed_text("choice", choices=list(SECTOR_OF_KIND)),
                )
            municipality = None
            if r.get("municipality_code"):
                municipality = codes.get(r["municipality_code"].casefold())
                if municipality is None:
                    self._unknown(
                        table,
                        number,
                        index["municipality_code"],
                        table.headers[index["municipality_code"]],
                        r["municipality_code"],
                        "gemeente",
                        [f"{m.code} ({m.name})" for m in municipalities],
                    )
            elif kind == "gemeente":
                self._cell(
                    "import-municipality-party-without-code",
                    table,
                    number,
                    index.get("municipality_code", index["kind"]),
                    "Gemeentecode",
                    value=r["name"],
                )
            tempo = tuple(p.strip() for p in re.split(r"[;,]", r.get("pillars", "")) if p.strip())
            for pillar in tempo:
                if numbers and pillar not in numbers:  # tempomaker of a pillar not in the region
                    self._unknown(
                        table,
                        number,
                        index["pillars"],
                        table.headers[index["pillars"]],
                        pillar,
                        "pijler",
                        [p.title for p in pillars],
                    )
            if not party_id or self._duplicate(
                table, number, index["id"], table.headers[index["id"]], party_id, first
            ):
                continue
            if kind not in SECTOR_OF_KIND:
                continue
            found[party_id] = Party(
                id=party_id,
                name=r["name"],
                kind=kind,
                sector=r.get("sector", "").casefold() or SECTOR_OF_KIND[kind],
                contact_name=r.get("contact_name", ""),
                contact_email=r.get("contact_email", ""),
                municipality_code=municipality,
                pillars=tempo,
            )
        return tuple(found.values())

    # -- projects and agreements --------------------------------------------------------------

    def _rows(self, table: Table, entity: Entity, region: Region) -> list[dict[str, Any]]:
        columns = self.catalogue.columns(entity, self.round)
        by_key = {c.key: c for c in columns}
        names = {c.key: (c.key, c.label, *_plain_names(c)) for c in columns}
        required = {c.key for c in columns if c.field.required and not _defaulted(c)}
        table_name = "projects" if entity == "project" else "agreements"
        table = self._with_header(table, table_name, names)
        outside = self._years_outside(table, columns) if entity == "project" else {}
        index = self._map_headers(table, table_name, names, required, skip=set(outside))
        if index is None:
            return []
        id_key = columns[0].key
        lists = _region_lookups(region)
        known = _region_names(region)
        records: list[dict[str, Any]] = []
        first: dict[str, int] = {}
        mapped: Counter[tuple[str, str, str]] = Counter()
        for number, cells in table.rows:
            record: dict[str, Any] = {}
            for key, position in index.items():
                column = by_key[key]
                raw = cells[position] if position < len(cells) else None
                record[key] = self._value(
                    table, number, position, column, raw, lists, known, mapped
                )
            for position, target in outside.items():
                self._add_outside(table, number, position, cells, record, by_key[target])
            row_id = record.get(id_key)
            if row_id is None:
                continue  # reported as a missing value
            row_id = str(row_id)
            if self._duplicate(
                table, number, index[id_key], table.headers[index[id_key]], row_id, first
            ):
                continue
            if entity == "project":
                self._project_defaults(record, region, mapped)
            self.result.positions[(entity, row_id)] = RowPosition(table, number, index)
            records.append(record)
        for (key, before, after), count in sorted(mapped.items()):
            self._add(
                "import-value-mapped",
                file=table.where,
                field=table.headers[index[key]] if key in index else by_key[key].label,
                value=before,
                after=after,
                count=count,
            )
        if entity == "project":
            self._outside_summary(table, outside, by_key)
            self._unplanned_summary(table, records)
        return records

    def _years_outside(self, table: Table, columns: Sequence[Column]) -> dict[int, str]:
        """Planning columns of years outside the round's window: their dwellings go to "later"
        (years after it) or "jaar onbekend" (years before it, planned but not completed)."""
        window = {c.year for c in columns if c.year is not None}
        if not window:
            return {}
        later = next(c.key for c in columns if c.is_later)
        unknown = next(c.key for c in columns if c.is_unknown_year)
        found = {}
        for position, text in enumerate(table.headers):
            match = _YEAR_HEADER.match(text)
            if match and int(match[1]) not in window:
                found[position] = later if int(match[1]) > max(window) else unknown
        return found

    def _add_outside(
        self,
        table: Table,
        number: int,
        position: int,
        cells: Sequence[Any],
        record: dict[str, Any],
        column: Column,
    ) -> None:
        raw = cells[position] if position < len(cells) else None
        if values.is_empty(raw):
            return
        amount = parse_number(raw, table.decimal_comma) if isinstance(raw, str) else raw
        if amount is None or values.check(column, amount) is not None:
            self._cell(
                "import-value-invalid",
                table,
                number,
                position,
                table.headers[position],
                value=raw,
                problem=messages.problem_text("not-a-whole-number", {}),
                allowed=messages.allowed_text("whole", column.field.min, column.field.max),
            )
            return
        record[column.key] = (record.get(column.key) or 0) + int(amount)

    def _outside_summary(
        self, table: Table, outside: Mapping[int, str], by_key: Mapping[str, Column]
    ) -> None:
        for target in sorted(set(outside.values())):
            headers = [table.headers[p] for p, t in outside.items() if t == target]
            self._add(
                "import-years-outside-window",
                file=table.where,
                columns=messages.show_list(headers),
                target=by_key[target].label,
            )

    def _value(
        self,
        table: Table,
        number: int,
        position: int,
        column: Column,
        raw: Any,
        lists: Mapping[str, Mapping[str, str]],
        known: Mapping[str, list[str]],
        mapped: Counter[tuple[str, str, str]],
    ) -> Any:
        f = column.field
        label = table.headers[position]
        if values.is_empty(raw):
            if f.required and not _defaulted(column):
                self._cell("import-value-missing", table, number, position, label)
            return None
        if f.choices is not None and f.choices in lists:
            code = lists[f.choices].get(_text(raw).casefold())
            if code is None:
                self._unknown(
                    table, number, position, label, raw, _REFERENCE[f.choices], known[f.choices]
                )
            return code
        candidate = self._normalised(column, raw, table.decimal_comma, mapped)
        choices = self.catalogue.choices(f, {})
        problem = values.check(column, candidate, choices)
        if problem is not None:
            code, details = problem
            self._cell(
                "import-value-invalid",
                table,
                number,
                position,
                label,
                value=raw,
                problem=messages.problem_text(code, details),
                allowed=messages.allowed_text(f.type, f.min, f.max, f.max_length, choices),
            )
            return None
        return values.to_value(column, candidate, choices)

    def _normalised(
        self, column: Column, raw: Any, decimal_comma: bool, mapped: Counter[tuple[str, str, str]]
    ) -> Any:
        """A cell as values.check expects it: numbers as numbers, list values as listed."""
        kind = column.field.type
        if isinstance(raw, dt.datetime) and kind == "date":
            return raw.date()
        if not isinstance(raw, str):
            return raw
        if kind in {"whole", "decimal", "year"}:
            number = parse_number(raw, decimal_comma)
            return raw if number is None else number
        if kind == "yes_no":
            word = raw.strip().casefold()
            return True if word in YES_WORDS else False if word in NO_WORDS else raw
        if kind in {"choice", "multiple_choice"} and column.field.choices:
            choice = self._choice(column.field.choices, raw)
            if choice is not None and choice != raw.strip():
                mapped[(column.key, raw.strip(), choice)] += 1
            return choice if choice is not None else raw
        return raw

    def _choice(self, list_name: str, raw: str) -> str | None:
        """A list value for what the file says: as listed, by its code, or through an alias."""
        allowed = self.catalogue.lists[list_name]
        text = raw.strip()
        folded = text.casefold()
        for value in allowed:
            if value.casefold() == folded:
                return value
        aliases = {
            **{k.casefold(): v for k, v in self.catalogue.aliases.get(list_name, {}).items()},
            **{k.casefold(): v for k, v in self.settings.values.get(list_name, {}).items()},
        }
        if folded in aliases:
            return aliases[folded]
        code = _code(text)
        if code is not None:
            for value in allowed:
                if _code(value) == code:
                    return value
        return None

    def _project_defaults(
        self, record: dict[str, Any], region: Region, mapped: Counter[tuple[str, str, str]]
    ) -> None:
        """What a plan list leaves out and the monitor knows: subregion, unknown status and year."""
        municipality = record.get("municipality")
        if municipality and not record.get("subregion"):
            record["subregion"] = next(
                (m.subregion for m in region.municipalities if m.code == municipality), None
            )
        if ZONING in record and record[ZONING] is None:
            record[ZONING] = UNKNOWN_STATUS
            mapped[(ZONING, "", UNKNOWN_STATUS)] += 1
        if self.settings.reference_date and not record.get("reference_date"):
            record["reference_date"] = self.settings.reference_date
        unplanned = unplanned_dwellings(self.catalogue, self.round, record)
        if unplanned:
            record[self.catalogue.unknown_year_key] = unplanned

    def _unplanned_summary(self, table: Table, records: Sequence[Mapping[str, Any]]) -> None:
        key = self.catalogue.unknown_year_key
        placed = [r for r in records if r.get(key)]
        if placed:
            self._add(
                "import-year-unknown",
                file=table.where,
                count=len(placed),
                projects="1 project" if len(placed) == 1 else f"{len(placed)} projecten",
                dwellings=messages.show_value(sum(int(r[key]) for r in placed)),
            )

    # -- headers ------------------------------------------------------------------------------

    def _with_header(self, table: Table, name: str, names: Mapping[str, Sequence[str]]) -> Table:
        """The table read from its real header row: a list kept in Excel often has a title or
        a blank line above it. The first rows are searched for the one naming most columns."""
        known = {k.casefold() for k in self.settings.columns.get(name, {})}
        known |= {alias.casefold() for aliases in names.values() for alias in aliases}

        def hits(cells: Sequence[Any]) -> int:
            return sum(1 for c in cells if isinstance(c, str) and header(c).casefold() in known)

        best, found = hits(table.headers), None
        for position, (number, cells) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
            if hits(cells) > max(best, 1):
                best, found = hits(cells), (position, number, cells)
        if found is None:
            return table
        position, number, cells = found
        self._add("import-header-row", file=table.where, row=number, skipped=number - 1)
        return replace(
            table,
            headers=tuple(header("" if c is None else str(c)) for c in cells),
            rows=table.rows[position + 1 :],
            header_row=number,
        )

    def _map_headers(
        self,
        table: Table,
        name: str,
        names: Mapping[str, Sequence[str]],
        required: set[str],
        skip: set[int] | None = None,
    ) -> dict[str, int] | None:
        """Column index of each known key; missing required columns are findings. Columns at
        ``skip`` are read apart (planning years outside the round)."""
        own = {k.casefold(): v for k, v in self.settings.columns.get(name, {}).items()}
        accepted = {alias.casefold(): key for key, aliases in names.items() for alias in aliases}
        index: dict[str, int] = {}
        for position, text in enumerate(table.headers):
            if not text or (skip and position in skip):
                continue
            key = own.get(text.casefold()) or accepted.get(text.casefold())
            if key is None or key not in names:
                self._add(
                    "import-column-unknown",
                    file=table.where,
                    sheet=table.sheet,
                    cell=table.cell(position, table.header_row),
                    field=text,
                    table=name,
                )
                continue
            if key in index:
                self._add(
                    "import-column-twice",
                    file=table.where,
                    sheet=table.sheet,
                    cell=table.cell(position, table.header_row),
                    field=text,
                    other=table.headers[index[key]],
                )
                continue
            index[key] = position
        missing = [key for key in names if key in required and key not in index]
        for key in missing:
            self._add(
                "import-column-missing",
                file=table.where,
                sheet=table.sheet,
                field=names[key][1] if len(names[key]) > 1 else key,
                key=key,
                table=name,
                found=messages.show_list(table.headers),
            )
        return None if missing else index

    # -- findings -----------------------------------------------------------------------------

    def _duplicate(
        self, table: Table, number: int, position: int, label: str, key: str, first: dict[str, int]
    ) -> bool:
        if key in first:
            self._cell(
                "import-duplicate-id", table, number, position, label, value=key, first=first[key]
            )
            return True
        first[key] = number
        return False

    def _unknown(
        self,
        table: Table,
        number: int,
        position: int,
        label: str,
        raw: Any,
        what: str,
        known: Sequence[str],
    ) -> None:
        self._cell(
            "import-unknown-reference",
            table,
            number,
            position,
            label,
            value=raw,
            what=what,
            known=messages.show_list(known, limit=8),
        )

    def _cell(
        self, code: str, table: Table, number: int, position: int, label: str, **details: Any
    ) -> None:
        self._add(
            code,
            file=table.where,
            sheet=table.sheet,
            cell=table.cell(position, number),
            field=label,
            row=number,
            column=label,
            **details,
        )

    def _add(self, code: str, **details: Any) -> None:
        self.result.findings.append(finding(code, **details))


# -- helpers ----------------------------------------------------------------------------------

_REFERENCE = {"@municipalities": "gemeente", "@parties": "partij", "@pillars": "pijler"}
_THOUSANDS_DOT = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^-?\d+([.,]\d+)?$")
_YEAR_HEADER = re.compile(r"^(?:planning_|oplevering\s*)?((?:19|20)\d{2})$", re.IGNORECASE)
_CODE = re.compile(r"^\s*(\d[A-Za-z]?)(?:[.\s:)-]|$)")


def parse_number(text: str, decimal_comma: bool) -> int | float | None:
    """A number written as text, Dutch (``1.200``, ``12,5``) or English (``1,200``, ``12.5``)."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma and _THOUSANDS_DOT.match(cleaned):
        cleaned = cleaned.replace(".", "")
    elif not decimal_comma and _THOUSANDS_COMMA.match(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _PLAIN.match(cleaned):
        return None
    number = float(cleaned.replace(",", "."))
    return int(number) if number.is_integer() else number


def unplanned_dwellings(catalogue: Catalogue, round_: Round, record: Mapping[str, Any]) -> int:
    """Dwellings of a plan without any planning: they go to "jaar onbekend", never away."""
    planning = [c.key for c in catalogue.columns("project", round_) if c.field.per_year]
    if any(record.get(key) not in (None, 0) for key in planning):
        return 0
    total = record.get("total_dwellings") or 0
    done = record.get("completed") or 0
    return max(0, int(total) - int(done))


def _plain_names(column: Column) -> tuple[str, ...]:
    """Headers plan lists use for the planning columns: the year alone, "later", "onbekend"."""
    if column.year is not None:
        return (str(column.year),)
    if column.is_later:
        return ("later",)
    if column.is_unknown_year:
        return ("jaar onbekend", "onbekend")
    return ()


def _code(text: str) -> str | None:
    match = _CODE.match(text)
    return match[1].upper() if match else None


def _defaulted(column: Column) -> bool:
    """Required fields the import fills when the file leaves them empty."""
    return column.key == ZONING


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def _lookup(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Code by casefolded code or name."""
    found: dict[str, str] = {}
    for code, name in pairs:
        found.setdefault(name.casefold(), code)
        found[code.casefold()] = code
    return found


def _region_lookups(region: Region) -> dict[str, dict[str, str]]:
    return {
        "@municipalities": _lookup((m.code, m.name) for m in region.municipalities),
        "@parties": _lookup((p.id, p.name) for p in region.parties),
        "@pillars": _lookup(
            [(p.number, p.name) for p in region.pillars]
            + [(p.number, p.title) for p in region.pillars]
        ),
    }


def _region_names(region: Region) -> dict[str, list[str]]:
    """What the registry knows, as a finding lists it: 'GM0202 (Arnhem)'."""
    return {
        "@municipalities": [f"{m.code} ({m.name})" for m in region.municipalities],
        "@parties": [f"{p.id} ({p.name})" for p in region.parties],
        "@pillars": [p.title for p in region.pillars],
    }


def _pick(tables: Mapping[str, Table], aliases: Sequence[str]) -> Table | None:
    by_name = {name.casefold(): table for name, table in tables.items()}
    return next((by_name[a] for a in aliases if a in by_name), None)
