"""The national roll-up: the regions' figures side by side, per landsdeel and for the country.

Every regional figure is computed by the same indicator code as the regional reports
(``reporting.indicators`` and ``reporting.realism``) on the region's exported projects, against
the region's own targets. Landsdelen and the country are sums of their regions: planning only
for the calendar years every region in the sum plans for, so no year is short because a region
measured in another half year does not plan it any more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core import Catalogue, Round
from ..reporting import indicators as ind
from ..reporting import realism as real
from .bottlenecks import NationalBottleneck, recurring_bottlenecks
from .exports import RegionExport

COUNTRY = "Nederland"


@dataclass(frozen=True)
class Figures:
    """The numbers of one region, one landsdeel or the country."""

    name: str
    regions: tuple[str, ...]
    projects: int
    to_build: int
    completions: ind.Completions
    capacity: ind.PlanCapacity
    affordability: ind.Affordability
    segment_dwellings: int
    dwellings: int
    forecast: tuple[real.ForecastYear, ...]
    stoplights: Mapping[str, int]
    realisation: tuple[real.YearRealisation, ...] = ()
    agreements: Mapping[str, int] = field(default_factory=dict)

    @property
    def segment_coverage(self) -> float | None:
        """Share of the dwellings in the plans whose price segments are filled in."""
        return self.segment_dwellings / self.dwellings if self.dwellings else None

    @property
    def planned_share(self) -> float | None:
        c = self.completions
        return c.planned_with_target / c.target_total if c.target_total else None

    @property
    def below_target(self) -> bool:
        share = self.planned_share
        return share is not None and share < 1

    @property
    def realistic_total(self) -> int:
        return sum(y.realistic for y in self.forecast if y.target is not None)

    @property
    def forecast_target(self) -> int:
        return sum(y.target or 0 for y in self.forecast if y.target is not None)

    @property
    def realistic_share(self) -> float | None:
        return self.realistic_total / self.forecast_target if self.forecast_target else None

    @property
    def realised_share(self) -> float | None:
        planned = sum(y.planned for y in self.realisation)
        return sum(y.completed for y in self.realisation) / planned if planned else None


@dataclass(frozen=True)
class RegionFigures:
    export: RegionExport
    figures: Figures


@dataclass(frozen=True)
class NationalRollup:
    """Everything the national overview shows."""

    regions: tuple[RegionFigures, ...]
    landsdelen: tuple[Figures, ...]
    country: Figures
    bottlenecks: tuple[NationalBottleneck, ...]
    refused: tuple[tuple[Path, str], ...]
    catalogue_version: str
    stoplight_colours: tuple[str, ...]
    made: dt.date = field(default_factory=dt.date.today)

    @property
    def rounds(self) -> dict[Round, tuple[str, ...]]:
        """Per round (the one each region exported) the regions in it, oldest round first."""
        found: dict[Round, list[str]] = {}
        for r in self.regions:
            found.setdefault(r.export.round, []).append(r.export.name)
        return {k: tuple(v) for k, v in sorted(found.items())}

    @property
    def mixed_rounds(self) -> bool:
        return len(self.rounds) > 1

    @property
    def stand(self) -> dt.date | None:
        dates = [r.export.reference_date for r in self.regions]
        return max(dates) if dates else None

    @property
    def differing(self) -> tuple[RegionFigures, ...]:
        """Regions with something the roll-up could not use as is."""
        return tuple(r for r in self.regions if r.export.notes)


def roll_up(
    exports: Sequence[RegionExport],
    catalogue: Catalogue,
    refused: Sequence[tuple[Path, str]] = (),
) -> NationalRollup:
    fields = ind.ProjectFields.from_catalogue(catalogue)
    regions = tuple(RegionFigures(e, region_figures(e, fields)) for e in exports)
    landsdelen = []
    for name in dict.fromkeys(r.export.landsdeel for r in regions):
        members = [r.figures for r in regions if r.export.landsdeel == name]
        landsdelen.append(summed(name, members))
    return NationalRollup(
        regions=regions,
        landsdelen=tuple(landsdelen),
        country=summed(COUNTRY, [r.figures for r in regions]),
        bottlenecks=tuple(recurring_bottlenecks(exports, fields)),
        refused=tuple(refused),
        catalogue_version=catalogue.version,
        stoplight_colours=fields.stoplights,
    )


def region_figures(export: RegionExport, fields: ind.ProjectFields) -> Figures:
    projects = export.projects
    targets = export.targets
    table = ind.active(projects, fields)
    chances = export.realism_chances or {}
    forecast = real.realism_forecast(
        projects, fields, chances, export.mean_year_slip, targets.completions
    )
    statuses = ind.texts(table, ind.STOPLIGHT)
    segments = ind.summed(table, fields.segments)
    return Figures(
        name=export.name,
        regions=(export.name,),
        projects=len(table),
        to_build=ind.whole(ind.remaining(table, fields).sum()),
        completions=ind.completions(projects, fields, targets.completions),
        capacity=ind.plan_capacity(
            projects, fields, targets.completions, targets.plan_capacity_norm
        ),
        affordability=ind.affordability(
            projects, fields, targets.affordable_share, targets.social_rent_share
        ),
        segment_dwellings=ind.whole(segments[segments > 0].sum()),
        dwellings=ind.whole(ind.numbers(table, fields.total).sum()),
        forecast=forecast.years,
        stoplights={c: int((statuses == c).sum()) for c in fields.stoplights},
        realisation=tuple(_realisation(export.realisation)),
        agreements={
            c: int((ind.texts(export.agreements, ind.STATUS) == c).sum()) for c in fields.stoplights
        },
    )


def _realisation(frame: pd.DataFrame) -> list[real.YearRealisation]:
    return [
        real.YearRealisation(
            year=int(row["year"]),
            planned=int(row["planned"]),
            planned_in=Round.parse(str(row["planned_in"])),
            completed=int(row["completed"]),
            halves_observed=int(row["halves_observed"]),
            halves_planned=int(row["halves_planned"]),
        )
        for row in frame.to_dict("records")
    ]


def common_years(members: Sequence[Figures]) -> list[int]:
    """The planning years every member plans for."""
    sets = [{y.year for y in m.completions.years} for m in members]
    return sorted(set.intersection(*sets)) if sets else []


def summed(name: str, members: Sequence[Figures]) -> Figures:
    """A landsdeel or the country: the sum of its regions."""
    years = common_years(members)
    planned = {y: 0 for y in years}
    target: dict[int, int | None] = {y: 0 for y in years}
    realistic = {y: 0 for y in years}
    forecast_planned = {y: 0 for y in years}
    later = completed = 0
    for m in members:
        by_year = {y.year: y for y in m.completions.years}
        for y in years:
            planned[y] += by_year[y].planned
            t = by_year[y].target
            target[y] = None if target[y] is None or t is None else target[y] + t  # type: ignore[operator]
        # Years after the common window count as "later"; years before it (a region measured a
        # half year earlier still plans its current year) are shown per region only.
        last = years[-1] if years else None
        later += m.completions.later + sum(
            v.planned for v in m.completions.years if last is not None and v.year > last
        )
        completed += m.completions.completed_to_date
        for f in m.forecast:
            if f.year in realistic:
                realistic[f.year] += f.realistic
                forecast_planned[f.year] += f.planned
    capacity_target = sum(m.capacity.target for m in members)
    norm_dwellings = sum(m.capacity.target * m.capacity.norm for m in members)
    dwellings = sum(m.affordability.dwellings for m in members)

    def weighted(values: Sequence[tuple[float, int]]) -> float:
        weight = sum(w for _, w in values)
        return (
            sum(v * w for v, w in values) / weight if weight else (values[0][0] if values else 0.0)
        )

    labels = [label for label, _ in members[0].affordability.segments] if members else []
    segment_totals = [
        (label, sum(dict(m.affordability.segments).get(label, 0) for m in members))
        for label in labels
    ]
    realisation: dict[int, list[real.YearRealisation]] = {}
    for m in members:
        for r in m.realisation:
            realisation.setdefault(r.year, []).append(r)
    firsts = [m.capacity.first_year for m in members if m.capacity.first_year is not None]
    lasts = [m.capacity.last_year for m in members if m.capacity.last_year is not None]
    return Figures(
        name=name,
        regions=tuple(r for m in members for r in m.regions),
        projects=sum(m.projects for m in members),
        to_build=sum(m.to_build for m in members),
        completions=ind.Completions(
            years=tuple(ind.YearTarget(y, planned[y], target[y]) for y in years),
            later=later,
            completed_to_date=completed,
            unknown_year=sum(m.completions.unknown_year for m in members),
        ),
        capacity=ind.PlanCapacity(
            hard=sum(m.capacity.hard for m in members),
            soft=sum(m.capacity.soft for m in members),
            unknown=sum(m.capacity.unknown for m in members),
            demolition=sum(m.capacity.demolition for m in members),
            target=capacity_target,
            norm=norm_dwellings / capacity_target if capacity_target else 1.3,
            first_year=min(firsts) if firsts else None,
            last_year=max(lasts) if lasts else None,
        ),
        affordability=ind.Affordability(
            dwellings=dwellings,
            affordable=sum(m.affordability.affordable for m in members),
            social_rent=sum(m.affordability.social_rent for m in members),
            affordable_target=weighted(
                [(m.affordability.affordable_target, m.affordability.dwellings) for m in members]
            ),
            social_rent_target=weighted(
                [(m.affordability.social_rent_target, m.affordability.dwellings) for m in members]
            ),
            segments=tuple(segment_totals),
        ),
        segment_dwellings=sum(m.segment_dwellings for m in members),
        dwellings=sum(m.dwellings for m in members),
        forecast=tuple(
            real.ForecastYear(y, forecast_planned[y], realistic[y], target[y]) for y in years
        ),
        stoplights={
            c: sum(m.stoplights.get(c, 0) for m in members)
            for c in (members[0].stoplights if members else {})
        },
        agreements={
            c: sum(m.agreements.get(c, 0) for m in members)
            for c in (members[0].agreements if members else {})
        },
        realisation=tuple(
            real.YearRealisation(
                year=year,
                planned=sum(r.planned for r in rows),
                planned_in=min(r.planned_in for r in rows),
                completed=sum(r.completed for r in rows),
                halves_observed=min(r.halves_observed for r in rows),
                halves_planned=max(r.halves_planned for r in rows),
            )
            for year, rows in sorted(realisation.items())
        ),
    )
