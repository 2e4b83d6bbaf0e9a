"""The field catalogue: one description of every field, read from ``pipeline/workbook_templates``.

The catalogue drives the workbook columns, dropdowns and input messages, the validation schema,
ownership and the report groupings. A field may expand into several workbook columns: one per
planning year (``per_year``) or one per dropdown slot (``slots``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from .errors import ConfigError
from .rounds import Round

Entity = Literal["project", "agreement"]
Capacity = Literal["hard", "soft", "unknown"]
ENTITIES: tuple[Entity, ...] = ("project", "agreement")
FIELD_TYPES = frozenset(
    {
        "whole",
        "decimal",
        "date",
        "year",
        "year_quarter",
        "choice",
        "multiple_choice",
        "text",
        "yes_no",
    }
)
OWNERS = frozenset({"municipality", "initiator", "tempomaker", "secretary"})
# Lists that come from the region rather than from the catalogue.
REGION_LISTS = frozenset({"@municipalities", "@parties", "@pillars"})
LATER = "later"
UNKNOWN_YEAR = "unknown"  # the column of dwellings nobody has placed in a year yet
YES, NO = "ja", "nee"

# The catalogue that comes with planmonitor, as package data (a region may bring its own).
# Relative to the package, not by its name: the in-Excel check imports this module bundled
# under another name (pipeline/workbook/lite.py).
_PACKAGE = __name__.rsplit(".", 2)[0]
DEFAULT_PATH = Path(str(resources.files(_PACKAGE) / "workbook_templates" / "catalogue.toml"))


@dataclass(frozen=True)
class Field:
    """One field of a project or agreement row."""

    key: str
    label: str
    help: str
    type: str
    owner: str
    group: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    choices: str | None = None
    slots: int = 1
    per_year: bool = False
    tags: tuple[str, ...] = ()
    width: int = 12
    role: str | None = None
    private: bool = False


@dataclass(frozen=True)
class Column:
    """One workbook column: a field, or one year or slot of a field that expands."""

    key: str
    label: str
    field: Field
    year: int | None = None
    slot: int | None = None

    @property
    def is_later(self) -> bool:
        return self.field.per_year and self.key.endswith(f"_{LATER}")

    @property
    def is_unknown_year(self) -> bool:
        return self.field.per_year and self.key.endswith(f"_{UNKNOWN_YEAR}")


# What the code finds fields by, per entity: ownership, the merge, the reports. The catalogue
# names the field of each role once, so no module hard-codes a field key.
ROLES: Mapping[Entity, tuple[str, ...]] = {
    "project": ("name", "municipality", "subregion", "initiator", "withdrawn"),
    "agreement": ("pillar",),
}


@dataclass(frozen=True)
class Roles:
    """The keys of the fields the code needs by role (``roles.initiator`` is the key of the
    field naming a project's initiator)."""

    name: str
    municipality: str
    subregion: str
    initiator: str
    withdrawn: str
    pillar: str


@dataclass(frozen=True)
class Catalogue:
    """All fields of project and agreement rows, and the fixed lists of allowed values."""

    version: str
    planning_years: int
    lists: Mapping[str, tuple[str, ...]]
    project: tuple[Field, ...]
    agreement: tuple[Field, ...]
    roles: Roles
    # Other spellings of list values, accepted when a region's data is imported.
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    _by_key: Mapping[str, Field] = field(default_factory=dict, repr=False, compare=False)

    def fields(self, entity: Entity) -> tuple[Field, ...]:
        return self.project if entity == "project" else self.agreement

    def field(self, entity: Entity, key: str) -> Field:
        return self._by_key[f"{entity}.{key}"]

    def tagged(self, tag: str, entity: Entity = "project") -> tuple[Field, ...]:
        return tuple(f for f in self.fields(entity) if tag in f.tags)

    def columns(self, entity: Entity, round_: Round) -> list[Column]:
        """The workbook columns of an entity in a round, in order."""
        columns: list[Column] = []
        for f in self.fields(entity):
            if f.per_year:
                for year in round_.planning_years(self.planning_years):
                    columns.append(Column(f"{f.key}_{year}", f"{f.label} {year}", f, year=year))
                columns.append(Column(f"{f.key}_{LATER}", f"{f.label} later", f))
                columns.append(Column(f"{f.key}_{UNKNOWN_YEAR}", f"{f.label} jaar onbekend", f))
            elif f.type == "multiple_choice":
                for slot in range(1, f.slots + 1):
                    columns.append(Column(f"{f.key}_{slot}", f"{f.label} {slot}", f, slot=slot))
            else:
                columns.append(Column(f.key, f.label, f))
        return columns

    def choices(self, f: Field, region_lists: Mapping[str, list[str]]) -> list[str]:
        """The allowed values of a choice field; region lists come from the party registry."""
        if f.type == "yes_no":
            return [YES, NO]
        if f.choices is None:
            return []
        if f.choices in REGION_LISTS:
            return list(region_lists.get(f.choices, []))
        return list(self.lists[f.choices])

    @property
    def hard_zoning_statuses(self) -> tuple[str, ...]:
        return self.lists["hard_zoning_status"]

    @property
    def soft_zoning_statuses(self) -> tuple[str, ...]:
        return self.lists.get("soft_zoning_status", ())

    def capacity_of(self, status: object) -> Capacity:
        """Hard or soft plan capacity, or unknown: a status in neither list (onbekend, empty)."""
        if status in self.hard_zoning_statuses:
            return "hard"
        if status in self.soft_zoning_statuses:
            return "soft"
        return "unknown"

    @property
    def unknown_year_key(self) -> str:
        """The column of dwellings without a planned year ("jaar onbekend")."""
        planning = next(f for f in self.project if "planning" in f.tags and f.per_year)
        return f"{planning.key}_{UNKNOWN_YEAR}"


def load(path: Path = DEFAULT_PATH) -> Catalogue:
    """Read and check the catalogue file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"De veldcatalogus {path} kan niet worden gelezen: {exc}") from exc
    lists = {name: tuple(values) for name, values in raw.get("lists", {}).items()}
    by_key: dict[str, Field] = {}
    parsed: dict[str, tuple[Field, ...]] = {}
    for entity in ENTITIES:
        fields = []
        for spec in raw.get(entity, []):
            f = _field_from(spec, lists, path)
            name = f"{entity}.{f.key}"
            if name in by_key:
                raise ConfigError(f"{path}: veld '{f.key}' staat twee keer in de catalogus.")
            by_key[name] = f
            fields.append(f)
        parsed[entity] = tuple(fields)
    aliases = _aliases(raw.get("aliases", {}), lists, path)
    return Catalogue(
        version=str(raw["version"]),
        roles=_roles(parsed, path),
        planning_years=int(raw.get("planning_years", 8)),
        lists=lists,
        project=parsed["project"],
        agreement=parsed["agreement"],
        aliases=aliases,
        _by_key=by_key,
    )


def _aliases(
    raw: Mapping[str, Mapping[str, str]], lists: Mapping[str, tuple[str, ...]], path: Path
) -> dict[str, dict[str, str]]:
    """Alias tables by list; every alias must name a value of its list."""
    aliases: dict[str, dict[str, str]] = {}
    for name, table in raw.items():
        if name not in lists:
            raise ConfigError(f"{path}: [aliases.{name}] hoort bij geen lijst in [lists].")
        wrong = [str(v) for v in table.values() if v not in lists[name]]
        if wrong:
            raise ConfigError(
                f"{path}: [aliases.{name}] verwijst naar waarden die niet in de lijst staan: "
                + ", ".join(wrong)
                + "."
            )
        aliases[name] = {str(k): str(v) for k, v in table.items()}
    return aliases


def _roles(parsed: Mapping[str, tuple[Field, ...]], path: Path) -> Roles:
    keys: dict[str, str] = {}
    for entity, names in ROLES.items():
        for name in names:
            found = [f.key for f in parsed[entity] if f.role == name]
            if len(found) != 1:
                raise ConfigError(
                    f"{path}: de rol '{name}' moet bij precies één veld van {entity} staan "
                    f"(nu: {', '.join(found) or 'geen'})."
                )
            keys[name] = found[0]
    return Roles(**keys)


def _field_from(spec: dict[str, object], lists: Mapping[str, object], path: Path) -> Field:
    try:
        f = Field(
            key=str(spec["key"]),
            label=str(spec["label"]),
            help=str(spec.get("help", "")),
            type=str(spec["type"]),
            owner=str(spec["owner"]),
            group=str(spec.get("group", "")),
            required=bool(spec.get("required", False)),
            min=_number(spec.get("min")),
            max=_number(spec.get("max")),
            max_length=int(spec["max_length"]) if "max_length" in spec else None,  # type: ignore[call-overload]
            choices=str(spec["choices"]) if "choices" in spec else None,
            slots=int(spec.get("slots", 1)),  # type: ignore[call-overload]
            per_year=bool(spec.get("per_year", False)),
            tags=tuple(spec.get("tags", ())),  # type: ignore[arg-type]
            width=int(spec.get("width", 12)),  # type: ignore[call-overload]
            private=bool(spec.get("private", False)),
            role=str(spec["role"]) if "role" in spec else None,
        )
    except KeyError as exc:
        raise ConfigError(f"{path}: een veld mist de sleutel {exc}.") from exc
    problems = []
    if f.type not in FIELD_TYPES:
        problems.append(f"onbekend type '{f.type}'")
    if f.owner not in OWNERS:
        problems.append(f"onbekende eigenaar '{f.owner}'")
    if f.type in {"choice", "multiple_choice"} and (
        f.choices is None or (f.choices not in REGION_LISTS and f.choices not in lists)
    ):
        problems.append(f"onbekende keuzelijst '{f.choices}'")
    if len(f.help) > 255:
        problems.append("helptekst langer dan 255 tekens (Excel toont die niet)")
    if problems:
        raise ConfigError(f"{path}: veld '{f.key}': " + "; ".join(problems) + ".")
    return f


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
