"""The oracle: every board figure computed a second time, deliberately plainly.

Straight SQL over the state's ``snapshots`` table and loops over plain dicts; nothing from
``pipeline.reporting``. The only things taken from planmonitor are settings (targets, norm,
realisation chances, the catalogue's lists of hard and soft statuses): what a number *should*
be is worked out here on its own, so a mistake in the report code shows as a difference.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEGMENTS = ("social_rent", "mid_rent", "high_rent", "affordable_buy", "high_buy")
AFFORDABLE = ("social_rent", "mid_rent", "affordable_buy")
GRANTED = {"verleend", "onherroepelijk"}
BUILDING = {"in aanbouw", "opgeleverd"}

Row = dict[str, Any]


def snapshot(database: Path, round_: str, entity: str = "project") -> dict[str, Row]:
    """Rows of one snapshot straight from SQL: {id: {field: value}}."""
    with sqlite3.connect(database) as db:
        found: dict[str, Row] = {}
        for row_id, record in db.execute(
            "SELECT row_id, record FROM snapshots WHERE round = ? AND entity = ?",
            (round_, entity),
        ):
            found[row_id] = json.loads(record)
    return found


def rounds_with_cells(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [r for (r,) in db.execute("SELECT DISTINCT round FROM snapshots ORDER BY round")]


def carried(database: Path, round_: str) -> list[tuple[str, int, int]]:
    with sqlite3.connect(database) as db:
        return list(
            db.execute(
                "SELECT row_id, from_year, dwellings FROM carried WHERE round = ?", (round_,)
            )
        )


def n(row: Row, key: str) -> float:
    value = row.get(key)
    if value is None or isinstance(value, (bool, str)):
        return 0.0
    return 0.0 if value != value else float(value)


def live(rows: dict[str, Row]) -> dict[str, Row]:
    return {k: r for k, r in rows.items() if r.get("withdrawn") is not True}


def to_build(row: Row) -> float:
    return max(0.0, n(row, "total_dwellings") - n(row, "completed"))


def whole(x: float) -> int:
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


@dataclass
class Scope:
    """The numbers of one scope (the region or a subregion)."""

    projects: int
    to_build: int
    planned: dict[int, int]
    later: int
    completed: int
    targets: dict[int, int]
    hard: int
    soft: int
    unknown: int
    capacity_target: int
    affordable: int
    social: int
    split: int
    covered: int
    all_dwellings: int
    circular_projects: int
    circular_dwellings: int
    lights: dict[str, int]
    unknown_year: int = 0
    demolition: int = 0
    segments: dict[str, int] = field(default_factory=dict)
    red_dwellings: int = 0
    groups: dict[str, tuple[int, int]] = field(default_factory=dict)  # group: projects, dwellings
    group_projects: int = 0
    group_dwellings: int = 0

    @property
    def planned_with_target(self) -> int:
        return sum(v for y, v in self.planned.items() if y in self.targets)

    @property
    def target_total(self) -> int:
        return sum(self.targets.get(y, 0) for y in self.planned if y in self.targets)


def scope(
    rows: dict[str, Row],
    years: Iterable[int],
    targets: dict[int, int],
    hard: set[str],
    soft: set[str],
    lights: Iterable[str],
) -> Scope:
    active = live(rows)
    years = list(years)
    shown_targets = {y: targets[y] for y in years if y in targets}
    split_rows = [r for r in active.values() if sum(n(r, k) for k in SEGMENTS) > 0]
    return Scope(
        projects=len(active),
        to_build=whole(sum(to_build(r) for r in active.values())),
        planned={y: whole(sum(n(r, f"planning_{y}") for r in active.values())) for y in years},
        later=whole(sum(n(r, "planning_later") for r in active.values())),
        completed=whole(sum(n(r, "completed") for r in active.values())),
        targets=shown_targets,
        hard=whole(sum(to_build(r) for r in active.values() if r.get("zoning_status") in hard)),
        soft=whole(sum(to_build(r) for r in active.values() if r.get("zoning_status") in soft)),
        unknown=whole(
            sum(to_build(r) for r in active.values() if r.get("zoning_status") not in hard | soft)
        ),
        capacity_target=sum(t for y, t in targets.items() if years and y >= years[0]),
        affordable=whole(sum(n(r, k) for r in active.values() for k in AFFORDABLE)),
        social=whole(sum(n(r, "social_rent") for r in active.values())),
        split=whole(sum(n(r, k) for r in active.values() for k in SEGMENTS)),
        covered=whole(sum(n(r, "total_dwellings") for r in split_rows)),
        all_dwellings=whole(sum(n(r, "total_dwellings") for r in active.values())),
        circular_projects=sum(1 for r in active.values() if r.get("circular") is True),
        circular_dwellings=whole(
            sum(n(r, "total_dwellings") for r in active.values() if r.get("circular") is True)
        ),
        lights={c: sum(1 for r in active.values() if r.get("stoplight") == c) for c in lights},
        unknown_year=whole(sum(n(r, "planning_unknown") for r in active.values())),
        demolition=whole(sum(n(r, "demolition") for r in active.values())),
        segments={k: whole(sum(n(r, k) for r in active.values())) for k in SEGMENTS},
        red_dwellings=whole(
            sum(to_build(r) for r in active.values() if r.get("stoplight") == "rood")
        ),
        groups=_groups(active),
        group_projects=sum(1 for r in active.values() if _groups_of(r)),
        group_dwellings=whole(
            sum(n(r, "target_group_dwellings") for r in active.values() if _groups_of(r))
        ),
    )


def _groups_of(row: Row) -> set[str]:
    return {str(row[k]) for k in ("target_groups_1", "target_groups_2") if row.get(k)}


def _groups(active: dict[str, Row]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for r in active.values():
        for group in _groups_of(r):
            projects, dwellings = out.get(group, (0, 0))
            out[group] = (projects + 1, dwellings + whole(n(r, "target_group_dwellings")))
    return out


@dataclass
class Moved:
    """What moved between the compared stand and this one (projects in both)."""

    completed: int
    to_hard: int
    to_hard_dwellings: int
    permits: int
    started: int
    new: int
    new_dwellings: int
    withdrawn: int
    withdrawn_dwellings: int


def moved(now: dict[str, Row], before: dict[str, Row], hard: set[str]) -> Moved:
    both = [k for k in now if k in before]
    was = {k for k in both if before[k].get("withdrawn") is not True}
    still = {k for k in both if now[k].get("withdrawn") is not True}
    to_hard = [
        k
        for k in was & still
        if now[k].get("zoning_status") in hard and before[k].get("zoning_status") not in hard
    ]
    new = [k for k in now if k not in before and now[k].get("withdrawn") is not True]
    gone = [k for k in was if k not in still]
    return Moved(
        completed=whole(sum(n(now[k], "completed") - n(before[k], "completed") for k in both)),
        to_hard=len(to_hard),
        to_hard_dwellings=whole(sum(to_build(now[k]) for k in to_hard)),
        permits=sum(
            1
            for k in still
            if now[k].get("permit_status") in GRANTED
            and before[k].get("permit_status") not in GRANTED
        ),
        started=sum(
            1
            for k in still
            if now[k].get("phase") in BUILDING and before[k].get("phase") not in BUILDING
        ),
        new=len(new),
        new_dwellings=whole(sum(n(now[k], "total_dwellings") for k in new)),
        withdrawn=len(gone),
        withdrawn_dwellings=whole(sum(to_build(before[k]) for k in gone)),
    )


@dataclass
class Bottleneck:
    projects: int
    dwellings: int
    municipalities: int
    parties: int
    previous: int | None


def bottlenecks(
    now: dict[str, Row], before: dict[str, Row] | None, slots: int = 3
) -> dict[str, Bottleneck]:
    def named(rows: dict[str, Row]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for k, r in live(rows).items():
            for category in {r.get(f"bottlenecks_{i}") for i in range(1, slots + 1)} - {None, ""}:
                out.setdefault(str(category), []).append(k)
        return out

    current = named(now)
    earlier = named(before) if before is not None else None
    return {
        c: Bottleneck(
            projects=len(ids),
            dwellings=whole(sum(to_build(now[k]) for k in ids)),
            municipalities=len({now[k].get("municipality") for k in ids}),
            parties=len({now[k].get("initiator") for k in ids}),
            previous=len(earlier.get(c, [])) if earlier is not None else None,
        )
        for c, ids in current.items()
    }


def agreement_counts(rows: dict[str, Row], colours: Iterable[str]) -> dict[str, int]:
    return {c: sum(1 for r in rows.values() if r.get("status") == c) for c in colours}


@dataclass
class Figures:
    """Every figure of one report, with the plain numbers it can be explained by."""

    region: Scope
    subregions: dict[str, Scope]
    moved: Moved | None
    bottlenecks: dict[str, Bottleneck]
    agreements: dict[str, int]
    carried: int
    explained: set[float] = field(default_factory=set)


def figures(
    database: Path,
    measured: str,
    compared: str | None,
    *,
    years: list[int],
    targets: dict[int, int],
    shares: dict[str, float],
    subregion_of: dict[str, str],
    hard: set[str],
    soft: set[str],
    lights: list[str],
) -> Figures:
    now = snapshot(database, measured)
    before = snapshot(database, compared) if compared else None
    region = scope(now, years, targets, hard, soft, lights)
    subregions = {}
    for name in sorted(set(subregion_of.values())):
        rows = {k: r for k, r in now.items() if subregion_of.get(r.get("municipality")) == name}
        share = shares.get(name)
        scaled = {y: whole(t * share) for y, t in targets.items()} if share is not None else {}
        subregions[name] = scope(rows, years, scaled, hard, soft, lights)
    agreements = snapshot(database, measured, "agreement")
    return Figures(
        region=region,
        subregions=subregions,
        moved=moved(now, before, hard) if before is not None else None,
        bottlenecks=bottlenecks(now, before),
        agreements=agreement_counts(agreements, lights),
        carried=sum(d for _, _, d in carried(database, measured)),
    )


# -- realism, plainly -------------------------------------------------------------------------


def completion_year(round_: str) -> int:
    """Dwellings completed before the snapshot of Y-H1 were completed in Y-1; of Y-H2, in Y."""
    year, half = int(round_[:4]), int(round_[-1])
    return year - 1 if half == 1 else year


def mean_slip(database: Path, measured: str) -> tuple[float, int]:
    """The dwelling-weighted mean shift of each project's mean completion year since its first
    snapshot, over projects seen at least twice, active and with dwellings; and how many."""
    keys = [r for r in rounds_with_cells(database) if r <= measured]
    tables = {r: snapshot(database, r) for r in keys}
    planning = {
        int(k[9:])
        for rows in tables.values()
        for r in rows.values()
        for k in r
        if k[9:].isdigit() and k.startswith("planning_")
    }
    later = max(planning, default=0) + 1
    means: dict[str, list[float | None]] = {}
    done: dict[str, list[tuple[int, float]]] = {}
    for key in keys:
        for pid, r in tables[key].items():
            allocated = done.setdefault(pid, [])
            grown = n(r, "completed") - sum(d for _, d in allocated)
            if grown > 0:
                allocated.append((completion_year(key), grown))
            weights = [(float(y), n(r, f"planning_{y}")) for y in sorted(planning)]
            weights += [(float(later), n(r, "planning_later"))]
            weights += [(float(y), d) for y, d in allocated]
            total = sum(w for _, w in weights)
            means.setdefault(pid, []).append(
                sum(y * w for y, w in weights) / total if total > 0 else None
            )
    last = tables[keys[-1]]
    pairs = []
    for pid, r in live(last).items():
        seen = means.get(pid, [])
        if len(seen) < 2 or n(r, "total_dwellings") <= 0:
            continue
        first = next((m for m in seen if m is not None), None)
        if first is None or seen[-1] is None:
            continue
        pairs.append((seen[-1] - first, n(r, "total_dwellings")))
    weight = sum(w for _, w in pairs)
    return (sum(s * w for s, w in pairs) / weight if weight else 0.0), len(pairs)


def forecast(
    rows: dict[str, Row], years: list[int], chances: dict[str, float], shift: float
) -> tuple[dict[int, int], int]:
    """Realistic completions per year: planned × chance of the status, moved ``shift`` years
    later (a part of a year splits over two years; past the last year goes to "later")."""
    lowest = min(chances.values())
    shift = max(0.0, shift)
    whole_years, part = int(shift), shift - int(shift)
    out = dict.fromkeys(years, 0.0)
    later = 0.0
    for r in live(rows).values():
        chance = chances.get(str(r.get("zoning_status")), lowest)
        later += n(r, "planning_later") * chance
        for y in years:
            volume = n(r, f"planning_{y}") * chance
            for to, share in ((y + whole_years, 1 - part), (y + whole_years + 1, part)):
                if share <= 0:
                    continue
                if to in out:
                    out[to] += volume * share
                else:
                    later += volume * share
    return {y: whole(v) for y, v in out.items()}, whole(later)


def nice_ticks(highest: float) -> list[int]:
    """Axis marks 0, half and the top: the top rounded up to 1, 2, 2.5 or 5 times a power of 10."""
    if highest <= 0:
        return [0, 1]
    power = 10 ** (len(str(int(highest))) - 1)
    top = next(s * power for s in (1, 2, 2.5, 5, 10) if highest <= s * power)
    return [0, whole(top / 2), whole(top)]


def planned_against_completed(database: Path, measured: str) -> dict[int, tuple[int, int, int]]:
    """Per year that has (partly) passed between two snapshots: planned (from the snapshot of
    its first half, else of its second), completed in the halves observed, carried at its end."""
    keys = [r for r in rounds_with_cells(database) if r <= measured]
    tables = {r: snapshot(database, r) for r in keys}

    def grown(a: str, b: str) -> int:
        both = [k for k in tables[b] if k in tables[a]]
        return whole(sum(n(tables[b][k], "completed") - n(tables[a][k], "completed") for k in both))

    out = {}
    for year in sorted({int(k[:4]) for k in keys} | {int(k[:4]) - 1 for k in keys}):
        h1, h2, nxt = f"{year}-H1", f"{year}-H2", f"{year + 1}-H1"
        source = h1 if h1 in tables else h2 if h2 in tables else None
        if source is None:
            continue
        periods = [(h1, h2), (h2, nxt)] if source == h1 else [(h2, nxt)]
        seen = [(a, b) for a, b in periods if a in tables and b in tables]
        if not seen:
            continue
        planned = whole(sum(n(r, f"planning_{year}") for r in live(tables[source]).values()))
        with sqlite3.connect(database) as db:
            moved = db.execute(
                "SELECT COALESCE(SUM(dwellings), 0) FROM carried WHERE from_year = ? AND round <= ?",
                (year, measured),
            ).fetchone()[0]
        out[year] = (planned, sum(grown(a, b) for a, b in seen), int(moved))
    return out


def start_slip(database: Path, measured: str) -> float:
    """Dwelling-weighted mean shift in quarters of the start of construction since first
    reported, over active projects seen at least twice with a start both times."""
    keys = [r for r in rounds_with_cells(database) if r <= measured]
    tables = {r: snapshot(database, r) for r in keys}

    def quarters(value: Any) -> int | None:
        text = str(value or "")
        if len(text) == 7 and text[4:6] == "-K" and text[:4].isdigit() and text[6] in "1234":
            return int(text[:4]) * 4 + int(text[6]) - 1
        return None

    pairs = []
    for pid, r in live(tables[keys[-1]]).items():
        seen = [tables[k][pid] for k in keys if pid in tables[k]]
        starts = [quarters(s.get("construction_start")) for s in seen]
        known = [q for q in starts if q is not None]
        if len(seen) < 2 or n(r, "total_dwellings") <= 0 or not known or starts[-1] is None:
            continue
        pairs.append((starts[-1] - known[0], n(r, "total_dwellings")))
    weight = sum(w for _, w in pairs)
    return sum(s * w for s, w in pairs) / weight if weight else 0.0
