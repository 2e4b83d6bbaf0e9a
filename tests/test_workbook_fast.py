"""The fast way of writing party workbooks writes exactly what openpyxl writes.

``issue`` renders the read-only region sheet once per run and copies its compressed bytes into
every party's package; it renders the frame of the workbook (styles, headers, lists, everything
the same for parties with the same sheets) once with openpyxl and writes each party's own parts
into it as XML directly (``workbook/direct.py``): instructions, data rows, validations,
conditional formats, metadata, the script. These tests hold that against the plain way (openpyxl
writes every cell and rule), byte for byte, for every kind of party and for values that need
care (text that looks like a formula, spaces, markup characters, dates, carried cells, a party
name that looks like a formula), and check that the number of worker processes does not change
a byte. The direct writer is not allowed to fall back on the plain way here, except where a test
says so.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.core.config import Config
from pipeline.core.layout import SHEET_MONITOR, SHEET_OWN, WorkbookLayout, monitor_hash, plan
from pipeline.core.monitor import Carry, Monitor
from pipeline.core.region import Region
from pipeline.stages import issue as issue_stage
from pipeline.state.database import State
from pipeline.storage.local import LocalStorage
from pipeline.workbook import direct, package
from pipeline.workbook.party import RoundRows, build_party_workbook, render_shared_sheet

# A municipality and tempomaker, a corporation and tempomaker, a corporation, the province (no
# projects), a market party.
PARTIES = ["P001", "P028", "P021", "P019", "P046"]
ISSUED_AT = "2026-01-05T09:00:00+00:00"


class _Never(Exception):
    """Raised by nothing: with it in place of ``direct.NotDirect`` no fallback goes unseen."""


@pytest.fixture(autouse=True)
def _no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(direct, "NotDirect", _Never)


def _layout(config: Config, region: Region, monitor: Monitor, party_id: str) -> WorkbookLayout:
    return plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        region.party(party_id),
        issued_at=ISSUED_AT,
        new_rows=config.new_project_rows,
        base_hash=monitor_hash(monitor),
    )


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def _both_ways(
    config: Config, region: Region, monitor: Monitor, party_id: str
) -> tuple[bytes, bytes]:
    layout = _layout(config, region, monitor, party_id)
    plain = build_party_workbook(layout, config, region, monitor, direct=False).data
    rows = RoundRows.of(config.catalogue, config.round, monitor)
    shared = render_shared_sheet(config, region, monitor, config.round, rows)
    fast = build_party_workbook(layout, config, region, monitor, rows=rows, shared=shared).data
    return plain, fast


@pytest.mark.parametrize("party_id", PARTIES)
def test_fast_workbook_is_the_plain_workbook_byte_for_byte(
    config: Config, state: State, party_id: str
) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    plain, fast = _both_ways(config, region, monitor, party_id)
    assert _parts(fast).keys() == _parts(plain).keys()
    for name, content in _parts(plain).items():
        assert _parts(fast)[name] == content, name
    assert fast == plain


def _awkward(monitor: Monitor, party_id: str) -> Monitor:
    """The monitor with values that need care in the party's own rows and the region sheet."""
    projects = monitor.records("project")
    own = [p for p in projects if p.get("initiator") == party_id]
    values = ["=SUM(A1:A9)", "  leading and trailing  ", "a & b <c> \"d\" 'e'", "+31 6", "@x"]
    for record, value in zip(own + projects[-3:], values * 3, strict=False):
        record["name"] = value
    projects[-1]["permit_date"] = dt.date(2031, 12, 31)
    own[0]["permit_date"] = dt.date(1999, 2, 28)
    return Monitor.from_records(projects, monitor.records("agreement"))


def _own_sheet_part(data: bytes) -> str:
    """The package part of the 'Mijn projecten' sheet (sheets are numbered in order)."""
    names = openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(SHEET_OWN) + 1}.xml"


def test_values_that_need_care_are_written_alike(config: Config, state: State) -> None:
    region = state.region()
    party_id = "P028"
    monitor = _awkward(state.monitor(config.round), party_id)
    plain, fast = _both_ways(config, region, monitor, party_id)
    assert fast == plain
    own_sheet = _parts(fast)[_own_sheet_part(fast)]
    assert b"=SUM(A1:A9)" in own_sheet and b"a &amp; b &lt;c&gt;" in own_sheet


def test_carried_cells_are_written_alike(config: Config, state: State) -> None:
    """Cells a roll-over filled get their own style and input message, in both ways."""
    region, monitor = state.region(), state.monitor(config.round)
    party_id = "P001"
    own = [r["project_id"] for r in monitor.records("project") if r.get("initiator") == party_id][
        :2
    ]
    year = config.round.year + 1
    carries = tuple(
        Carry("project", row_id, "planning", year - 1, year, 10 + n) for n, row_id in enumerate(own)
    )
    monitor = replace(monitor, carried=carries)
    plain, fast = _both_ways(config, region, monitor, party_id)
    assert fast == plain
    assert b"Verschoven" in _parts(fast)[_own_sheet_part(fast)]


def test_region_sheet_is_copied_as_compressed(config: Config, state: State) -> None:
    """Every party's package carries the very bytes compressed once for the run."""
    region, monitor = state.region(), state.monitor(config.round)
    rows = RoundRows.of(config.catalogue, config.round, monitor)
    shared = render_shared_sheet(config, region, monitor, config.round, rows)
    for party_id in PARTIES[:3]:
        layout = _layout(config, region, monitor, party_id)
        data = build_party_workbook(layout, config, region, monitor, rows=rows, shared=shared).data
        members = {e.name: e for e in package.entries(data)}
        part = package.sheet_part(members, SHEET_MONITOR)
        assert part is not None
        assert members[part].compressed == shared.entry.compressed


def test_shared_sheet_of_another_round_is_refused(config: Config, state: State) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    rows = RoundRows.of(config.catalogue, config.round, monitor)
    shared = replace(render_shared_sheet(config, region, monitor, config.round, rows), round="x")
    with pytest.raises(ValueError, match="another round"):
        build_party_workbook(
            _layout(config, region, monitor, "P001"), config, region, monitor, shared=shared
        )


def _issue(config: Config, state: State, workers: int, monkeypatch: Any) -> dict[str, bytes]:
    monkeypatch.setattr(issue_stage, "now", lambda: ISSUED_AT)
    storage = LocalStorage(config.paths.storage)
    summary = issue_stage.issue_round(config, state, storage, party_ids=PARTIES, workers=workers)
    return {
        w.party_id: storage.get_party_file(state.region().party(w.party_id), w.file_name)
        for w in summary.workbooks
    }


def test_issue_gives_the_same_files_with_any_number_of_workers(
    config: Config, state: State, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    one = _issue(config, state, 1, monkeypatch)
    two = _issue(
        replace(config, paths=replace(config.paths, storage=tmp_path / "b")), state, 2, monkeypatch
    )
    assert list(one) == list(two)
    assert set(one) == set(PARTIES)
    assert one == two
    region, monitor = state.region(), state.monitor(config.round)
    for party_id, data in one.items():  # and the same as the plain way of writing them
        layout = _layout(config, region, monitor, party_id)
        assert data == build_party_workbook(layout, config, region, monitor, direct=False).data


def test_a_party_named_like_a_formula_is_written_alike(config: Config, state: State) -> None:
    """Its name is text everywhere (a quote prefix in the metadata), in both ways."""
    region, monitor = state.region(), state.monitor(config.round)
    parties = tuple(
        replace(p, name='=HYPERLINK("x") & <b>') if p.id == "P028" else p for p in region.parties
    )
    region = replace(region, parties=parties)
    plain, fast = _both_ways(config, region, monitor, "P028")
    assert fast == plain
    meta = openpyxl.load_workbook(io.BytesIO(fast))["planmonitor"]
    names = [row[1].value for row in meta.iter_rows() if row[0].value == "party_name"]
    assert names == ['=HYPERLINK("x") & <b>']
    assert [row[1].data_type for row in meta.iter_rows() if row[0].value == "party_name"] == ["s"]


def test_a_value_only_openpyxl_writes_falls_back_to_the_plain_way(
    config: Config, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback gives the plain workbook: the direct writer refusing costs time only."""
    monkeypatch.undo()  # the real NotDirect, so the fallback is taken

    def refuse(*args: Any, **kwargs: Any) -> bytes:
        raise direct.NotDirect("refused")

    monkeypatch.setattr(direct, "write", refuse)
    region, monitor = state.region(), state.monitor(config.round)
    plain, fast = _both_ways(config, region, monitor, "P001")
    assert fast == plain


@pytest.mark.slow
def test_every_party_of_the_demo_region_is_written_alike(config: Config, state: State) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    rows = RoundRows.of(config.catalogue, config.round, monitor)
    shared = render_shared_sheet(config, region, monitor, config.round, rows)
    for party in region.parties:
        layout = _layout(config, region, monitor, party.id)
        plain = build_party_workbook(layout, config, region, monitor, direct=False).data
        fast = build_party_workbook(layout, config, region, monitor, rows=rows, shared=shared)
        assert fast.data == plain, party.id


def test_editable_cells_are_the_cells_each_party_owns(config: Config, state: State) -> None:
    """The data sheets reuse whom a row's cells belong to for rows alike in initiator,
    municipality and pillar; here against the ownership rule for every row and party."""
    from pipeline.core.ownership import owned_columns
    from pipeline.workbook.party import data_sheets

    region, monitor = state.region(), state.monitor(config.round)
    for party in region.parties:
        layout = _layout(config, region, monitor, party.id)
        for sheet in data_sheets(layout, config.catalogue, region, monitor):
            if sheet.layout.name in (SHEET_MONITOR, "Nieuwe projecten"):
                continue
            columns = list(config.catalogue.columns(sheet.layout.entity, config.round))
            wanted = set(sheet.layout.columns)
            for row, editable in zip(sheet.rows, sheet.editable, strict=True):
                owned = owned_columns(party, columns, row, region, config.catalogue.roles)
                assert editable == owned & wanted
