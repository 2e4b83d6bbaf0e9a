"""The shared monitor workbook: every project, agreement and change as a read-only table."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import openpyxl

from pipeline.core.config import Config
from pipeline.core.monitor import Monitor
from pipeline.reporting.monitor_workbook import write_monitor_workbook
from pipeline.state.database import Change, State
from pipeline.workbook import shown_value


def _monitor_with(state: State, config: Config, **changes: Any) -> Monitor:
    """The demo monitor with the first project's fields changed."""
    monitor = state.monitor(config.round)
    projects = monitor.records("project")
    projects[0].update(changes)
    return Monitor.from_records(projects, monitor.records("agreement"))


def _open(data: bytes) -> Any:
    return openpyxl.load_workbook(BytesIO(data))


def test_projects_sheet_holds_every_project_as_shown(config: Config, state: State) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    book = _open(write_monitor_workbook(config, region, monitor, []))
    sheet = book["Projecten"]
    # the stand after the round: the next round's columns (no year that has ended)
    columns = config.catalogue.columns("project", config.round.next())
    assert [c.value for c in sheet[1]] == [c.label for c in columns]
    records = monitor.records("project")
    assert sheet.max_row == 1 + len(records)
    for number in (2, 2 + len(records) // 2, 1 + len(records)):
        record = records[number - 2]
        found = [c.value for c in sheet[number]]
        expected = [shown_value(c, record.get(c.key), region) for c in columns]
        assert [v.date() if isinstance(v, dt.datetime) else v for v in found] == expected
    assert sheet.auto_filter.ref.endswith(str(1 + len(records)))
    assert book["Afspraken"].max_row == 1 + len(monitor.agreements)


def test_formula_like_text_stays_text_and_dates_get_a_date_format(
    config: Config, state: State
) -> None:
    monitor = _monitor_with(state, config, name="=HYPERLINK(1)")
    dated = [c for c in config.catalogue.columns("project", config.round) if c.field.type == "date"]
    region = state.region()
    book = _open(write_monitor_workbook(config, region, monitor, []))
    sheet = book["Projecten"]
    keys = [c.key for c in config.catalogue.columns("project", config.round)]
    cell = sheet.cell(2, keys.index("name") + 1)
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=HYPERLINK(1)", "s", True)
    for column in dated:
        index = keys.index(column.key) + 1
        for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if row[0].value is not None:
                assert row[0].number_format == "DD-MM-YYYY"


def test_changes_sheet_lists_every_change_with_party_name(config: Config, state: State) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    party = region.parties[0]
    project = monitor.records("project")[0]["project_id"]
    changes = [
        Change(
            str(config.round),
            party.id,
            "project",
            project,
            "name",
            "oud",
            f"nieuw {n}",
            "ab" * 32,
            f"2026-01-{n + 1:02d}T10:00:00+00:00",
        )
        for n in range(25)
    ]
    sheet = _open(write_monitor_workbook(config, region, monitor, changes))["Wijzigingen"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 25
    assert rows[0][:4] == ("2026-01-01 10:00:00", party.name, "Project", project)
    assert rows[-1][6] == "nieuw 24"
    assert sheet.auto_filter.ref == "A1:H26"


def test_every_text_is_written_as_text_without_control_characters(
    config: Config, state: State
) -> None:
    """A control character (which openpyxl refuses) is left out; text that reads as an error
    value (#N/A) stays text."""
    monitor = _monitor_with(state, config, name="a\x01b\x1fc", place="#N/A", subregion="")
    sheet = _open(write_monitor_workbook(config, state.region(), monitor, []))["Projecten"]
    keys = [c.key for c in config.catalogue.columns("project", config.round.next())]
    name, place = (sheet.cell(2, keys.index(k) + 1) for k in ("name", "place"))
    assert (name.value, name.data_type) == ("abc", "s")
    assert (place.value, place.data_type) == ("#N/A", "s")
