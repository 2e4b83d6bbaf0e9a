"""Indicators: the numbers the reports show, computed from monitor snapshots with pandas.

Each indicator is a small function from project or agreement tables to plain data; nothing here
renders or formats. Project fields are found through catalogue tags (see :class:`ProjectFields`),
so a renamed field needs no change here. Withdrawn projects count in no production number; the
reports list them separately.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..core import Catalogue, ConfigError

# Fields without a tag: their keys are part of the catalogue's contract with the reports.
NAME, MUNICIPALITY, SUBREGION, INITIATOR = "name", "municipality", "subregion", "initiator"
ZONING, PERMIT, PHASE = "zoning_status", "permit_status", "phase"
STOPLIGHT, STOPLIGHT_EXPLANATION = "stoplight", "stoplight_explanation"
CONSTRUCTION_START = "construction_start"
BOTTLENECKS, BOTTLENECK_EXPLANATION, TARGET_GROUPS = (
    "bottlenecks",
    "bottleneck_explanation",
    ("target_groups"),
)
PILLAR, STATUS = "pillar", "status"
PERMIT_GRANTED = frozenset({"verleend", "onherroepelijk"})
UNDER_CONSTRUCTION = frozenset({"in aanbouw", "opgeleverd"})
RED = "rood"

# How an agreement's status moved between two rounds.
NEW, BETTER, WORSE, SAME = "nieuw", "beter", "slechter", "gelijk"


@dataclass(frozen=True)
class ProjectFields:
    """The project columns the indicators read, resolved from catalogue tags once."""

    total: str
    completed: str
    planning: str
    segments: tuple[str, ...]
    affordable: tuple[str, ...]
    social_rent: tuple[str, ...]
    circular: str
    target_group_dwellings: str
    withdrawn: str
    acceleration_site: str
    large_scale: str
    bottleneck_slots: tuple[str, ...]
    target_group_slots: tuple[str, ...]
    segment_labels: Mapping[str, str]
    hard_zoning: frozenset[str]
    stoplights: tuple[str, ...]
    # Soft plan capacity; a status in neither hard nor soft (onbekend) is its own category.
    soft_zoning: frozenset[str] = frozenset()
    unknown_year: str = "planning_unknown"  # dwellings without a planned year
    demolition: str | None = None

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> ProjectFields:
        def one(tag: str) -> str:
            fields = catalogue.tagged(tag)
            if len(fields) != 1:
                raise ConfigError(
                    f"De veldcatalogus moet precies één projectveld met tag '{tag}' hebben "
                    f"(gevonden: {len(fields)})."
                )
            return fields[0].key

        def keys(tag: str) -> tuple[str, ...]:
            return tuple(f.key for f in catalogue.tagged(tag))

        def slots(key: str) -> tuple[str, ...]:
            return tuple(f"{key}_{i}" for i in range(1, catalogue.field("project", key).slots + 1))

        return cls(
            total=one("total"),
            completed=one("completed"),
            planning=one("planning"),
            segments=keys("segment"),
            affordable=keys("affordable"),
            social_rent=keys("social_rent"),
            circular=one("circular"),
            target_group_dwellings=one("target_group_dwellings"),
            withdrawn=one("withdrawn"),
            acceleration_site=one("acceleration_site"),
            large_scale=one("large_scale"),
            bottleneck_slots=slots(BOTTLENECKS),
            target_group_slots=slots(TARGET_GROUPS),
            segment_labels={f.key: f.label for f in catalogue.tagged("segment")},
            hard_zoning=frozenset(catalogue.hard_zoning_statuses),
            stoplights=tuple(catalogue.lists["stoplight"]),
            soft_zoning=frozenset(catalogue.soft_zoning_statuses),
            unknown_year=catalogue.unknown_year_key,
            demolition=next((f.key for f in catalogue.tagged("demolition")), None),
        )


# -- column helpers ---------------------------------------------------------------------------


def numbers(frame: pd.DataFrame, key: str) -> pd.Series:
    """A numeric column with empty cells (and missing columns) as 0."""
    if key not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[key], errors="coerce").fillna(0.0).astype(float)


def summed(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """The sum of several numeric columns per row."""
    total = pd.Series(0.0, index=frame.index)
    for key in keys:
        total += numbers(frame, key)
    return total


def flags(frame: pd.DataFrame, key: str) -> pd.Series:
    """A yes/no column as booleans, empty as False."""
    if key not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[key].map(lambda v: v is True).astype(bool)


def texts(frame: pd.DataFrame, key: str) -> pd.Series:
    if key not in frame.columns:
        return pd.Series(None, index=frame.index, dtype=object)
    return frame[key]


def active(projects: pd.DataFrame, fields: ProjectFields) -> pd.DataFrame:
    """Projects that count in production numbers: all but the withdrawn."""
    return projects[~flags(projects, fields.withdrawn)]


def withdrawn(projects: pd.DataFrame, fields: ProjectFields) -> pd.DataFrame:
    return projects[flags(projects, fields.withdrawn)]


def planning_years(projects: pd.DataFrame, fields: ProjectFields) -> list[int]:
    """The calendar years with a planning column in this table, in order."""
    pattern = re.compile(rf"^{re.escape(fields.planning)}_(\d{{4}})$")
    return sorted(int(m[1]) for c in projects.columns if (m := pattern.match(str(c))))


def later_column(fields: ProjectFields) -> str:
    return f"{fields.planning}_later"


def remaining(projects: pd.DataFrame, fields: ProjectFields) -> pd.Series:
    """Dwellings still to be completed per project."""
    return (numbers(projects, fields.total) - numbers(projects, fields.completed)).clip(lower=0)


def in_scope(
    projects: pd.DataFrame, subregion_of: Mapping[str, str], subregion: str | None
) -> pd.DataFrame:
    """The projects of one subregion (by the municipality's subregion), or all."""
    if subregion is None:
        return projects
    municipality = texts(projects, MUNICIPALITY)
    return projects[municipality.map(lambda code: subregion_of.get(str(code))) == subregion]


def scaled_targets(completions: Mapping[int, int], share: float) -> dict[int, int]:
    """Yearly completion targets for a share of the region, rounded to whole dwellings."""
    return {year: round(target * share) for year, target in completions.items()}


def whole(value: float) -> int:
    """A count as a whole number."""
    return round(float(value))


# -- building programme -----------------------------------------------------------------------


@dataclass(frozen=True)
class YearTarget:
    year: int
    planned: int
    target: int | None


@dataclass(frozen=True)
class Completions:
    """Planned completions per year against the target (active projects only)."""

    years: tuple[YearTarget, ...]
    later: int
    completed_to_date: int
    unknown_year: int = 0  # dwellings to build that nobody has placed in a year yet

    @property
    def planned(self) -> int:
        """Planned in every year shown, with or without a target."""
        return sum(y.planned for y in self.years)

    @property
    def planned_with_target(self) -> int:
        return sum(y.planned for y in self.years if y.target is not None)

    @property
    def target_total(self) -> int:
        return sum(y.target for y in self.years if y.target is not None)


def completions(
    projects: pd.DataFrame,
    fields: ProjectFields,
    targets: Mapping[int, int],
    years: Sequence[int] | None = None,
) -> Completions:
    """Planned completions per year; ``years`` are the planning years of the stand (from the
    time model: never a year that has ended), by default the table's planning columns."""
    table = active(projects, fields)
    shown = tuple(
        YearTarget(
            year, whole(numbers(table, f"{fields.planning}_{year}").sum()), targets.get(year)
        )
        for year in (planning_years(table, fields) if years is None else years)
    )
    return Completions(
        years=shown,
        later=whole(numbers(table, later_column(fields)).sum()),
        completed_to_date=whole(numbers(table, fields.completed).sum()),
        unknown_year=whole(numbers(table, fields.unknown_year).sum()),
    )


@dataclass(frozen=True)
class PlanCapacity:
    """Dwellings still to build in hard and soft plans, against the remaining target.

    Plans whose status is unknown count as neither: ``unknown`` shows them on their own, outside
    the capacity. ``demolition`` is the dwellings the active plans demolish (net = total - sloop).
    """

    hard: int
    soft: int
    target: int
    norm: float
    first_year: int | None
    last_year: int | None
    unknown: int = 0
    demolition: int = 0

    @property
    def total(self) -> int:
        return self.hard + self.soft

    @property
    def coverage(self) -> float | None:
        return self.total / self.target if self.target else None

    @property
    def hard_coverage(self) -> float | None:
        """Hard capacity against the remaining target (the national note's measure)."""
        return self.hard / self.target if self.target else None

    @property
    def hard_share(self) -> float | None:
        """The share of the plan capacity (hard + soft) that is hard: the one measure of hard
        capacity in the regional reports and the dashboard."""
        return self.hard / self.total if self.total else None

    @property
    def net(self) -> int:
        """Hard and soft capacity minus the dwellings the plans demolish."""
        return self.total - self.demolition

    @property
    def norm_dwellings(self) -> int:
        return whole(self.target * self.norm)

    @property
    def shortfall(self) -> int:
        """Dwellings of plan capacity missing to reach the norm (0 when it is met)."""
        return max(0, self.norm_dwellings - self.total)


def plan_capacity(
    projects: pd.DataFrame,
    fields: ProjectFields,
    targets: Mapping[int, int],
    norm: float,
    years: Sequence[int] | None = None,
) -> PlanCapacity:
    """Hard and soft capacity; the target is the sum of the yearly targets from the stand's
    first planning year on (the part of the woondeal still ahead)."""
    table = active(projects, fields)
    to_build = remaining(table, fields)
    status = texts(table, ZONING)
    hard = status.isin(fields.hard_zoning)
    soft = status.isin(fields.soft_zoning)
    years = list(planning_years(projects, fields) if years is None else years)
    first = years[0] if years else None
    ahead = {y: t for y, t in targets.items() if first is None or y >= first}
    return PlanCapacity(
        hard=whole(to_build[hard].sum()),
        soft=whole(to_build[soft].sum()),
        unknown=whole(to_build[~hard & ~soft].sum()),
        demolition=whole(numbers(table, fields.demolition).sum()) if fields.demolition else 0,
        target=sum(ahead.values()),
        norm=norm,
        first_year=min(ahead) if ahead else None,
        last_year=max(ahead) if ahead else None,
    )


# -- affordability, circular building, target groups -------------------------------------------


@dataclass(frozen=True)
class Affordability:
    """Price segments of the active plans against the woondeal shares.

    The shares are over the dwellings that have a price split (``dwellings``, the sum of the
    segments); ``coverage`` says how many of all dwellings in the plans that is.
    """

    dwellings: int
    affordable: int
    social_rent: int
    affordable_target: float
    social_rent_target: float
    segments: tuple[tuple[str, int], ...]
    all_dwellings: int = 0  # every dwelling in the active plans, split or not
    covered_dwellings: int = 0  # the total of the projects that have a price split

    @property
    def coverage(self) -> float | None:
        return self.covered_dwellings / self.all_dwellings if self.all_dwellings else None

    @property
    def complete(self) -> bool:
        return self.covered_dwellings >= self.all_dwellings

    @property
    def affordable_share(self) -> float | None:
        return self.affordable / self.dwellings if self.dwellings else None

    @property
    def social_rent_share(self) -> float | None:
        return self.social_rent / self.dwellings if self.dwellings else None


def affordability(
    projects: pd.DataFrame,
    fields: ProjectFields,
    affordable_target: float,
    social_rent_target: float,
) -> Affordability:
    table = active(projects, fields)

    def total(keys: Sequence[str]) -> int:
        return whole(summed(table, keys).sum())

    split = summed(table, fields.segments) > 0
    totals = numbers(table, fields.total)
    return Affordability(
        dwellings=total(fields.segments),
        affordable=total(fields.affordable),
        social_rent=total(fields.social_rent),
        affordable_target=affordable_target,
        social_rent_target=social_rent_target,
        segments=tuple((fields.segment_labels[k], total([k])) for k in fields.segments),
        all_dwellings=whole(totals.sum()),
        covered_dwellings=whole(totals[split].sum()),
    )


@dataclass(frozen=True)
class Circular:
    projects: int
    dwellings: int
    all_projects: int
    all_dwellings: int

    @property
    def dwelling_share(self) -> float | None:
        return self.dwellings / self.all_dwellings if self.all_dwellings else None


def circular(projects: pd.DataFrame, fields: ProjectFields) -> Circular:
    table = active(projects, fields)
    yes = flags(table, fields.circular)
    total = numbers(table, fields.total)
    return Circular(
        projects=int(yes.sum()),
        dwellings=whole(total[yes].sum()),
        all_projects=len(table),
        all_dwellings=whole(total.sum()),
    )


@dataclass(frozen=True)
class TargetGroupRow:
    group: str
    projects: int
    dwellings: int


@dataclass(frozen=True)
class TargetGroups:
    """Dwellings for target groups; a project with two groups counts under both rows, once in
    the totals."""

    rows: tuple[TargetGroupRow, ...]
    projects: int
    dwellings: int


def target_groups(
    projects: pd.DataFrame, fields: ProjectFields, groups: Sequence[str]
) -> TargetGroups:
    table = active(projects, fields)
    dwellings = numbers(table, fields.target_group_dwellings)
    chosen = pd.Series(False, index=table.index)
    rows = []
    for group in groups:
        has = pd.Series(False, index=table.index)
        for slot in fields.target_group_slots:
            has |= texts(table, slot) == group
        chosen |= has
        if has.any():
            rows.append(TargetGroupRow(group, int(has.sum()), whole(dwellings[has].sum())))
    return TargetGroups(tuple(rows), int(chosen.sum()), whole(dwellings[chosen].sum()))


# -- agreements -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementRow:
    id: str
    pillar: str
    text: str
    partners: str
    status: str
    previous_status: str | None
    change: str | None
    output: str
    outcome: str
    actions: str


@dataclass(frozen=True)
class AgreementSummary:
    """Agreements in the stoplight model, with their movement since the previous round."""

    rows: tuple[AgreementRow, ...]
    counts: Mapping[str, int]
    previous_counts: Mapping[str, int] | None

    def changed(self, change: str) -> tuple[AgreementRow, ...]:
        return tuple(r for r in self.rows if r.change == change)


def agreements(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    stoplights: Sequence[str],
    pillar: str | None = None,
) -> AgreementSummary:
    """Agreements of one pillar (or all); ``previous`` is None in the first round."""

    def of_pillar(table: pd.DataFrame) -> pd.DataFrame:
        if pillar is None or table.empty:
            return table
        return table[texts(table, PILLAR).astype(str) == pillar]

    now = of_pillar(current)
    before = of_pillar(previous) if previous is not None else None
    rank = {colour: i for i, colour in enumerate(stoplights)}
    rows = []
    for agreement_id, row in now.iterrows():
        status = as_text(row.get(STATUS))
        old = None
        change = None
        if before is not None:
            old = as_text(before.at[agreement_id, STATUS]) if agreement_id in before.index else None
            if old is None:
                change = NEW
            elif rank.get(status, 0) < rank.get(old, 0):
                change = BETTER
            elif rank.get(status, 0) > rank.get(old, 0):
                change = WORSE
            else:
                change = SAME
        rows.append(
            AgreementRow(
                id=str(agreement_id),
                pillar=as_text(row.get(PILLAR)),
                text=as_text(row.get("text")),
                partners=as_text(row.get("partners")),
                status=status,
                previous_status=old or None,
                change=change,
                output=as_text(row.get("output")),
                outcome=as_text(row.get("outcome")),
                actions=as_text(row.get("actions")),
            )
        )
    rows.sort(key=lambda r: _agreement_sort_key(r.id))

    def count(table: pd.DataFrame) -> dict[str, int]:
        statuses = texts(table, STATUS)
        return {colour: int((statuses == colour).sum()) for colour in stoplights}

    return AgreementSummary(tuple(rows), count(now), count(before) if before is not None else None)


def _agreement_sort_key(agreement_id: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"[.\-]", agreement_id))


def as_text(value: object) -> str:
    """A cell as text, empty cells as the empty string."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def records(table: pd.DataFrame) -> dict[Hashable, dict[Hashable, Any]]:
    """Rows by id, for code that walks projects one by one."""
    return table.to_dict("index")
