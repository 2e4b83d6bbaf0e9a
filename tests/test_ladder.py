"""The national planstatus ladder: hard, soft and unknown, and dwellings without a year."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.core import catalogue as catalogue_module
from pipeline.core.rounds import Round
from pipeline.reporting import indicators as ind
from pipeline.sources import demo_region

CATALOGUE = catalogue_module.load()
FIELDS = ind.ProjectFields.from_catalogue(CATALOGUE)
ROUND = Round(2026, 2)


def test_the_ladder_has_the_planmonitor_wonen_steps_and_unknown() -> None:
    codes = [s.split(".")[0] for s in CATALOGUE.lists["zoning_status"]]
    assert codes == ["1A", "1B", "1C", "2A", "2B", "2C", "3", "4A", "4B", "onbekend"]
    capacity = {s: CATALOGUE.capacity_of(s) for s in CATALOGUE.lists["zoning_status"]}
    assert [capacity[s] for s in CATALOGUE.lists["zoning_status"]] == ["hard"] * 6 + [
        "soft"
    ] * 3 + ["unknown"]
    assert CATALOGUE.capacity_of(None) == "unknown"
    assert CATALOGUE.capacity_of("vastgesteld, niet onherroepelijk") == "unknown"


def test_every_alias_of_the_old_list_lands_on_the_ladder() -> None:
    ladder = set(CATALOGUE.lists["zoning_status"])
    aliases = CATALOGUE.aliases["zoning_status"]
    assert set(aliases.values()) <= ladder
    for old in ("onherroepelijk", "vastgesteld", "in voorbereiding", "principebesluit", "visie"):
        assert old in aliases


def test_per_year_fields_have_an_unknown_year_column() -> None:
    keys = [c.key for c in CATALOGUE.columns("project", ROUND) if c.field.per_year]
    assert keys[-3:] == ["planning_2033", "planning_later", "planning_unknown"]
    labels = {c.key: c.label for c in CATALOGUE.columns("project", ROUND)}
    assert labels["planning_unknown"] == "Oplevering jaar onbekend"


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows).set_index("project_id")


def test_unknown_status_is_neither_hard_nor_soft() -> None:
    projects = _frame(
        [
            {"project_id": "A", "zoning_status": "1A. Onherroepelijk", "total_dwellings": 100},
            {"project_id": "B", "zoning_status": "4B. Optie", "total_dwellings": 40},
            {"project_id": "C", "zoning_status": "onbekend", "total_dwellings": 25},
            {"project_id": "D", "zoning_status": None, "total_dwellings": 5, "demolition": 3},
        ]
    )
    capacity = ind.plan_capacity(projects, FIELDS, {2026: 100}, 1.3)
    assert (capacity.hard, capacity.soft, capacity.unknown) == (100, 40, 30)
    assert capacity.total == 140  # unknown never counts as capacity
    assert (capacity.demolition, capacity.net) == (3, 137)


def test_dwellings_without_a_year_are_a_figure_of_their_own() -> None:
    projects = _frame(
        [
            {"project_id": "A", "planning_2026": 10, "planning_unknown": 0},
            {"project_id": "B", "planning_2026": 0, "planning_unknown": 70},
        ]
    )
    completions = ind.completions(projects, FIELDS, {})
    assert completions.unknown_year == 70
    assert sum(y.planned for y in completions.years) == 10


def test_the_demo_region_has_unknown_status_and_unknown_years() -> None:
    _region, monitor = demo_region.generate(CATALOGUE, ROUND, 2026, "Demo")
    projects = monitor.projects
    statuses = set(projects["zoning_status"])
    assert statuses <= set(CATALOGUE.lists["zoning_status"])
    assert "onbekend" in statuses and "4B. Optie" in statuses and "1A. Onherroepelijk" in statuses
    unknown_year = pd.to_numeric(projects["planning_unknown"], errors="coerce").fillna(0)
    assert (unknown_year > 0).sum() > 20
    planned = sum(
        pd.to_numeric(projects[c.key], errors="coerce").fillna(0)
        for c in CATALOGUE.columns("project", ROUND)
        if c.field.per_year
    )
    done = pd.to_numeric(projects["completed"], errors="coerce").fillna(0)
    assert (planned + done == projects["total_dwellings"]).all()


def test_the_capacity_chart_shows_unknown_status_apart() -> None:
    from pipeline.reporting import charts

    with_unknown = charts.capacity_against_norm(100, 40, 100, 1.3, "Plancapaciteit", unknown=30)
    assert charts.UNKNOWN in with_unknown and "planstatus onbekend (telt niet mee)" in with_unknown
    plain = charts.capacity_against_norm(100, 40, 100, 1.3, "Plancapaciteit")
    assert charts.UNKNOWN not in plain
