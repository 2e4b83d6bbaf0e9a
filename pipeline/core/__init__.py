"""The core: what every stage shares — the field catalogue, the configuration, the region's
registry, rounds, cell values, the monitor as tables, ownership, the workbook layout contract,
findings and their Dutch messages, and the small helpers for files, time, progress and Dutch
formatting. It imports no other planmonitor package.
"""

from __future__ import annotations

from . import catalogue, config, formatting, layout, messages, values
from .catalogue import (
    ENTITIES,
    LATER,
    NO,
    UNKNOWN_YEAR,
    YES,
    Catalogue,
    Column,
    Entity,
    Field,
    Roles,
)
from .clock import now
from .config import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    DEFAULT_SP_BUDGET_SECONDS,
    DEFAULT_SP_LOCK_WAIT_SECONDS,
    DEFAULT_SP_MAX_ATTEMPTS,
    DEFAULT_SP_MAX_DELAY_SECONDS,
    LANDSDELEN,
    Config,
    ImportSettings,
    RodeDraden,
    SharePointSettings,
    StorageSettings,
    Targets,
    price_bounds_for,
)
from .errors import (
    AuthenticationError,
    ConfigError,
    LockHeld,
    PlanmonitorError,
    RoundError,
    StateError,
    StorageError,
)
from .files import sha256, write_atomic
from .findings import Finding, FindingCounts, blocking, finding
from .formatting import FILTERS, number, percent
from .layout import (
    FIRST_DATA_ROW,
    GROUP_ROW,
    HEADER_ROW,
    SHEET_AGREEMENTS,
    SHEET_INSTRUCTIONS,
    SHEET_LISTS,
    SHEET_META,
    SHEET_MONITOR,
    SHEET_NEW,
    SHEET_OWN,
    SheetLayout,
    WorkbookLayout,
    column_letter,
    metadata_from_rows,
    metadata_rows,
)
from .messages import show_value
from .monitor import ID_COLUMN, Carry, Monitor
from .ownership import owned_columns, owners, owns
from .progress import Progress
from .region import SECTOR_OF_KIND, Municipality, Party, Pillar, Region, tempomakers
from .rollover import roll_over
from .rounds import Round
from .submission import ReadResult, SheetData, Submission
from .timeline import RoundContext, Schedule, round_after_snapshot
from .values import is_empty, looks_like_formula, parse_text, to_cell

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_UNCOMPRESSED_BYTES",
    "DEFAULT_SP_BUDGET_SECONDS",
    "DEFAULT_SP_LOCK_WAIT_SECONDS",
    "DEFAULT_SP_MAX_ATTEMPTS",
    "DEFAULT_SP_MAX_DELAY_SECONDS",
    "ENTITIES",
    "FILTERS",
    "FIRST_DATA_ROW",
    "GROUP_ROW",
    "HEADER_ROW",
    "ID_COLUMN",
    "LANDSDELEN",
    "LATER",
    "NO",
    "SECTOR_OF_KIND",
    "SHEET_AGREEMENTS",
    "SHEET_INSTRUCTIONS",
    "SHEET_LISTS",
    "SHEET_META",
    "SHEET_MONITOR",
    "SHEET_NEW",
    "SHEET_OWN",
    "UNKNOWN_YEAR",
    "YES",
    "AuthenticationError",
    "Carry",
    "Catalogue",
    "Column",
    "Config",
    "ConfigError",
    "Entity",
    "Field",
    "Finding",
    "FindingCounts",
    "ImportSettings",
    "LockHeld",
    "Monitor",
    "Municipality",
    "Party",
    "Pillar",
    "PlanmonitorError",
    "Progress",
    "ReadResult",
    "Region",
    "RodeDraden",
    "Roles",
    "Round",
    "RoundContext",
    "RoundError",
    "Schedule",
    "SharePointSettings",
    "SheetData",
    "SheetLayout",
    "StateError",
    "StorageError",
    "StorageSettings",
    "Submission",
    "Targets",
    "WorkbookLayout",
    "blocking",
    "catalogue",
    "column_letter",
    "config",
    "finding",
    "formatting",
    "is_empty",
    "layout",
    "looks_like_formula",
    "messages",
    "metadata_from_rows",
    "metadata_rows",
    "now",
    "number",
    "owned_columns",
    "owners",
    "owns",
    "parse_text",
    "percent",
    "price_bounds_for",
    "roll_over",
    "round_after_snapshot",
    "sha256",
    "show_value",
    "tempomakers",
    "to_cell",
    "values",
    "write_atomic",
]
