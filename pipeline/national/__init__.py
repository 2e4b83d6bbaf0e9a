"""The national side: the regions' open exports read, checked and rolled up for the landelijke
versnellingstafel (totals per landsdeel, bottlenecks across regions, regions that differ), its
progress note and dashboard, and a generator of synthetic regions to try it at scale.
"""

from __future__ import annotations

from .exports import ExportRefused, RegionExport, find_exports, read_export, read_exports
from .generator import GeneratedRegion, generate_regions
from .overview import NationalSummary, build_national
from .rollup import NationalRollup, roll_up

__all__ = [
    "ExportRefused",
    "GeneratedRegion",
    "NationalRollup",
    "NationalSummary",
    "RegionExport",
    "build_national",
    "find_exports",
    "generate_regions",
    "read_export",
    "read_exports",
    "roll_up",
]
