"""Casework: the projects behind the numbers, for the table's agenda.

Bottleneck categories across the region (*rode draden*), what moved since the previous round and
which projects need the steering board's attention. Individual projects appear here as casework
that makes a bottleneck concrete, never as a subject of negotiation.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..core import RodeDraden
from .indicators import (
    BOTTLENECK_EXPLANATION,
    INITIATOR,
    MUNICIPALITY,
    NAME,
    PERMIT,
    PERMIT_GRANTED,
    PHASE,
    RED,
    STOPLIGHT,
    STOPLIGHT_EXPLANATION,
    UNDER_CONSTRUCTION,
    ZONING,
    ProjectFields,
    active,
    as_text,
    flags,
    numbers,
    records,
    remaining,
    texts,
    whole,
)

# -- bottlenecks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseProject:
    """A project behind a bottleneck or an attention point: casework, not negotiation."""

    id: str
    name: str
    municipality: str
    initiator: str
    dwellings: int
    stoplight: str
    explanation: str


@dataclass(frozen=True)
class RodeDraad:
    """One bottleneck category across the region."""

    category: str
    projects: int
    dwellings: int
    municipalities: tuple[str, ...]
    parties: tuple[str, ...]
    previous_projects: int | None
    recurring: bool
    route: str
    cases: tuple[CaseProject, ...]

    @property
    def trend(self) -> int | None:
        return None if self.previous_projects is None else self.projects - self.previous_projects


def case_project(
    project_id: Hashable,
    row: Mapping[Hashable, Any],
    fields: ProjectFields,
    explanation_key: str = "",
) -> CaseProject:
    """A project row as casework, with the dwellings it still has to build; ``explanation_key``
    names the text to show with it."""
    total, completed = _number(row.get(fields.total)), _number(row.get(fields.completed))
    return CaseProject(
        id=str(project_id),
        name=as_text(row.get(NAME)),
        municipality=as_text(row.get(MUNICIPALITY)),
        initiator=as_text(row.get(INITIATOR)),
        dwellings=max(0, whole(total - completed)),
        stoplight=as_text(row.get(STOPLIGHT)),
        explanation=as_text(row.get(explanation_key)) if explanation_key else "",
    )


def _number(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if pd.isna(number) else number


def bottleneck_projects(projects: pd.DataFrame, fields: ProjectFields) -> dict[str, list[str]]:
    """Per bottleneck category the ids of the active projects that name it."""
    table = active(projects, fields)
    found: dict[str, list[str]] = {}
    for project_id, row in table.iterrows():
        named = {as_text(row.get(slot)) for slot in fields.bottleneck_slots} - {""}
        for category in sorted(named):
            found.setdefault(category, []).append(str(project_id))
    return found


def rode_draden(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    fields: ProjectFields,
    settings: RodeDraden,
) -> list[RodeDraad]:
    """Every bottleneck category named now or in the previous round, most projects first.

    A category recurs (a *rode draad*) when at least ``min_projects`` projects in at least
    ``min_municipalities`` municipalities name it.
    """
    now = bottleneck_projects(current, fields)
    before = bottleneck_projects(previous, fields) if previous is not None else None
    to_build = remaining(current, fields)
    rows_by_id = records(current)
    result = []
    for category in sorted(set(now) | set(before or {})):
        ids = now.get(category, [])
        rows = current.loc[ids]
        municipalities = tuple(sorted(set(texts(rows, MUNICIPALITY).dropna().astype(str))))
        parties = tuple(sorted(set(texts(rows, INITIATOR).dropna().astype(str))))
        cases = sorted(
            (case_project(pid, rows_by_id[pid], fields, BOTTLENECK_EXPLANATION) for pid in ids),
            key=lambda c: (-c.dwellings, c.id),
        )
        result.append(
            RodeDraad(
                category=category,
                projects=len(ids),
                dwellings=whole(to_build[ids].sum()) if ids else 0,
                municipalities=municipalities,
                parties=parties,
                previous_projects=len(before.get(category, [])) if before is not None else None,
                recurring=(
                    len(ids) >= settings.min_projects
                    and len(municipalities) >= settings.min_municipalities
                ),
                route=settings.route.get(category, settings.default_route),
                cases=tuple(cases),
            )
        )
    result.sort(key=lambda d: (-d.projects, -d.dwellings, d.category))
    return result


# -- progress and attention -------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """What moved between the previous round and this one."""

    completed: int
    to_hard_projects: int
    to_hard_dwellings: int
    permits_granted: int
    construction_started: int
    new_projects: int
    new_dwellings: int
    withdrawn_projects: int
    withdrawn_dwellings: int


def progress(current: pd.DataFrame, previous: pd.DataFrame, fields: ProjectFields) -> Progress:
    both = current.index.intersection(previous.index)
    now, before = current.loc[both], previous.loc[both]
    was_active = ~flags(before, fields.withdrawn)
    is_active = ~flags(now, fields.withdrawn)
    grew = numbers(now, fields.completed) - numbers(before, fields.completed)
    to_hard = (
        was_active
        & is_active
        & texts(now, ZONING).isin(fields.hard_zoning)
        & ~texts(before, ZONING).isin(fields.hard_zoning)
    )
    granted = (
        is_active
        & texts(now, PERMIT).isin(PERMIT_GRANTED)
        & ~texts(before, PERMIT).isin(PERMIT_GRANTED)
    )
    started = (
        is_active
        & texts(now, PHASE).isin(UNDER_CONSTRUCTION)
        & ~texts(before, PHASE).isin(UNDER_CONSTRUCTION)
    )
    gone = was_active & ~is_active
    new = active(current.loc[current.index.difference(previous.index)], fields)
    return Progress(
        completed=whole(grew.sum()),
        to_hard_projects=int(to_hard.sum()),
        to_hard_dwellings=whole(remaining(now, fields)[to_hard].sum()),
        permits_granted=int(granted.sum()),
        construction_started=int(started.sum()),
        new_projects=len(new),
        new_dwellings=whole(numbers(new, fields.total).sum()),
        withdrawn_projects=int(gone.sum()),
        withdrawn_dwellings=whole(remaining(before, fields)[gone].sum()),
    )


@dataclass(frozen=True)
class Attention:
    """Projects the steering board should look at, largest first."""

    stalled: tuple[CaseProject, ...]
    newly_red: tuple[CaseProject, ...]
    slipped_large: tuple[tuple[CaseProject, int], ...]
    red_total: int
    red_dwellings: int


def attention(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    fields: ProjectFields,
    start_slips: Mapping[str, int],
    *,
    large_dwellings: int,
    slip_quarters: int,
) -> Attention:
    """Red projects (stalled when also red in the previous round) and large projects whose
    start of construction slipped at least ``slip_quarters`` since first reported."""
    table = active(current, fields)
    to_build = remaining(table, fields)
    rows_by_id = records(table)
    red = texts(table, STOPLIGHT) == RED
    was_red = pd.Series(False, index=table.index)
    if previous is not None:
        before = texts(previous, STOPLIGHT).reindex(table.index)
        was_red = (before == RED).fillna(False).astype(bool)

    def cases(mask: pd.Series) -> tuple[CaseProject, ...]:
        found = [
            case_project(pid, rows_by_id[pid], fields, STOPLIGHT_EXPLANATION)
            for pid in table.index[mask]
        ]
        return tuple(sorted(found, key=lambda c: (-c.dwellings, c.id)))

    large = flags(table, fields.large_scale) | (numbers(table, fields.total) >= large_dwellings)
    slipped = []
    for pid in table.index[large]:
        quarters = start_slips.get(str(pid))
        if quarters is not None and quarters >= slip_quarters:
            slipped.append(
                (case_project(pid, rows_by_id[pid], fields, STOPLIGHT_EXPLANATION), quarters)
            )
    slipped.sort(key=lambda item: (-item[1], -item[0].dwellings, item[0].id))
    return Attention(
        stalled=cases(red & was_red),
        newly_red=cases(red & ~was_red),
        slipped_large=tuple(slipped),
        red_total=int(red.sum()),
        red_dwellings=whole(to_build[red].sum()),
    )
