"""Configuration: ``config.toml`` read once into frozen dataclasses that are passed down.

Defaults are the named constants below; secrets never live here (see ``storage.sharepoint``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import catalogue as catalogue_module
from .catalogue import Catalogue
from .errors import ConfigError
from .rounds import Round
from .timeline import RoundContext, Schedule

DEFAULT_CONFIG = Path("config.toml")
DEFAULT_NEW_PROJECT_ROWS = 25
DEFAULT_MAX_FINDINGS = 500
DEFAULT_MAX_FILE_BYTES = 25_000_000
DEFAULT_MAX_UNCOMPRESSED_BYTES = 300_000_000
# New projects one submission may add; more is one blocking finding (and bounds the reading).
DEFAULT_MAX_NEW_PROJECTS = 200
DEFAULT_PLAN_CAPACITY_NORM = 1.30
# Which indicators each pillar's factsheet shows, by pillar number (see ``indicators``).
DEFAULT_PILLAR_INDICATORS: Mapping[str, tuple[str, ...]] = {
    "1": ("completions", "plan_capacity", "realism"),
    "2": ("affordability",),
    "3": ("circular",),
    "6": ("target_groups",),
}
# Chance that planned dwellings are realised, per zoning status, used when config.toml has no
# [realism] section.
DEFAULT_REALISM: Mapping[str, float] = {
    "1A. Onherroepelijk": 0.95,
    "1B. Onherroepelijk, uitwerkingsplicht": 0.90,
    "1C. Onherroepelijk, wijzigingsbevoegdheid": 0.85,
    "2A. Vastgesteld": 0.85,
    "2B. Vastgesteld, uitwerkingsplicht": 0.80,
    "2C. Vastgesteld, wijzigingsbevoegdheid": 0.75,
    "3. In voorbereiding": 0.60,
    "4A. Visie": 0.40,
    "4B. Optie": 0.25,
}
DEFAULT_REALISM_SOURCE = (
    "gangbare praktijk van Nederlandse planmonitors (planuitval); per regio af te stemmen"
)
DEFAULT_LARGE_PROJECT_DWELLINGS = 500
DEFAULT_SLIP_ATTENTION_QUARTERS = 2
DEFAULT_ATTENTION_LIST_LENGTH = 5
# The landsdelen of the CBS; each member of the landelijke versnellingstafel covers one.
LANDSDELEN = ("Noord-Nederland", "Oost-Nederland", "West-Nederland", "Zuid-Nederland")


@dataclass(frozen=True)
class Paths:
    state: Path
    outputs: Path
    storage: Path

    @property
    def database(self) -> Path:
        return self.state / "planmonitor.sqlite"

    @property
    def archive(self) -> Path:
        return self.state / "archief"


@dataclass(frozen=True)
class StorageSettings:
    backend: str = "local"
    party_folder: str = "Partijen"
    shared_folder: str = "Monitor"
    archive_folder: str = "Archief"


# SharePoint transfers: files above this size go up in chunks of this size; throttled or dropped
# requests are retried this many times, waiting at most this long between attempts.
DEFAULT_SP_CHUNK_BYTES = 4 * 1024 * 1024
DEFAULT_SP_TIMEOUT_SECONDS = 120.0
DEFAULT_SP_MAX_ATTEMPTS = 6
DEFAULT_SP_MAX_DELAY_SECONDS = 60.0
DEFAULT_SP_BUDGET_SECONDS = 900.0  # all waits (throttling, locks) of one run together
DEFAULT_SP_LOCK_WAIT_SECONDS = 60.0  # waiting for one workbook someone has open


@dataclass(frozen=True)
class SharePointSettings:
    site_url: str = ""
    library: str = "Gedeelde documenten"
    auth: str = "certificate"
    tenant: str = ""
    client_id: str = ""
    # Who gets which rights (see docs/sharepoint.md): e-mail addresses, claims or group names.
    secretary: str = ""
    table_group: str = ""
    party_principals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    chunk_bytes: int = DEFAULT_SP_CHUNK_BYTES
    timeout_seconds: float = DEFAULT_SP_TIMEOUT_SECONDS
    max_attempts: int = DEFAULT_SP_MAX_ATTEMPTS
    max_delay_seconds: float = DEFAULT_SP_MAX_DELAY_SECONDS
    budget_seconds: float = DEFAULT_SP_BUDGET_SECONDS
    lock_wait_seconds: float = DEFAULT_SP_LOCK_WAIT_SECONDS
    # What the signed-in identity may do on the site: read, write or manage (docs/sharepoint.md).
    role: str = "write"
    # Optional: the internal name of a choice column of the library (concept / ingeleverd) that
    # parties may use instead of the choice in the workbook; empty: not used.
    hand_in_column: str = ""

    def __post_init__(self) -> None:
        # config.toml gives lists or a single string per party; keep tuples.
        principals = {
            str(party): (value,) if isinstance(value, str) else tuple(str(v) for v in value)
            for party, value in self.party_principals.items()
        }
        object.__setattr__(self, "party_principals", principals)


@dataclass(frozen=True)
class Targets:
    completions: Mapping[int, int] = field(default_factory=dict)
    subregion_share: Mapping[str, float] = field(default_factory=dict)
    affordable_share: float = 2 / 3
    social_rent_share: float = 1 / 3
    plan_capacity_norm: float = DEFAULT_PLAN_CAPACITY_NORM


@dataclass(frozen=True)
class RodeDraden:
    min_projects: int = 5
    min_municipalities: int = 2
    route: Mapping[str, str] = field(default_factory=dict)
    default_route: str = "tafel"


@dataclass(frozen=True)
class ReportSettings:
    """Settings of the reports: which indicators per pillar, and when a project needs attention."""

    pillar_indicators: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_PILLAR_INDICATORS)
    )
    realism_source: str = DEFAULT_REALISM_SOURCE
    large_project_dwellings: int = DEFAULT_LARGE_PROJECT_DWELLINGS
    slip_attention_quarters: int = DEFAULT_SLIP_ATTENTION_QUARTERS
    attention_list_length: int = DEFAULT_ATTENTION_LIST_LENGTH
    # An online background map under the dashboard's map (WMTS tiles in the RD grid), shown
    # only when set and only when the reader is online; the map works without it.
    basemap_url: str = ""
    basemap_attribution: str = ""


@dataclass(frozen=True)
class ImportSettings:
    """How a region's own tables are read at the start (``[import]`` in config.toml).

    ``columns``: per table (``projects``, ``parties``, ...) the region's header and the key it
    stands for; ``values``: per list (``zoning_status``) the region's value and the list value it
    stands for; ``reference_date``: the peildatum of the source, for rows without their own.
    """

    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    reference_date: dt.date | None = None


@dataclass(frozen=True)
class Config:
    """Everything a command needs to know about the region and where things live.

    ``round`` and ``deadline`` are the round this configuration is for (the round in progress,
    once a session is open) and its deadline; :meth:`at` gives the configuration of another
    round. When the rounds take place is the ``schedule``, built from ``[round]`` (the first
    round and its deadline, and ``[round.deadlines]`` for rounds with their own deadline).
    """

    root: Path
    region_name: str
    region_source: str
    seed: int
    round: Round
    deadline: dt.date
    contact_name: str
    contact_email: str
    paths: Paths
    storage: StorageSettings
    sharepoint: SharePointSettings
    catalogue: Catalogue
    new_project_rows: int = DEFAULT_NEW_PROJECT_ROWS
    sheet_password: str = ""
    max_findings_per_file: int = DEFAULT_MAX_FINDINGS
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES
    max_new_projects: int = DEFAULT_MAX_NEW_PROJECTS
    targets: Targets = field(default_factory=Targets)
    price_bounds: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    price_bound_sources: Mapping[int, str] = field(default_factory=dict)
    # Issue a round whose year has no price bounds with the last earlier year's (with a warning).
    earlier_price_bounds: bool = False
    import_settings: ImportSettings = field(default_factory=ImportSettings)
    rode_draden: RodeDraden = field(default_factory=RodeDraden)
    realism: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_REALISM))
    reports: ReportSettings = field(default_factory=ReportSettings)
    landsdeel: str = ""
    deadlines: Mapping[Round, dt.date] = field(default_factory=dict)
    schedule: Schedule | None = None  # built from round, deadline and deadlines when not given

    def __post_init__(self) -> None:
        if self.schedule is None:
            schedule = Schedule(
                self.round, self.deadline, self.deadlines, self.catalogue.planning_years
            )
            object.__setattr__(self, "schedule", schedule)

    @property
    def timeline(self) -> Schedule:
        """When the rounds take place (the schedule, never absent after construction)."""
        assert self.schedule is not None
        return self.schedule

    @property
    def context(self) -> RoundContext:
        """The time model of this configuration's round: deadline, years, comparison."""
        return self.timeline.context(self.round)

    def at(self, round_: Round) -> Config:
        """The configuration for another round: that round, with its deadline."""
        if round_ == self.round:
            return self
        return replace(self, round=round_, deadline=self.timeline.deadline(round_))


def load(path: Path = DEFAULT_CONFIG, **overrides: Any) -> Config:
    """Read ``config.toml``; keyword overrides replace top-level fields (used by tests)."""
    path = path.resolve()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"Configuratiebestand {path} niet gevonden. Start planmonitor in de map met "
            "config.toml, of geef het pad met --config."
        ) from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Configuratiebestand {path} kan niet worden gelezen: {exc}") from exc
    try:
        config = _from_raw(raw, path.parent)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: ongeldige of ontbrekende instelling: {exc}") from exc
    return _replace(config, overrides) if overrides else config


def _from_raw(raw: dict[str, Any], root: Path) -> Config:
    region = raw["region"]
    round_ = raw["round"]
    paths = raw.get("paths", {})
    workbook = raw.get("workbook", {})
    validation = raw.get("validation", {})
    targets = raw.get("targets", {})
    rode = raw.get("rode_draden", {})
    # A region may bring its own catalogue; otherwise the one that comes with planmonitor.
    catalogue_path = (
        root / raw["catalogue"] if "catalogue" in raw else catalogue_module.DEFAULT_PATH
    )
    deadline = _date(round_["deadline"])
    return Config(
        root=root,
        region_name=str(region["name"]),
        region_source=str(region.get("source", "demo")),
        seed=int(region.get("seed", 2026)),
        round=Round.parse(str(round_["current"])),
        deadline=deadline,
        contact_name=str(round_.get("contact_name", "")),
        contact_email=str(round_.get("contact_email", "")),
        paths=Paths(
            state=root / paths.get("state", "var/state"),
            outputs=root / paths.get("outputs", "var/uitvoer"),
            storage=root / paths.get("storage", "var/sharepoint"),
        ),
        storage=StorageSettings(**raw.get("storage", {})),
        sharepoint=SharePointSettings(**raw.get("sharepoint", {})),
        catalogue=catalogue_module.load(catalogue_path),
        new_project_rows=int(workbook.get("new_project_rows", DEFAULT_NEW_PROJECT_ROWS)),
        sheet_password=str(workbook.get("sheet_password", "")),
        earlier_price_bounds=bool(workbook.get("earlier_price_bounds", False)),
        max_findings_per_file=int(validation.get("max_findings_per_file", DEFAULT_MAX_FINDINGS)),
        max_file_bytes=int(validation.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)),
        max_uncompressed_bytes=int(
            validation.get("max_uncompressed_bytes", DEFAULT_MAX_UNCOMPRESSED_BYTES)
        ),
        max_new_projects=int(validation.get("max_new_projects", DEFAULT_MAX_NEW_PROJECTS)),
        targets=Targets(
            completions={int(y): int(n) for y, n in targets.get("completions", {}).items()},
            subregion_share={
                str(k): float(v) for k, v in targets.get("subregion_share", {}).items()
            },
            affordable_share=float(targets.get("affordable_share", 2 / 3)),
            social_rent_share=float(targets.get("social_rent_share", 1 / 3)),
            plan_capacity_norm=float(targets.get("plan_capacity_norm", DEFAULT_PLAN_CAPACITY_NORM)),
        ),
        price_bounds={
            int(year): {str(k): float(v) for k, v in bounds.items() if k != "source"}
            for year, bounds in raw.get("price_bounds", {}).items()
        },
        price_bound_sources={
            int(year): str(bounds["source"])
            for year, bounds in raw.get("price_bounds", {}).items()
            if "source" in bounds
        },
        import_settings=_import_settings(raw.get("import", {})),
        rode_draden=RodeDraden(
            min_projects=int(rode.get("min_projects", 5)),
            min_municipalities=int(rode.get("min_municipalities", 2)),
            route={str(k): str(v) for k, v in rode.get("route", {}).items()},
            default_route=str(rode.get("default_route", "tafel")),
        ),
        realism={str(k): float(v) for k, v in raw.get("realism", {}).items()}
        or dict(DEFAULT_REALISM),
        reports=_report_settings(raw.get("reports", {})),
        deadlines={
            Round.parse(str(name)): _date(value)
            for name, value in round_.get("deadlines", {}).items()
        },
        landsdeel=_landsdeel(region.get("landsdeel", "")),
    )


def _import_settings(raw: dict[str, Any]) -> ImportSettings:
    date = raw.get("peildatum")
    if date is not None and not isinstance(date, dt.date):
        date = dt.date.fromisoformat(str(date))
    return ImportSettings(
        columns={
            str(table): {str(k): str(v) for k, v in names.items()}
            for table, names in raw.get("columns", {}).items()
        },
        values={
            str(name): {str(k): str(v) for k, v in table.items()}
            for name, table in raw.get("values", {}).items()
        },
        reference_date=date,
    )


def price_bounds_for(
    config: Config, year: int, *, earlier: bool = False
) -> tuple[int, Mapping[str, float]]:
    """The price bounds of a year, or (with ``earlier``) of the last configured year before it.

    ConfigError names the year and the way out when there are none.
    """
    if year in config.price_bounds:
        return year, config.price_bounds[year]
    before = [y for y in config.price_bounds if y < year]
    if (earlier or config.earlier_price_bounds) and before:
        return max(before), config.price_bounds[max(before)]
    known = ", ".join(str(y) for y in sorted(config.price_bounds)) or "geen"
    hint = f" of geef --vorige-prijsgrenzen om die van {max(before)} te gebruiken" if before else ""
    raise ConfigError(
        f"In config.toml staan geen prijsgrenzen voor {year} (wel voor: {known}). Zet ze onder "
        f"[price_bounds.{year}] met de bron erbij (zie docs/bronnen.md){hint}."
    )


def _landsdeel(value: object) -> str:
    text = str(value).strip()
    if text and text not in LANDSDELEN:
        raise ValueError(
            f"[region] landsdeel '{text}' is onbekend; kies uit " + ", ".join(LANDSDELEN)
        )
    return text


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _report_settings(raw: dict[str, Any]) -> ReportSettings:
    indicators = raw.get("pillar_indicators")
    return ReportSettings(
        pillar_indicators=(
            {str(k): tuple(str(x) for x in v) for k, v in indicators.items()}
            if indicators is not None
            else dict(DEFAULT_PILLAR_INDICATORS)
        ),
        realism_source=str(raw.get("realism_source", DEFAULT_REALISM_SOURCE)),
        large_project_dwellings=int(
            raw.get("large_project_dwellings", DEFAULT_LARGE_PROJECT_DWELLINGS)
        ),
        slip_attention_quarters=int(
            raw.get("slip_attention_quarters", DEFAULT_SLIP_ATTENTION_QUARTERS)
        ),
        attention_list_length=int(raw.get("attention_list_length", DEFAULT_ATTENTION_LIST_LENGTH)),
        basemap_url=_basemap_url(str(raw.get("basemap_url", ""))),
        basemap_attribution=str(raw.get("basemap_attribution", "")),
    )


def _basemap_url(url: str) -> str:
    if url and not (url.startswith("https://") and all(p in url for p in ("{z}", "{x}", "{y}"))):
        raise ConfigError(
            f"[reports] basemap_url = {url!r} is geen tegeladres: het moet met https:// "
            "beginnen en {z}, {x} en {y} bevatten (tegels in het RD-raster, EPSG:28992)."
        )
    return url


def _replace(config: Config, overrides: Mapping[str, Any]) -> Config:
    # The schedule follows an overridden first round or deadline.
    return replace(config, **{"schedule": None, **overrides})
