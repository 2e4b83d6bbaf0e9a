"""After a change of year: carried dwellings are marked in the party's workbook, every row still
adds up, and a party that leaves a carried cell as it is gets a warning naming the project."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from pipeline.core.config import Config
from pipeline.core.layout import FIRST_DATA_ROW, HEADER_ROW, SHEET_OWN
from pipeline.core.rollover import roll_over
from pipeline.core.rounds import Round
from pipeline.demo.simulation import EditedWorkbook
from pipeline.stages.check import check_bytes
from pipeline.stages.issue import issue_round
from pipeline.state.database import State
from pipeline.storage.local import LocalStorage
from pipeline.workbook.party import CARRIED_ORANGE

NEXT = Round(2027, 1)


def roll_into_next_year(config: Config, state: State) -> tuple[Config, str, str]:
    """The first monitor carried into 2027-H1 as a merge at the year change would; the party
    and project that have the most dwellings carried."""
    rolled, carries = roll_over(state.monitor(config.round), config.catalogue, NEXT.year)
    with state.transaction():
        state.save_monitor(NEXT, rolled)
        state.record_carries(NEXT, carries)
    biggest = max(carries, key=lambda c: c.dwellings)
    party = str(rolled.projects.at[biggest.row_id, "initiator"])
    return config.at(NEXT), party, biggest.row_id


def issue_one(config: Config, state: State, party: str) -> tuple[bytes, str]:
    storage = LocalStorage(config.paths.storage)
    issue_round(config, state, storage, party_ids=[party])
    record = state.issued(config.round, party)[0]
    return storage.get_party_file(state.region().party(party), record.file_name), record.file_name


def test_carried_cells_are_marked_and_every_row_adds_up(config: Config, state: State) -> None:
    next_config, party, project = roll_into_next_year(config, state)
    data, _ = issue_one(next_config, state, party)
    sheet = openpyxl.load_workbook(io.BytesIO(data))[SHEET_OWN]
    headers = {c.value: c.column for c in sheet[HEADER_ROW]}
    row = next(
        r for r in range(FIRST_DATA_ROW, sheet.max_row + 1) if sheet.cell(r, 1).value == project
    )
    first_year = sheet.cell(row, headers["Oplevering 2027"])
    assert "Oplevering 2026" not in headers
    assert first_year.fill.fgColor.rgb.endswith(CARRIED_ORANGE)
    assert not first_year.protection.locked
    prompts = [v for v in sheet.data_validations.dataValidation if first_year.coordinate in v.sqref]
    assert len(prompts) == 1
    assert prompts[0].promptTitle == "Verschoven uit 2026 — controleer"
    assert "gepland stonden en niet als opgeleverd" in (prompts[0].prompt or "")
    # every row of the workbook adds up: completed + years + later = total
    years = [c for h, c in headers.items() if str(h).startswith("Oplevering")]
    for r in range(FIRST_DATA_ROW, sheet.max_row + 1):
        total = sheet.cell(r, headers["Totaal woningen"]).value
        if total is None:
            continue
        parts = [sheet.cell(r, c).value or 0 for c in years]
        assert (sheet.cell(r, headers["Al opgeleverd"]).value or 0) + sum(parts) == total


def test_unchanged_carried_cell_is_a_warning_naming_the_project_not_an_error(
    config: Config, state: State
) -> None:
    next_config, party, project = roll_into_next_year(config, state)
    data, name = issue_one(next_config, state, party)
    report = check_bytes(next_config, state, data, name, party)
    warned = [f for f in report.findings if f.code == "carried-not-checked"]
    assert project in {f.row_id for f in warned}
    assert all(f.severity == "warning" for f in warned)
    assert not report.errors
    mine = next(f for f in warned if f.row_id == project)
    assert "2026" in mine.message and "2027" in mine.message and project in mine.message
    assert mine.cell and mine.sheet == SHEET_OWN

    # The party moves the carried dwellings on a year: checked, no warning for that project.
    book = EditedWorkbook(data, next_config.catalogue, NEXT)
    row = book.row_of(SHEET_OWN, project)
    assert row is not None
    carried = int(book.get(SHEET_OWN, row, "planning_2027") or 0)
    later = int(book.get(SHEET_OWN, row, "planning_2028") or 0)
    book.set(SHEET_OWN, row, "planning_2027", 0)
    book.set(SHEET_OWN, row, "planning_2028", later + carried)
    report = check_bytes(next_config, state, book.save(), name, party)
    assert project not in {f.row_id for f in report.findings if f.code == "carried-not-checked"}
    assert not report.errors


def test_state_keeps_what_was_carried_with_the_snapshot(config: Config, state: State) -> None:
    roll_into_next_year(config, state)
    monitor = state.monitor(NEXT)
    assert monitor.carried and all(
        c.from_year == 2026 and c.to_year == 2027 for c in monitor.carried
    )
    assert "planning_2026" not in monitor.projects.columns
    before = state.monitor(config.round).projects
    carried = pd.Series({c.row_id: c.dwellings for c in monitor.carried})
    planned_2026 = pd.to_numeric(before["planning_2026"], errors="coerce").fillna(0)
    assert carried.sum() == planned_2026.sum()
