"""Bottlenecks that recur across regions: what the landelijke versnellingstafel sees first.

Per bottleneck category: in how many regions and projects it plays, how many dwellings still to
build depend on it, since when it has been named, which regions routed it to the landelijke
tafel, and a few projects as casework (public fields only: the export holds no private ones and
the reader drops them). Sorted by the number of regions, then by dwellings: what blocks most
dwellings in most regions comes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..core import Round
from ..reporting import casework as cw
from ..reporting import indicators as ind
from .exports import RegionExport

NATIONAL_ROUTE = "landelijke tafel"
CASES_PER_CATEGORY = 3
YES = "ja"


@dataclass(frozen=True)
class NationalCase:
    """A project that makes a bottleneck concrete: public part only."""

    region: str
    project_id: str
    name: str
    municipality: str
    dwellings: int
    zoning: str
    since: Round | None


@dataclass(frozen=True)
class NationalBottleneck:
    category: str
    regions: tuple[str, ...]
    projects: int
    dwellings: int
    oldest: Round | None
    mean_open_years: float | None
    routed_national: tuple[str, ...]
    recurring_in: tuple[str, ...]
    cases: tuple[NationalCase, ...]


def recurring_bottlenecks(
    exports: Sequence[RegionExport], fields: ind.ProjectFields
) -> list[NationalBottleneck]:
    gathered: dict[str, dict[str, list[tuple[str, int, Round | None]]]] = {}
    routes: dict[str, set[str]] = {}
    recurring: dict[str, set[str]] = {}
    for export in exports:
        projects = export.projects
        to_build = ind.remaining(projects, fields).to_dict()
        for category, ids in cw.bottleneck_projects(projects, fields).items():
            gathered.setdefault(category, {})[export.name] = [
                (pid, ind.whole(to_build[pid]), export.bottleneck_since.get((pid, category)))
                for pid in ids
            ]
        for row in export.rode_draden.to_dict("records"):
            category = str(row["category"])
            if str(row["recurring"]) == YES:
                recurring.setdefault(category, set()).add(export.name)
                if str(row["route"]) == NATIONAL_ROUTE:
                    routes.setdefault(category, set()).add(export.name)
    by_name = {e.name: e for e in exports}
    result = []
    for category, per_region in gathered.items():
        items = [(region, *item) for region, rows in per_region.items() for item in rows]
        dwellings = sum(n for _, _, n, _ in items)
        opened = [
            (by_name[region].measured_round.halves_since(since) / 2, n)
            for region, _, n, since in items
            if since is not None
        ]
        weight = sum(n for _, n in opened)
        sinces = [since for *_, since in items if since is not None]
        result.append(
            NationalBottleneck(
                category=category,
                regions=tuple(sorted(per_region)),
                projects=len(items),
                dwellings=dwellings,
                oldest=min(sinces) if sinces else None,
                mean_open_years=(sum(y * n for y, n in opened) / weight) if weight else None,
                routed_national=tuple(sorted(routes.get(category, set()))),
                recurring_in=tuple(sorted(recurring.get(category, set()))),
                cases=_cases(items, by_name),
            )
        )
    result.sort(key=lambda b: (-len(b.regions), -b.dwellings, b.category))
    return result


def _cases(
    items: Sequence[tuple[str, str, int, Round | None]], by_name: dict[str, RegionExport]
) -> tuple[NationalCase, ...]:
    """The largest project of each region, largest first: examples from several regions."""
    best: dict[str, tuple[str, int, Round | None]] = {}
    for region, pid, dwellings, since in items:
        if region not in best or dwellings > best[region][1]:
            best[region] = (pid, dwellings, since)
    chosen = sorted(best.items(), key=lambda kv: (-kv[1][1], kv[0]))[:CASES_PER_CATEGORY]
    cases = []
    for region, (pid, dwellings, since) in chosen:
        export = by_name[region]
        row = export.projects.loc[pid]
        cases.append(
            NationalCase(
                region=region,
                project_id=pid,
                name=ind.as_text(row.get(ind.NAME)),
                municipality=export.municipality_name(ind.as_text(row.get(ind.MUNICIPALITY))),
                dwellings=dwellings,
                zoning=ind.as_text(row.get(ind.ZONING)),
                since=since,
            )
        )
    return tuple(cases)
