"""The same project entered twice: by two parties, in the same municipality, under a name that
is (nearly) the same or at the same coordinates.

A merge can put such a pair in the monitor when two parties each add the project as new in the
same round; neither check could see the other's file. The pair is never merged silently: both
parties see it in their next workbook and the secretary in the merge's summary and the status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..core import Catalogue, Monitor, Region
from .baseline import RowProblem

NEAR_METRES = 10.0  # coordinates this close count as the same place


@dataclass(frozen=True)
class Duplicate:
    """Two projects that look like one, kept by different parties."""

    first: str
    second: str
    municipality: str
    reason: str  # "naam" or "coördinaten"


def name_key(name: object) -> str:
    """A name as the words in it, in order of the alphabet: "Hoge Weide, Druten" and "Druten
    Hoge Weide" are the same; "fase 2" and "fase 3" are not."""
    return " ".join(sorted(re.findall(r"[0-9a-zà-ÿ]+", str(name or "").lower())))


def possible_duplicates(
    monitor: Monitor, catalogue: Catalogue, among: set[str] | None = None
) -> list[Duplicate]:
    """Pairs of active projects of different initiators in one municipality with the same name
    (see :func:`name_key`) or at the same place; with ``among``, only pairs with at least one
    project of that set."""
    roles = catalogue.roles
    table = monitor.projects
    if table.empty or roles.municipality not in table or roles.initiator not in table:
        return []
    withdrawn = table.get(roles.withdrawn, pd.Series(False, index=table.index))
    active = table[withdrawn.map(lambda v: v is not True)]
    found: dict[tuple[str, str], Duplicate] = {}

    def pair(a: str, b: str, place: str, reason: str) -> None:
        a, b = sorted((a, b))
        if among is not None and a not in among and b not in among:
            return
        if str(active.at[a, roles.initiator]) == str(active.at[b, roles.initiator]):
            return
        found.setdefault((a, b), Duplicate(a, b, place, reason))

    names = active[roles.name].map(name_key) if roles.name in active else None
    for place, group in active.groupby(roles.municipality):
        ids = [str(i) for i in group.index]
        if names is not None:
            by_name: dict[str, list[str]] = {}
            for i in ids:
                if names[i]:
                    by_name.setdefault(names[i], []).append(i)
            for same in by_name.values():
                for k, a in enumerate(same):
                    for b in same[k + 1 :]:
                        pair(a, b, str(place), "naam")
        if "x_rd" in group and "y_rd" in group:
            by_place: dict[tuple[int, int], list[str]] = {}
            for i in ids:
                x, y = _number(group.at[i, "x_rd"]), _number(group.at[i, "y_rd"])
                if x is not None and y is not None:  # the same 10 m square: the same place
                    by_place.setdefault((int(x // NEAR_METRES), int(y // NEAR_METRES)), []).append(
                        i
                    )
            for same in by_place.values():
                for k, a in enumerate(same):
                    for b in same[k + 1 :]:
                        pair(a, b, str(place), "coördinaten")
    return sorted(found.values(), key=lambda d: (d.first, d.second))


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def duplicate_problems(monitor: Monitor, catalogue: Catalogue, region: Region) -> list[RowProblem]:
    """Each project of a possible duplicate pair as a problem for its owner's instructions: both
    parties hear of it, each about its own project, naming the other."""
    problems = []
    names = catalogue.roles.name
    initiator = catalogue.roles.initiator
    table = monitor.projects
    for pair in possible_duplicates(monitor, catalogue):
        for mine, other in ((pair.first, pair.second), (pair.second, pair.first)):
            party = str(table.at[other, initiator])
            problems.append(
                RowProblem(
                    "project",
                    mine,
                    "possible-duplicate",
                    names,
                    frozenset([names]),
                    {
                        "other": other,
                        "other_name": str(table.at[other, names]),
                        "other_party": str(region.display("@parties", party)),
                        "reason": pair.reason,
                    },
                )
            )
    return problems
