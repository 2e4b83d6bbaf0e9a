"""The data of the digital dashboard: every project with its contribution to each goal, the map,
and the agreements, as JSON embedded in one self-contained HTML page (see
``reporting/templates/dashboard.html.j2``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core import Config
from ..sources import demo_region
from . import indicators as ind
from . import planmap

if TYPE_CHECKING:
    from .render import Report

# Characters that could end the <script> element or break a JavaScript string literal.
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def to_script_json(value: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``</script>`` can end
    the element early, whatever a party typed in a project name."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for character, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(character, escaped)
    return text


def _value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def data(report: Report) -> dict[str, Any]:
    """Projects, lists for the filters and the targets, in short keys to keep the page small."""
    config = report.config
    fields = ind.ProjectFields.from_catalogue(config.catalogue)
    projects = report.current.projects
    years = list(report.years) or ind.planning_years(projects, fields)
    subregion_of = {m.code: m.subregion for m in report.region.municipalities}
    computed = (
        pd.DataFrame(
            {
                "total": ind.numbers(projects, fields.total),
                "done": ind.numbers(projects, fields.completed),
                "to_build": ind.remaining(projects, fields),
                "aff": ind.summed(projects, fields.affordable),
                "seg": ind.summed(projects, fields.segments),
                "soc": ind.summed(projects, fields.social_rent),
                "tgd": ind.numbers(projects, fields.target_group_dwellings),
                "later": ind.numbers(projects, ind.later_column(fields)),
                "unk": ind.numbers(projects, fields.unknown_year),
                **{f"plan{y}": ind.numbers(projects, f"{fields.planning}_{y}") for y in years},
            }
        )
        .round()
        .astype(int)
        .to_dict("index")
    )
    flagged = pd.DataFrame(
        {
            "w": ind.flags(projects, fields.withdrawn),
            "circ": ind.flags(projects, fields.circular),
            "large": ind.flags(projects, fields.large_scale),
            "acc": ind.flags(projects, fields.acceleration_site),
        }
    ).to_dict("index")
    points = planmap.points(projects, fields)
    located = {p.id: (round(p.x), round(p.y)) for p in points}
    areas, areas_source = region_areas(config)
    rows = []
    for pid, row in ind.records(projects).items():
        slip = report.realism.slips.get(str(pid))
        numbers, flags = computed[pid], flagged[pid]
        municipality = str(row.get(ind.MUNICIPALITY) or "")
        zoning = _value(row.get(ind.ZONING))
        rows.append(
            {
                "id": str(pid),
                "name": str(row.get(ind.NAME) or ""),
                "m": municipality,
                "s": subregion_of.get(municipality, str(row.get(ind.SUBREGION) or "")),
                "place": _value(row.get("place")),
                "p": str(row.get(ind.INITIATOR) or ""),
                **{
                    k: int(numbers[k])
                    for k in (
                        "total",
                        "done",
                        "to_build",
                        "aff",
                        "seg",
                        "soc",
                        "tgd",
                        "later",
                        "unk",
                    )
                },
                "plan": [int(numbers[f"plan{y}"]) for y in years],
                **{k: bool(flags[k]) for k in ("w", "circ", "large", "acc")},
                "tg": [str(row[s]) for s in fields.target_group_slots if _value(row.get(s))],
                "bn": [str(row[s]) for s in fields.bottleneck_slots if _value(row.get(s))],
                "bnx": _value(row.get(ind.BOTTLENECK_EXPLANATION)),
                "light": _value(row.get(ind.STOPLIGHT)),
                "lightx": _value(row.get(ind.STOPLIGHT_EXPLANATION)),
                "zoning": zoning,
                "hard": zoning in fields.hard_zoning,
                # "hard", "zacht" or "onbekend": unknown status counts as neither
                "cap": (
                    "hard"
                    if zoning in fields.hard_zoning
                    else "zacht"
                    if zoning in fields.soft_zoning
                    else "onbekend"
                ),
                "phase": _value(row.get(ind.PHASE)),
                "permit": _value(row.get(ind.PERMIT)),
                "start": _value(row.get(ind.CONSTRUCTION_START)),
                "slipq": slip.start_slip_quarters if slip else None,
                "slipy": (
                    round(slip.year_slip, 2) if slip and slip.year_slip is not None else None
                ),
                "x": located[str(pid)][0] if str(pid) in located else None,
                "y": located[str(pid)][1] if str(pid) in located else None,
            }
        )
    return {
        "region": report.region.name,
        "round": str(report.round),
        "years": years,
        "targets": {str(y): config.targets.completions.get(y) for y in years},
        "shares": dict(config.targets.subregion_share),
        "affordableTarget": config.targets.affordable_share,
        "socialTarget": config.targets.social_rent_share,
        "norm": config.targets.plan_capacity_norm,
        "municipalities": {m.code: m.name for m in report.region.municipalities},
        "subregions": report.region.subregions,
        "parties": {p.id: p.name for p in report.region.parties},
        "stoplights": list(fields.stoplights),
        "bottlenecks": list(config.catalogue.lists["bottlenecks"]),
        "projects": rows,
        "map": planmap.map_data(
            points,
            areas,
            zoning=config.catalogue.lists["zoning_status"],
            hard_zoning=fields.hard_zoning,
            soft_zoning=fields.soft_zoning,
            stoplights=fields.stoplights,
            basemap=(
                planmap.Basemap(config.reports.basemap_url, config.reports.basemap_attribution)
                if config.reports.basemap_url
                else None
            ),
            areas_source=areas_source,
        ),
        "agreements": agreements(report),
    }


# The file in a region folder with the municipality boundaries (GeoJSON or shapefile, RD New
# or WGS84).
BOUNDARY_FILES = (
    "gemeenten.geojson",
    "gemeentegrenzen.geojson",
    "gemeenten.shp",
    "gemeentegrenzen.shp",
)


def region_areas(config: Config) -> tuple[tuple[planmap.Area, ...], str]:
    """The municipality boundaries of the region and where they come from: the region
    folder's GeoJSON file, schematic areas for the demo region, or none."""
    if config.region_source == "demo":
        return (
            planmap.voronoi_areas(demo_region.municipality_centres()),
            "schematisch (demoregio: geen echte gemeentegrenzen)",
        )
    folder = config.root / config.region_source
    for name in BOUNDARY_FILES:
        path: Path = folder / name
        if path.is_file():
            return planmap.read_areas(path), "gemeentegrenzen van de regio"
    return (), ""


def agreements(report: Report) -> dict[str, Any]:
    """The pillars in the stoplight model and the red agreements in escalation order."""
    first = report.previous_round is None
    return {
        "first": first,
        "previous": None if first else str(report.previous_round),
        "pillars": [
            {
                "number": sheet.pillar.number,
                "name": sheet.pillar.name,
                "counts": dict(sheet.agreements.counts),
                "previous": (
                    dict(sheet.agreements.previous_counts)
                    if sheet.agreements.previous_counts is not None
                    else None
                ),
                "better": len(sheet.agreements.changed(ind.BETTER)),
                "worse": len(sheet.agreements.changed(ind.WORSE)),
            }
            for sheet in report.pillars
        ],
        "red": [
            {
                "id": r.id,
                "pillar": r.pillar,
                "text": r.text,
                "actions": r.actions,
                "route": r.route,
                "since": str(r.since),
                "rounds": r.measurements,
                "dwellings": r.dwellings,
            }
            for r in report.red_agreements
        ],
        "changes": [
            {
                "id": r.id,
                "text": r.text,
                "status": r.status,
                "previous": r.previous_status,
                "change": r.change,
            }
            for r in report.agreements.rows
            if r.change in (ind.BETTER, ind.WORSE, ind.NEW)
        ],
    }
