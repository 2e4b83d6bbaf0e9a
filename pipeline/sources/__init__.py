"""Region sources: where a region's registry and first monitor come from — the synthetic demo
region, or the tables a real region brings along (CSV files or workbook sheets), imported with
every problem reported at once.
"""

from __future__ import annotations

from . import demo_region
from .folder import ImportResult, RowPosition, import_region, parse_number
from .starter import write_starter
from .tabular import Table, TableUnreadable, WorkbookReader, header, read_csv

__all__ = [
    "ImportResult",
    "RowPosition",
    "Table",
    "TableUnreadable",
    "WorkbookReader",
    "demo_region",
    "header",
    "import_region",
    "parse_number",
    "read_csv",
    "write_starter",
]
