"""Issuing grows with the region once, not once per party.

What every workbook shares (the region sheet, the monitor's rows, the problems, the region's
lookups) is made once per run; a party's workbook is then written from its own rows. These tests
hold the shortcuts against the plain way they replace (a scan of the parties, every problem, the
region's rows) and check that one party's workbook does not go over the region's rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest
from test_workbook_fast import _layout

from pipeline.core.catalogue import Field, Roles
from pipeline.core.config import Config
from pipeline.core.layout import SHEET_MONITOR, SHEET_OWN
from pipeline.core.monitor import Monitor
from pipeline.core.ownership import owned_columns, owners
from pipeline.core.region import Municipality, Party, Pillar, Region
from pipeline.stages.issue import IssueJob
from pipeline.state.database import State
from pipeline.workbook.instructions import load_texts, problem_lines
from pipeline.workbook.party import (
    RoundRows,
    build_party_workbook,
    data_sheets,
    render_shared_sheet,
)

ISSUED_AT = "2026-01-05T09:00:00+00:00"
# A municipality and tempomaker, a corporation and tempomaker, a corporation, the province.
PARTIES = ["P001", "P028", "P021", "P019"]


def _scanned_owners(
    field: Field, row: Mapping[str, Any], region: Region, roles: Roles
) -> frozenset[str]:
    """Who owns a cell, found by going over every party (the rule as it reads)."""
    if field.owner == "initiator":
        initiator = row.get(roles.initiator)
        return frozenset({initiator}) if isinstance(initiator, str) else frozenset()
    if field.owner == "municipality":
        code = str(row.get(roles.municipality))
        found = [p for p in region.parties if p.municipality_code == code]
        return frozenset({found[0].id}) if found else frozenset()
    if field.owner == "tempomaker":
        pillar = row.get(roles.pillar)
        return frozenset(p.id for p in region.parties if pillar in p.pillars)
    return frozenset()


def test_owners_are_those_a_scan_of_the_parties_finds(config: Config, state: State) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    roles = config.catalogue.roles
    checked = 0
    for entity in ("project", "agreement"):
        fields = [c.field for c in config.catalogue.columns(entity, config.round)]
        for row in monitor.records(entity):
            for field in fields:
                assert owners(field, row, region, roles) == _scanned_owners(
                    field, row, region, roles
                )
                checked += bool(field.owner)
    assert checked > 1000


def test_owned_columns_are_those_of_the_rule_column_by_column(config: Config, state: State) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    roles = config.catalogue.roles
    owned = 0
    for entity in ("project", "agreement"):
        columns = list(config.catalogue.columns(entity, config.round))
        for row in monitor.records(entity)[::5]:
            for party in region.parties:
                found = owned_columns(party, columns, row, region, roles)
                assert found == {
                    c.key
                    for c in columns
                    if party.id in _scanned_owners(c.field, row, region, roles)
                }
                owned += len(found)
    assert owned > 1000


@pytest.mark.parametrize("pillar", ["1", "2", "99", "", None, float("nan"), ["1"], 1])
def test_tempomakers_are_the_parties_that_list_the_pillar(state: State, pillar: Any) -> None:
    region = state.region()
    assert region.tempomaker_ids(pillar) == frozenset(
        p.id for p in region.parties if pillar in p.pillars
    )
    assert any(region.tempomaker_ids(p.number) for p in region.pillars)


def test_region_lookups_take_the_first_of_a_key_as_a_scan_does() -> None:
    first = Party(
        "P1", "Gemeente A", "gemeente", "overheid", municipality_code="GM1", pillars=("1",)
    )
    again = Party("P1", "Tweede", "corporatie", "corporatie", pillars=("1", "2"))
    other = Party("P2", "Gemeente A", "gemeente", "overheid", municipality_code="GM1")
    region = Region(
        "Regio",
        (Municipality("GM1", "A", "Noord"), Municipality("GM1", "B", "Zuid")),
        (Pillar("1", "Wonen"), Pillar("2", "Zorg")),
        (first, again, other),
    )
    assert region.party("P1") is first
    assert region.municipality("GM1").name == "A"
    assert region.municipality_party("GM1") is first
    assert region.municipality_party("GM9") is None
    assert region.tempomaker_ids("1") == {"P1"}
    assert region.tempomaker_ids("2") == {"P1"}
    assert region.code("@parties", "Gemeente A") == "P2"  # the name P1 had is the later one's
    assert region.code("@parties", "Tweede") == "P1"
    assert region.code("@parties", "Onbekend") == "Onbekend"
    with pytest.raises(KeyError):
        region.party("P9")
    with pytest.raises(KeyError):
        region.municipality("GM9")
    assert replace(region, name="Andere").party("P2") is other


class _Untouched(tuple[Any, ...]):
    """The region's rows, which one party's workbook must not go over (their number it may
    know)."""

    def __iter__(self) -> Any:
        raise AssertionError("the region's rows were gone over for one party")

    def __getitem__(self, index: Any) -> Any:
        raise AssertionError("a row of the region was looked at for one party")


def test_a_party_workbook_does_not_go_over_the_region_rows(config: Config, state: State) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    rows = RoundRows.of(config.catalogue, config.round, monitor)
    shared = render_shared_sheet(config, region, monitor, config.round, rows)
    untouched = replace(
        rows,
        rows={**rows.rows, "project": _Untouched(rows.rows["project"])},
        records={**rows.records, "project": _Untouched(rows.records["project"])},
    )
    for party_id in PARTIES:
        layout = _layout(config, region, monitor, party_id)
        sheets = data_sheets(layout, config.catalogue, region, monitor, untouched)
        region_sheet = next(s for s in sheets if s.layout.name == SHEET_MONITOR)
        assert region_sheet.read_only and region_sheet.editable_cells == 0
        assert not region_sheet.editable  # nothing per row of the region
        assert len(region_sheet.rows) == len(rows.rows["project"])
        alone = build_party_workbook(layout, config, region, monitor, rows=untouched, shared=shared)
        full = build_party_workbook(layout, config, region, monitor, rows=rows, shared=shared)
        assert alone == full
        assert alone.data == build_party_workbook(layout, config, region, monitor).data


def test_a_party_gets_the_problems_of_its_own_projects(config: Config, state: State) -> None:
    """Its part of the monitor's problems, in their order, and the same instructions as when
    every problem is looked at."""
    region = state.region()
    projects = state.monitor(config.round).records("project")
    for record in projects[::7]:  # a required value of the initiator, of the municipality
        record["phase" if len(record["project_id"]) % 2 else "zoning_status"] = None
    monitor = Monitor.from_records(projects, state.monitor(config.round).records("agreement"))
    job = IssueJob.prepare(config, region, monitor, ISSUED_AT)
    texts = load_texts()
    listed = 0
    for party in region.parties:
        layout = _layout(config, region, monitor, party.id)
        own = set(layout.sheet(SHEET_OWN).row_ids)
        mine = job.own_problems(layout)
        assert mine == tuple(p for p in job.problems if p.entity == "project" and p.row_id in own)
        lines = problem_lines(texts, layout, config, region, monitor, mine)
        assert lines == problem_lines(texts, layout, config, region, monitor, job.problems)
        listed += len(lines)
    assert listed > len(region.parties)
