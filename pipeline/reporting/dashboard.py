"""The data of the digital dashboard: every project with its contribution to each goal, as JSON
embedded in one self-contained HTML page (see ``reporting/templates/dashboard.html.j2``)."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import indicators as ind

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
    return "".join(_SCRIPT_ESCAPES.get(ch, ch) for ch in text)


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
    }
