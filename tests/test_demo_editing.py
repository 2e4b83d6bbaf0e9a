"""The demo's in-place editor against openpyxl: the same values read, the same edits saved.

The simulated parties that neither check in Excel nor play a part for the feedback save their
workbook in place (:class:`PatchedWorkbook`): only the cells they changed are written, every
other part is copied. These tests prove that this reads every cell as openpyxl does, and that a
party's work saved in place reads back, through openpyxl and through planmonitor's own reader,
exactly as the same work saved through openpyxl.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from conftest import make_config
from party_workbooks import issued

from pipeline.core import SHEET_INSTRUCTIONS, SHEET_MONITOR, SHEET_OWN, Monitor, Region
from pipeline.core.config import Config
from pipeline.demo import simulation
from pipeline.demo.editing import EditedWorkbook, PatchedWorkbook, PatchError
from pipeline.stages.init import initialise
from pipeline.state.database import State
from pipeline.workbook import package, read_submission, set_aside_monitor

# A municipality and a market party with projects; a tempomaker (agreements) is added.
PARTIES = ("P010", "P031")


@dataclass(frozen=True)
class Issued:
    config: Config
    region: Region
    monitor: Monitor
    workbooks: dict[str, bytes]


@pytest.fixture(scope="module")
def issued_books(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    """The issued workbooks of a few parties (written once for the module)."""
    config = make_config(tmp_path_factory.mktemp("editing"))
    with State(config.paths.database) as state:
        initialise(config, state)
        tempomaker = next(p.id for p in state.region().parties if p.pillars)
        books = {p: issued(config, state, p)[1] for p in (*PARTIES, tempomaker)}
        books["tempomaker"] = books.pop(tempomaker)
        return Issued(config, state.region(), state.monitor(config.round), books)


def all_values(data: bytes) -> dict[str, dict[tuple[int, int], Any]]:
    """Every cell's value of every sheet but the region sheet (set aside), as openpyxl reads."""
    aside = set_aside_monitor(data)
    book = openpyxl.load_workbook(io.BytesIO(data if aside is None else aside.reduced))
    return {
        ws.title: {(c.row, c.column): c.value for row in ws.iter_rows() for c in row}
        for ws in book.worksheets
        if ws.title != SHEET_MONITOR
    }


def protected(data: bytes) -> dict[str, bool]:
    aside = set_aside_monitor(data)
    book = openpyxl.load_workbook(io.BytesIO(data if aside is None else aside.reduced))
    return {ws.title: bool(ws.protection.sheet) for ws in book.worksheets}


def party_id(books: Issued, party: str) -> str:
    return next(p.id for p in books.region.parties if p.pillars) if party == "tempomaker" else party


@pytest.mark.parametrize("party", [*PARTIES, "tempomaker"])
def test_reads_every_cell_as_openpyxl(issued_books: Issued, party: str) -> None:
    config, data = issued_books.config, issued_books.workbooks[party]
    patched = PatchedWorkbook(data, config.catalogue, config.round)
    edited = EditedWorkbook(data, config.catalogue, config.round)
    for sheet, cells in all_values(data).items():
        assert patched.max_row(sheet) == edited.max_row(sheet), sheet
        assert patched.max_column(sheet) == edited.max_column(sheet), sheet
        for (row, column), value in cells.items():
            assert patched.value(sheet, row, column) == value, (sheet, row, column)
            assert type(patched.value(sheet, row, column)) is type(value)
    assert patched.status_cell() == edited.status_cell() is not None
    assert patched.rows(SHEET_OWN) == edited.rows(SHEET_OWN)


def fill(books: Issued, party: str, in_place: bool, **roles: Any) -> bytes:
    party = party_id(books, party)
    return simulation.fill_in(
        books.workbooks[party if party in books.workbooks else "tempomaker"],
        party=books.region.party(party),
        region=books.region,
        monitor=books.monitor,
        catalogue=books.config.catalogue,
        round_=books.config.round,
        rng=random.Random(7),
        roles=simulation.Cast(responders=(party,), **roles),
        in_place=in_place,
    )


CASES: list[tuple[str, dict[str, Any]]] = [
    ("P010", {}),
    ("P010", {"mistakes": {"P010": "date"}}),
    ("P031", {}),
    ("P031", {"adds": ("P031",), "withdraws": ("P031",)}),
    ("P031", {"mistakes": {"P031": "typo"}}),
    ("P031", {"mistakes": {"P031": "choice"}}),
    ("P031", {"cheater": "P031"}),
    ("tempomaker", {}),
]


@pytest.mark.parametrize(("party", "roles"), CASES)
def test_a_party_saved_in_place_reads_back_as_saved_through_openpyxl(
    issued_books: Issued, party: str, roles: dict[str, Any]
) -> None:
    config = issued_books.config
    in_place = fill(issued_books, party, True, **roles)
    through_openpyxl = fill(issued_books, party, False, **roles)
    assert in_place != issued_books.workbooks[party]
    assert all_values(in_place) == all_values(through_openpyxl)
    assert protected(in_place) == protected(through_openpyxl)
    ours = read_submission(Path("in place.xlsx"), config, data=in_place)
    theirs = read_submission(Path("openpyxl.xlsx"), config, data=through_openpyxl)
    assert ours.submission is not None and theirs.submission is not None
    assert ours.findings == theirs.findings
    assert ours.submission.layout == theirs.submission.layout
    assert ours.submission.sheets.keys() == theirs.submission.sheets.keys()
    for name, sheet in ours.submission.sheets.items():
        other = theirs.submission.sheets[name]
        pd.testing.assert_frame_equal(sheet.values, other.values)
        assert (sheet.header, sheet.formulas, sheet.protected, sheet.cut_off) == (
            other.header,
            other.formulas,
            other.protected,
            other.cut_off,
        )


def test_only_the_changed_sheets_are_written_again(issued_books: Issued) -> None:
    data = issued_books.workbooks["P031"]
    saved = fill(issued_books, "P031", True, cheater="P031")
    before = {e.name: e for e in package.entries(data)}
    after = {e.name: e for e in package.entries(saved)}
    assert list(before) == list(after)  # the xlwings Lite parts too, in their place
    changed = {package.sheet_part(before, s) for s in (SHEET_INSTRUCTIONS, SHEET_OWN)}
    for name, entry in before.items():
        if name in changed:
            assert after[name].content() != entry.content()
        else:
            assert after[name] == entry, name  # copied as it was, compressed bytes and all


def test_dates_and_texts_are_written_as_openpyxl_writes_them(issued_books: Issued) -> None:
    config, data = issued_books.config, issued_books.workbooks["P010"]
    values = {
        "permit_date": dt.datetime(2026, 10, 3),
        "municipal_remarks": "  spaties & <tekens> ",
        "zoning_status": "",
    }
    books = []
    for kind in (PatchedWorkbook, EditedWorkbook):
        book = kind(data, config.catalogue, config.round)
        row = book.rows(SHEET_OWN)[0]
        for key, value in values.items():
            book.set(SHEET_OWN, row, key, value)
            assert book.get(SHEET_OWN, row, key) == value
        books.append(book.save())
    assert all_values(books[0]) == all_values(books[1])


def test_refuses_what_it_would_not_write_as_openpyxl(issued_books: Issued) -> None:
    config, data = issued_books.config, issued_books.workbooks["P031"]
    book = PatchedWorkbook(data, config.catalogue, config.round)
    row = book.rows(SHEET_OWN)[0]
    for value in ("=1+1", "regel\r", "\x07", float("nan"), dt.date(2026, 1, 1), object()):
        with pytest.raises(PatchError):
            book.set(SHEET_OWN, row, "stoplight_explanation", value)
    with pytest.raises(PatchError):
        book.write(SHEET_OWN, 100_000, 1, 5)  # a cell the sheet does not have


def test_refuses_a_workbook_saved_with_shared_strings(issued_books: Issued) -> None:
    """Excel keeps its text in a shared-strings part: such a file goes through openpyxl."""
    config, data = issued_books.config, issued_books.workbooks["P031"]
    members = {e.name: e for e in package.entries(data)}
    part = package.sheet_part(members, SHEET_OWN)
    assert part is not None
    xml = members[part].content().replace(b't="inlineStr"><is><t>', b't="s"><v>0</v><is><t>', 1)
    changed = package.replaced(data, {part: package.deflated(part, xml)})
    with pytest.raises(PatchError):
        PatchedWorkbook(changed, config.catalogue, config.round).value(SHEET_OWN, 1, 1)


def test_the_check_in_excel_needs_openpyxl(issued_books: Issued) -> None:
    with pytest.raises(ValueError):
        simulation.fill_in(
            issued_books.workbooks["P031"],
            party=issued_books.region.party("P031"),
            region=issued_books.region,
            monitor=issued_books.monitor,
            catalogue=issued_books.config.catalogue,
            round_=issued_books.config.round,
            rng=random.Random(1),
            roles=simulation.Cast(responders=("P031",)),
            self_check=simulation.SelfCheck(),
            in_place=True,
        )
