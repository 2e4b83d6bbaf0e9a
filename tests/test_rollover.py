"""Roll-over at the change of year: past planning is carried into the first planned year."""

from __future__ import annotations

import random

from pipeline.core import catalogue as catalogue_module
from pipeline.core.monitor import Carry, Monitor
from pipeline.core.rollover import roll_over, year_columns

CATALOGUE = catalogue_module.load()


def project(pid: str, completed: int | None, planning: dict[str, int | None]) -> dict[str, object]:
    total = (completed or 0) + sum(v or 0 for v in planning.values())
    return {
        "project_id": pid,
        "name": f"Project {pid}",
        "total_dwellings": total,
        "completed": completed,
        **{f"planning_{k}": v for k, v in planning.items()},
    }


def test_past_year_is_carried_into_the_first_planned_year_and_recorded() -> None:
    monitor = Monitor.from_records(
        [
            project("PRJ-0001", 10, {"2026": 40, "2027": 5, "later": 20}),
            project("PRJ-0002", None, {"2026": None, "2027": 30}),
            project("PRJ-0003", 0, {"2026": 12, "2027": None}),
        ],
        [{"agreement_id": "1.1", "status": "groen"}],
    )
    rolled, carries = roll_over(monitor, CATALOGUE, 2027)
    assert "planning_2026" not in rolled.projects.columns
    assert rolled.projects.at["PRJ-0001", "planning_2027"] == 45
    assert rolled.projects.at["PRJ-0002", "planning_2027"] == 30
    assert rolled.projects.at["PRJ-0003", "planning_2027"] == 12
    assert rolled.projects.at["PRJ-0001", "planning_later"] == 20
    assert carries == [
        Carry("project", "PRJ-0001", "planning", 2026, 2027, 40),
        Carry("project", "PRJ-0003", "planning", 2026, 2027, 12),
    ]
    assert carries[0].from_column == "planning_2026" and carries[0].to_column == "planning_2027"
    assert rolled.agreements.at["1.1", "status"] == "groen"


def test_nothing_to_carry_returns_the_same_monitor() -> None:
    monitor = Monitor.from_records([project("PRJ-0001", 0, {"2027": 5})], [])
    rolled, carries = roll_over(monitor, CATALOGUE, 2027)
    assert rolled is monitor and carries == []


def test_several_past_years_all_land_in_the_first_planned_year() -> None:
    monitor = Monitor.from_records([project("PRJ-0001", 0, {"2025": 3, "2026": 4, "2028": 1})], [])
    rolled, carries = roll_over(monitor, CATALOGUE, 2027)
    assert rolled.projects.at["PRJ-0001", "planning_2027"] == 7
    assert [c.from_year for c in carries] == [2025, 2026]
    assert year_columns(CATALOGUE, "project", rolled.projects.columns) == {"planning": [2027, 2028]}


def test_roll_over_conserves_every_projects_dwellings() -> None:
    """Seeded loop: random plans over random years; the sum per project never changes."""
    rng = random.Random(9)
    for _ in range(200):
        first = rng.randint(2026, 2030)
        records = []
        for number in range(rng.randint(1, 12)):
            years = {
                str(y): rng.choice([None, 0, rng.randint(1, 400)])
                for y in range(first - rng.randint(0, 3), first + rng.randint(1, 8))
            }
            years["later"] = rng.choice([None, rng.randint(0, 200)])
            records.append(project(f"PRJ-{number:04d}", rng.choice([None, 0, 25]), years))
        monitor = Monitor.from_records(records, [])
        rolled, carries = roll_over(monitor, CATALOGUE, first)

        def planned(m: Monitor, pid: str) -> int:
            row = m.projects.loc[pid]
            cols = [c for c in m.projects.columns if str(c).startswith("planning_")]
            return sum(int(row[c] or 0) for c in cols if row[c] == row[c])

        for record in records:
            pid = str(record["project_id"])
            assert planned(rolled, pid) == planned(monitor, pid)
            assert all(
                y >= first
                for y in year_columns(CATALOGUE, "project", rolled.projects.columns)["planning"]
            )
        moved = sum(c.dwellings for c in carries)
        before = sum(
            int(v or 0)
            for r in records
            for k, v in r.items()
            if k.startswith("planning_") and k[9:].isdigit() and int(k[9:]) < first
        )
        assert moved == before
