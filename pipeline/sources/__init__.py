"""Region sources: where a region's registry and first monitor come from — the synthetic demo
region or a folder of CSV files kept by the secretary.
"""

from __future__ import annotations

from . import demo_region
from .folder import read_region, read_region_folder

__all__ = [
    "demo_region",
    "read_region",
    "read_region_folder",
]
