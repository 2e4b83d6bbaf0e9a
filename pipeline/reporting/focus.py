"""The woondeal's first focus: its versnellingslocaties and grootschalige locaties, where
building, affordability, circular building and target groups come together. Their planning,
hard and soft capacity, the realism of their planning, bottlenecks and stoplight."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from . import casework as cw
from . import indicators as ind
from . import realism as real


@dataclass(frozen=True)
class FocusLocation:
    case: cw.CaseProject
    acceleration_site: bool
    large_scale: bool
    zoning: str
    hard: bool
    soft: bool  # neither hard nor soft: the status is unknown
    first_year: int | None  # the first year with planned completions; None: later or unknown
    planned: int  # in the planning years
    chance: float  # that its plans are realised, by its zoning status ([realism])
    start: str
    start_slip_quarters: int | None
    bottlenecks: tuple[str, ...]


@dataclass(frozen=True)
class Focus:
    locations: tuple[FocusLocation, ...]  # largest first
    acceleration_sites: int
    large_scale: int
    dwellings: int  # still to build
    region_dwellings: int
    hard_dwellings: int
    soft_dwellings: int
    forecast: real.Forecast

    @property
    def share_of_region(self) -> float | None:
        return self.dwellings / self.region_dwellings if self.region_dwellings else None

    @property
    def hard_share(self) -> float | None:
        """Hard over all plan capacity (hard and soft; an unknown status is neither)."""
        capacity = self.hard_dwellings + self.soft_dwellings
        return self.hard_dwellings / capacity if capacity else None

    @property
    def red(self) -> tuple[FocusLocation, ...]:
        return tuple(f for f in self.locations if f.case.stoplight == ind.RED)

    @property
    def slipped(self) -> tuple[FocusLocation, ...]:
        return tuple(f for f in self.locations if (f.start_slip_quarters or 0) > 0)

    @property
    def planned(self) -> int:
        return sum(y.planned for y in self.forecast.years)

    @property
    def realistic(self) -> int:
        return sum(y.realistic for y in self.forecast.years)


def focus(
    projects: pd.DataFrame,
    fields: ind.ProjectFields,
    chances: Mapping[str, float],
    shift_years: float,
    slips: Mapping[str, real.ProjectSlip],
    years: Sequence[int] | None = None,
) -> Focus:
    """The active versnellings- and grootschalige locaties of a monitor; ``years`` are the
    planning years the reports show (by default every planning column)."""
    table = ind.active(projects, fields)
    acceleration = ind.flags(table, fields.acceleration_site)
    large = ind.flags(table, fields.large_scale)
    chosen = table[acceleration | large]
    if years is None:
        years = ind.planning_years(chosen, fields)
    unknown = min(chances.values()) if chances else 1.0
    locations = []
    for pid, row in ind.records(chosen).items():
        zoning = ind.as_text(row.get(ind.ZONING))
        planned = {y: _number(row.get(f"{fields.planning}_{y}")) for y in years}
        total = sum(planned.values())
        slip = slips.get(str(pid))
        locations.append(
            FocusLocation(
                case=cw.case_project(pid, row, fields, ind.STOPLIGHT_EXPLANATION),
                acceleration_site=bool(acceleration.get(pid)),
                large_scale=bool(large.get(pid)),
                zoning=zoning,
                hard=zoning in fields.hard_zoning,
                soft=zoning in fields.soft_zoning,
                first_year=next((y for y in years if planned[y] > 0), None),
                planned=round(total),
                chance=chances.get(zoning, unknown),
                start=ind.as_text(row.get(ind.CONSTRUCTION_START)),
                start_slip_quarters=slip.start_slip_quarters if slip else None,
                bottlenecks=tuple(
                    ind.as_text(row.get(s)) for s in fields.bottleneck_slots if row.get(s)
                ),
            )
        )
    locations.sort(key=lambda f: (-f.case.dwellings, f.case.name))
    return Focus(
        locations=tuple(locations),
        acceleration_sites=int(acceleration.sum()),
        large_scale=int(large.sum()),
        dwellings=sum(f.case.dwellings for f in locations),
        region_dwellings=int(ind.remaining(table, fields).sum()),
        hard_dwellings=sum(f.case.dwellings for f in locations if f.hard),
        soft_dwellings=sum(f.case.dwellings for f in locations if f.soft),
        forecast=real.realism_forecast(chosen, fields, chances, shift_years, {}, years),
    )


def _number(value: object) -> float:
    number = pd.to_numeric(pd.Series([value]), errors="coerce")[0]
    return 0.0 if pd.isna(number) else float(number)
