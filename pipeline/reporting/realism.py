"""Planning realism: holding the planning to the light against *planningsoptimisme*.

Three measures, all from the monitor snapshots in the state:

- per project, how far its start of construction and its completions slipped since it was first
  reported;
- for the region, what was planned for a past year against what was completed in it;
- a realism-adjusted forecast: planned dwellings weighted by a realisation chance per zoning
  status, shifted by the average slip observed so far.

When the data were filled in: the snapshot of round ``Y-H1`` is the state after merging
``(Y-1)-H2``, whose deadline falls around the turn of the year, so it describes the end of year
``Y-1`` and its planning for ``Y`` covers the whole year. The snapshot of ``Y-H2`` describes the
middle of ``Y``; its planning for ``Y`` covers the second half only. Dwellings completed between
two snapshots were completed in the half year between them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from ..core import Monitor, Round
from .indicators import (
    CONSTRUCTION_START,
    ZONING,
    ProjectFields,
    active,
    flags,
    later_column,
    numbers,
    planning_years,
    texts,
)

_YEAR_QUARTER = re.compile(r"^(\d{4})-K([1-4])$")

Snapshots = Sequence[tuple[Round, Monitor]]


def quarter_index(value: object) -> int | None:
    """A year-quarter such as ``2027-K2`` as a count of quarters, for differences."""
    match = _YEAR_QUARTER.match(str(value).strip()) if value is not None else None
    return int(match[1]) * 4 + int(match[2]) - 1 if match else None


def completion_year(round_: Round) -> int:
    """The calendar year in which dwellings completed just before this snapshot were completed."""
    return round_.year - 1 if round_.half == 1 else round_.year


@dataclass(frozen=True)
class ProjectSlip:
    """How a project's planning moved since it was first reported."""

    id: str
    first_round: Round
    observations: int
    start_first: str | None
    start_now: str | None
    start_slip_quarters: int | None
    year_first: float | None
    year_now: float | None
    dwellings: int

    @property
    def year_slip(self) -> float | None:
        if self.year_first is None or self.year_now is None:
            return None
        return self.year_now - self.year_first


def _later_year(snapshots: Snapshots, fields: ProjectFields) -> int:
    """The year "later" stands for: one past the last planning year of any snapshot, so that
    dwellings that stay in "later" do not seem to slip when the planning window moves on."""
    years = [y for _, m in snapshots for y in planning_years(m.projects, fields)]
    return (max(years) if years else 0) + 1


def project_slips(snapshots: Snapshots, fields: ProjectFields) -> dict[str, ProjectSlip]:
    """Per project (present in the last snapshot) its slip since its first snapshot.

    The mean completion year weighs every dwelling of the project: planned ones by their planned
    year ("later" as :func:`_later_year`), completed ones by the year they were completed in.
    Without the completed ones every project that delivers on time would seem to slip.
    """
    if not snapshots:
        return {}
    later = _later_year(snapshots, fields)
    history: dict[str, list[tuple[Round, str | None, float | None]]] = {}
    done: dict[str, list[tuple[int, float]]] = {}
    for round_, monitor in snapshots:
        table = monitor.projects
        years = planning_years(table, fields)
        completed = numbers(table, fields.completed)
        planned = {y: numbers(table, f"{fields.planning}_{y}") for y in years}
        planned_later = numbers(table, later_column(fields))
        starts = texts(table, CONSTRUCTION_START)
        for pid in table.index:
            key = str(pid)
            allocated = done.setdefault(key, [])
            grown = float(completed[pid]) - sum(n for _, n in allocated)
            if grown > 0:
                allocated.append((completion_year(round_), grown))
            weights = [(float(y), float(planned[y][pid])) for y in years]
            weights.append((float(later), float(planned_later[pid])))
            weights += [(float(y), n) for y, n in allocated]
            total = sum(n for _, n in weights)
            mean = float(sum(y * n for y, n in weights) / total) if total > 0 else None
            start = starts[pid]
            history.setdefault(key, []).append(
                (round_, str(start) if start is not None else None, mean)
            )
    last = snapshots[-1][1].projects
    totals = numbers(last, fields.total)
    result = {}
    for pid in last.index:
        seen = history[str(pid)]
        starts_seen = [(r, s) for r, s, _ in seen if quarter_index(s) is not None]
        means = [m for _, _, m in seen if m is not None]
        first_start = starts_seen[0][1] if starts_seen else None
        now_start = seen[-1][1] if quarter_index(seen[-1][1]) is not None else None
        first_q, now_q = quarter_index(first_start), quarter_index(now_start)
        result[str(pid)] = ProjectSlip(
            id=str(pid),
            first_round=seen[0][0],
            observations=len(seen),
            start_first=first_start,
            start_now=now_start,
            start_slip_quarters=(
                now_q - first_q if first_q is not None and now_q is not None else None
            ),
            year_first=means[0] if means else None,
            year_now=seen[-1][2],
            dwellings=round(float(totals[pid])),
        )
    return result


@dataclass(frozen=True)
class SlipSummary:
    """Slip across the region: dwelling-weighted over projects seen in two snapshots or more."""

    projects: int
    mean_year_slip: float
    mean_start_slip_quarters: float
    slipped_projects: int
    earlier_projects: int


def slip_summary(slips: Mapping[str, ProjectSlip], withdrawn_ids: set[str]) -> SlipSummary:
    seen = [
        s
        for s in slips.values()
        if s.observations > 1 and s.id not in withdrawn_ids and s.dwellings > 0
    ]
    by_year = [(s.year_slip, s.dwellings) for s in seen if s.year_slip is not None]
    by_start = [
        (s.start_slip_quarters, s.dwellings) for s in seen if s.start_slip_quarters is not None
    ]

    def mean(pairs: Sequence[tuple[float, int]]) -> float:
        weight = sum(w for _, w in pairs)
        return sum(v * w for v, w in pairs) / weight if weight else 0.0

    return SlipSummary(
        projects=len(seen),
        mean_year_slip=mean([(float(v), w) for v, w in by_year]),
        mean_start_slip_quarters=mean([(float(v), w) for v, w in by_start]),
        slipped_projects=sum(1 for v, _ in by_year if v > 1e-9),
        earlier_projects=sum(1 for v, _ in by_year if v < -1e-9),
    )


@dataclass(frozen=True)
class YearRealisation:
    """What was planned for a year against what was completed in it."""

    year: int
    planned: int
    planned_in: Round
    completed: int
    halves_observed: int
    halves_planned: int
    carried: int = 0  # still planned when the year ended: carried into the next year (slip)

    @property
    def complete(self) -> bool:
        return self.halves_observed == self.halves_planned

    @property
    def ratio(self) -> float | None:
        return self.completed / self.planned if self.planned else None


def completed_between(earlier: Monitor, later: Monitor, fields: ProjectFields) -> int:
    """Growth of the completed field over projects present in both snapshots."""
    both = earlier.projects.index.intersection(later.projects.index)
    grown = numbers(later.projects.loc[both], fields.completed) - numbers(
        earlier.projects.loc[both], fields.completed
    )
    return round(float(grown.sum()))


def planned_vs_completed(snapshots: Snapshots, fields: ProjectFields) -> list[YearRealisation]:
    """Per year that has ended at least partly between two snapshots.

    The plan for year ``Y`` is taken from the snapshot of ``Y-H1`` (the whole year) or, without
    it, from ``Y-H2`` (its second half). Completions are the growth between consecutive
    snapshots in the half years of ``Y`` that the plan covers.
    """
    by_round = dict(snapshots)
    result = []
    for year in sorted({r.year for r in by_round} | {r.year - 1 for r in by_round}):
        h1, h2, next_h1 = Round(year, 1), Round(year, 2), Round(year + 1, 1)
        source = h1 if h1 in by_round else h2 if h2 in by_round else None
        if source is None:
            continue
        table = active(by_round[source].projects, fields)
        column = f"{fields.planning}_{year}"
        if column not in table.columns:
            continue
        periods = [(h1, h2), (h2, next_h1)] if source == h1 else [(h2, next_h1)]
        observed = [(a, b) for a, b in periods if a in by_round and b in by_round]
        if not observed:
            continue
        result.append(
            YearRealisation(
                year=year,
                planned=round(float(numbers(table, column).sum())),
                planned_in=source,
                completed=sum(
                    completed_between(by_round[a], by_round[b], fields) for a, b in observed
                ),
                halves_observed=len(observed),
                halves_planned=len(periods),
                carried=sum(
                    c.dwellings for _, m in snapshots for c in m.carried if c.from_year == year
                ),
            )
        )
    return result


@dataclass(frozen=True)
class ForecastYear:
    year: int
    planned: int
    realistic: int
    target: int | None


@dataclass(frozen=True)
class Forecast:
    """Plain sum of plans next to the realism-adjusted forecast, per year."""

    years: tuple[ForecastYear, ...]
    later_planned: int
    later_realistic: int
    shift_years: float
    chances: Mapping[str, float]
    unknown_chance: float

    @property
    def with_target(self) -> tuple[ForecastYear, ...]:
        return tuple(y for y in self.years if y.target is not None)

    @property
    def planned_total(self) -> int:
        return sum(y.planned for y in self.with_target)

    @property
    def realistic_total(self) -> int:
        return sum(y.realistic for y in self.with_target)

    @property
    def target_total(self) -> int:
        return sum(y.target or 0 for y in self.with_target)


def realism_forecast(
    projects: pd.DataFrame,
    fields: ProjectFields,
    chances: Mapping[str, float],
    shift_years: float,
    targets: Mapping[int, int],
    years: Sequence[int] | None = None,
) -> Forecast:
    """Planned dwellings per year, each weighted by the chance of its zoning status (an unknown
    status gets the lowest chance), then moved ``shift_years`` later: a fractional shift splits
    a year's volume over two years. A negative shift (plans that came earlier) is not applied:
    the forecast stays on the safe side."""
    table = active(projects, fields)
    years = list(planning_years(table, fields) if years is None else years)
    unknown = min(chances.values()) if chances else 1.0
    weight = texts(table, ZONING).map(lambda s: chances.get(str(s), unknown)).astype(float)
    planned = {y: numbers(table, f"{fields.planning}_{y}") for y in years}
    later = numbers(table, later_column(fields))
    realistic = {y: float((planned[y] * weight).sum()) for y in years}
    shifted = dict.fromkeys(years, 0.0)
    shifted_later = float((later * weight).sum())
    shift = max(0.0, shift_years)
    whole = math.floor(shift)
    part = shift - whole
    for year, volume in realistic.items():
        for target_year, share in ((year + whole, 1 - part), (year + whole + 1, part)):
            if share <= 0:
                continue
            if target_year in shifted:
                shifted[target_year] += volume * share
            else:
                shifted_later += volume * share
    return Forecast(
        years=tuple(
            ForecastYear(y, round(float(planned[y].sum())), round(shifted[y]), targets.get(y))
            for y in years
        ),
        later_planned=round(float(later.sum())),
        later_realistic=round(float(shifted_later)),
        shift_years=shift,
        chances=dict(chances),
        unknown_chance=unknown,
    )


def withdrawn_ids(projects: pd.DataFrame, fields: ProjectFields) -> set[str]:
    return {str(pid) for pid in projects.index[flags(projects, fields.withdrawn)]}
