"""The national overview: a progress note (PDF and HTML), an offline dashboard and a CSV of the
regions' figures, written from the regions' exports.

Same Dutch formatting, charts and page style as the regional reports: the templates extend the
regional ones and the charts come from ``reporting.charts``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..core import Catalogue, Round, write_atomic
from ..reporting import TEMPLATES, charts, planmap, render, to_script_json
from ..reporting import indicators as ind
from .exports import ExportRefused, read_exports
from .rollup import Figures, NationalRollup, roll_up

Progress = Callable[[int, int, str], None]
TITLE = "Landelijke versnellingstafel"


@dataclass(frozen=True)
class NationalSummary:
    """What :func:`build_national` wrote, and the roll-up it wrote it from."""

    rollup: NationalRollup
    note_pdf: Path
    note_html: Path
    dashboard: Path
    table: Path

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.note_pdf, self.note_html, self.dashboard, self.table)


@dataclass(frozen=True)
class _Named:
    name: str


@dataclass(frozen=True)
class Heading:
    """What the shared page template (``base.html.j2``) prints in the running header."""

    round: str
    stand: dt.date | None
    region: _Named


def build_national(
    folders: Sequence[Path],
    catalogue: Catalogue,
    out_dir: Path,
    *,
    round_: Round | None = None,
    progress: Progress | None = None,
) -> NationalSummary:
    """Read the exports, roll them up and write the overview into ``out_dir``. Refused
    exports are listed in the overview; without a single usable export nothing is written.
    With ``round_`` only regions that exported that round count; the others are listed as
    not taken along, with their round."""
    import weasyprint

    step = progress or (lambda number, total, item: None)
    step(0, 4, "Exports lezen")
    exports, refused = read_exports(folders, catalogue)
    if round_ is not None:
        other = [e for e in exports if e.round != round_]
        exports = [e for e in exports if e.round == round_]
        refused += [
            (
                e.folder,
                f"{e.folder}: regio '{e.name}' staat in ronde {e.round}, niet in {round_} "
                "(gekozen met --ronde).",
            )
            for e in other
        ]
    if not exports:
        reasons = "\n".join(f"- {reason}" for _, reason in refused) or "- geen mappen opgegeven"
        raise ExportRefused(f"Geen enkele bruikbare export:\n{reasons}")
    rollup = roll_up(exports, catalogue, refused)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(rollup)
    context = {
        "national": rollup,
        "report": heading(rollup),
        "charts": area_charts(rollup),
        "hard_statuses": catalogue.hard_zoning_statuses,
    }
    step(1, 4, "Voortgangsnotitie")
    html = render("landelijk.html.j2", **context)
    note_html = out_dir / f"landelijke-voortgangsnotitie-{stamp}.html"
    write_atomic(note_html, html.encode("utf-8"))
    note_pdf = note_html.with_suffix(".pdf")
    write_atomic(note_pdf, weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf())
    step(2, 4, "Dashboard")
    dashboard = out_dir / f"landelijk-dashboard-{stamp}.html"
    data_dict = dashboard_data(rollup, catalogue)
    data = Markup(to_script_json(data_dict))
    page = render("landelijk_dashboard.html.j2", data=data, map_data=data_dict["map"], **context)
    write_atomic(dashboard, page.encode("utf-8"))
    step(3, 4, "Tabel per regio")
    table = out_dir / f"landelijk-regio-s-{stamp}.csv"
    write_atomic(table, region_table(rollup))
    step(4, 4, "Klaar")
    return NationalSummary(rollup, note_pdf, note_html, dashboard, table)


def _stamp(rollup: NationalRollup) -> str:
    rounds = sorted(rollup.rounds)
    return str(rounds[-1]) if rounds else "zonder-ronde"


def heading(rollup: NationalRollup) -> Heading:
    rounds = list(rollup.rounds)
    label = str(rounds[0]) if len(rounds) == 1 else " en ".join(str(r) for r in rounds)
    return Heading(label, rollup.stand, _Named(TITLE))


def area_charts(rollup: NationalRollup) -> dict[str, dict[str, Markup]]:
    """Per landsdeel and for the country: planning against target, capacity, affordable."""
    result = {}
    for area in (rollup.country, *rollup.landsdelen):
        c = area.completions
        result[area.name] = {
            "completions": Markup(
                charts.bars_against_target(
                    [charts.Bar(str(y.year), y.planned, y.target) for y in c.years],
                    f"Geplande oplevering per jaar tegen de woondealdoelen, {area.name}",
                )
            ),
            "capacity": Markup(
                charts.capacity_against_norm(
                    area.capacity.hard,
                    area.capacity.soft,
                    area.capacity.target,
                    area.capacity.norm,
                    f"Plancapaciteit tegen doel en norm, {area.name}",
                )
            ),
            "affordable": Markup(
                charts.share_against_target(
                    area.affordability.affordable_share,
                    area.affordability.affordable_target,
                    "betaalbaar",
                    f"Aandeel betaalbaar, {area.name}",
                )
            ),
            "stoplights": Markup(
                charts.stoplight_counts(
                    dict(area.stoplights), f"Projecten naar eigen stoplicht, {area.name}"
                )
            ),
        }
    return result


def _figures_record(f: Figures) -> dict[str, Any]:
    c = f.completions
    return {
        "projects": f.projects,
        "toBuild": f.to_build,
        "planned": c.planned_with_target,
        "target": c.target_total,
        "years": [[y.year, y.planned, y.target] for y in c.years],
        "hard": f.capacity.hard,
        "soft": f.capacity.soft,
        "capTarget": f.capacity.target,
        "unknownStatus": f.capacity.unknown,
        "unknownYear": f.completions.unknown_year,
        "norm": f.capacity.norm,
        "dwellings": f.affordability.dwellings,
        "affordable": f.affordability.affordable,
        "social": f.affordability.social_rent,
        "affTarget": f.affordability.affordable_target,
        "segmentDwellings": f.segment_dwellings,
        "allDwellings": f.dwellings,
        "realistic": f.realistic_total,
        "forecastTarget": f.forecast_target,
        "lights": dict(f.stoplights),
        "realisedPlanned": sum(y.planned for y in f.realisation),
        "realisedCompleted": sum(y.completed for y in f.realisation),
    }


def map_points(
    rollup: NationalRollup, catalogue: Catalogue
) -> tuple[list[planmap.Point], list[int]]:
    """The national map: per region each municipality as one point, at the dwelling-weighted
    middle of its active projects, sized by their dwellings still to build and coloured by the
    status and the stoplight that hold most of those dwellings. At the scale of the country a
    point per project would hide the pattern. Ids are ``<region index>|<municipality code>``.
    Also per region how many of its active projects have a location."""
    fields = ind.ProjectFields.from_catalogue(catalogue)
    found: list[planmap.Point] = []
    located: list[int] = []
    for index, item in enumerate(rollup.regions):
        export = item.export
        active = ind.active(export.projects, fields)
        municipality = ind.texts(active, ind.MUNICIPALITY)
        groups: dict[str, list[planmap.Point]] = {}
        region_points = planmap.points(active, fields)
        located.append(len(region_points))
        for point in region_points:
            groups.setdefault(str(municipality[point.id]), []).append(point)
        for code, members in sorted(groups.items()):
            total = sum(p.dwellings for p in members)
            weights = [max(p.dwellings, 0) for p in members] if total > 0 else [1] * len(members)
            weight = sum(weights)
            focus = sum(1 for p in members if p.acceleration_site or p.large_scale)
            found.append(
                planmap.Point(
                    id=f"{index}|{code}",
                    name=f"{export.municipality_name(code)} ({export.name}): {len(members)} "
                    f"projecten, waarvan {focus} versnellings- of grootschalige locatie",
                    x=sum(p.x * w for p, w in zip(members, weights, strict=True)) / weight,
                    y=sum(p.y * w for p, w in zip(members, weights, strict=True)) / weight,
                    dwellings=total,
                    zoning=_dominant([(p.zoning, p.dwellings) for p in members]),
                    stoplight=_dominant([(p.stoplight, p.dwellings) for p in members]),
                    acceleration_site=False,
                    large_scale=False,
                )
            )
    return found, located


def _dominant(values: Sequence[tuple[str | None, int]]) -> str | None:
    """The value that holds the most dwellings (ties: the first in order of appearance)."""
    totals: dict[str | None, int] = {}
    for value, dwellings in values:
        totals[value] = totals.get(value, 0) + dwellings
    return max(totals, key=lambda v: totals[v]) if totals else None


def dashboard_data(rollup: NationalRollup, catalogue: Catalogue) -> dict[str, Any]:
    """The regions' figures, bottlenecks per region and the map: public fields only."""
    points, located = map_points(rollup, catalogue)
    regions = []
    for item, count in zip(rollup.regions, located, strict=True):
        export = item.export
        regions.append(
            {
                "name": export.name,
                "landsdeel": export.landsdeel,
                "round": str(export.round),
                "stand": export.reference_date.isoformat(),
                "catalogue": export.catalogue_version,
                "notes": list(export.notes),
                "located": count,
                **_figures_record(item.figures),
            }
        )
    bottlenecks = []
    for b in rollup.bottlenecks:
        bottlenecks.append(
            {
                "category": b.category,
                "regions": list(b.regions),
                "national": list(b.routed_national),
                "projects": b.projects,
                "dwellings": b.dwellings,
                "oldest": str(b.oldest) if b.oldest else None,
            }
        )
    per_region: dict[str, dict[str, list[int]]] = {}
    for item in rollup.regions:
        for row in item.export.rode_draden.to_dict("records"):
            entry = per_region.setdefault(str(row["category"]), {})
            entry[item.export.name] = [int(row["projects"]), int(row["dwellings"])]
    return {
        "landsdelen": [a.name for a in rollup.landsdelen],
        "regions": regions,
        "bottlenecks": bottlenecks,
        "bottleneckRegions": per_region,
        "map": planmap.map_data(
            points,
            zoning=catalogue.lists["zoning_status"],
            hard_zoning=catalogue.hard_zoning_statuses,
            soft_zoning=catalogue.soft_zoning_statuses,
            stoplights=catalogue.lists["stoplight"],
        ),
        "refused": [reason for _, reason in rollup.refused],
        "stoplights": list(rollup.stoplight_colours),
    }


REGION_TABLE_COLUMNS = (
    "regio",
    "landsdeel",
    "ronde",
    "peildatum",
    "catalogusversie",
    "projecten",
    "woningen_nog_te_bouwen",
    "gepland_met_doel",
    "doel",
    "hard",
    "zacht",
    "status_onbekend",
    "jaar_onbekend",
    "opgave_plancapaciteit",
    "norm",
    "betaalbaar",
    "woningen_met_prijssegment",
    "woningen_totaal",
    "realistisch_verwacht",
    "opmerkingen",
)


def region_table(rollup: NationalRollup) -> bytes:
    """The figures per region as CSV (UTF-8 with BOM, comma-separated, decimal point)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REGION_TABLE_COLUMNS)
    for item in rollup.regions:
        e, f = item.export, item.figures
        writer.writerow(
            (
                e.name,
                e.landsdeel,
                e.round,
                e.reference_date.isoformat(),
                e.catalogue_version,
                f.projects,
                f.to_build,
                f.completions.planned_with_target,
                f.completions.target_total,
                f.capacity.hard,
                f.capacity.soft,
                f.capacity.unknown,
                f.completions.unknown_year,
                f.capacity.target,
                f.capacity.norm,
                f.affordability.affordable,
                f.segment_dwellings,
                f.dwellings,
                f.realistic_total,
                " ".join(e.notes),
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
