"""The monitor workbook written the fast way (its big tables as XML into an openpyxl frame)
holds what the plain way (every cell through openpyxl) holds: values, types, formats, fonts,
fills, sheet settings and protection, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from soffice import convert

from pipeline.core.config import Config
from pipeline.core.monitor import Monitor
from pipeline.reporting.monitor_workbook import write_monitor_workbook
from pipeline.state.database import Change, State

LONG = "lang " * 8_000  # 40,000 characters: more than a cell holds
EDGE_TEXTS = {
    "name": '=HYPERLINK("https://example.org")',
    "place": "+31 6 1234 5678",
    "subregion": "-5",
    "municipal_remarks": "@gebruiker & <b>vet</b> > \"aanhalingstekens\" 'en' ]]>",
    "bottleneck_explanation": "stuur\x01tekens\x0b\x1f en\ttab\nregel",
    "stoplight_explanation": LONG,
}


def content(data: bytes) -> dict[str, Any]:
    """Everything a reader sees of the workbook, cell by cell and sheet by sheet."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    out: dict[str, Any] = {
        "sheets": book.sheetnames,
        "lockStructure": book.security.lockStructure if book.security else None,
    }
    for sheet in book.worksheets:
        cells = [
            (
                cell.coordinate,
                cell.value,
                type(cell.value).__name__,
                cell.data_type,
                cell.number_format,
                cell.quotePrefix,
                (cell.font.b, cell.font.color.rgb if cell.font.color else None, cell.font.sz),
                (cell.fill.fill_type, cell.fill.fgColor.rgb),
                (cell.alignment.wrap_text, cell.alignment.vertical),
                cell.protection.locked,
            )
            for row in sheet.iter_rows()
            for cell in row
        ]
        out[sheet.title] = {
            "cells": cells,
            "dimensions": (sheet.dimensions, sheet.max_row, sheet.max_column),
            "freeze_panes": sheet.freeze_panes,
            "auto_filter": sheet.auto_filter.ref,
            "widths": {k: d.width for k, d in sheet.column_dimensions.items()},
            "heights": {k: d.height for k, d in sheet.row_dimensions.items() if d.height},
            "protection": dict(sheet.protection),
        }
    return out


def is_direct(data: bytes) -> bool:
    """Written through ``package.write`` (entries without a time), not by ``Workbook.save``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in archive.infolist())


def both_ways(
    config: Config, state: State, monitor: Monitor, changes: list[Change]
) -> tuple[bytes, bytes]:
    region = state.region()
    fast = write_monitor_workbook(config, region, monitor, changes)
    plain = write_monitor_workbook(config, region, monitor, changes, plain=True)
    return fast, plain


def edge_monitor(config: Config, state: State) -> Monitor:
    """The monitor with its first projects and agreement holding the odd values."""
    monitor = state.monitor(config.round)
    projects = monitor.records("project")
    projects[0].update(EDGE_TEXTS)
    projects[0].update(
        x_rd=0.1 + 0.2,
        y_rd=123456.789,
        reference_date=dt.date(2026, 2, 28),
        permit_date=dt.datetime(2025, 12, 31, 23, 59),
        acceleration_site=True,
        large_scale=False,
        total_dwellings=1_000_000_007,
        completed=None,
    )
    projects[1].update(
        name="  spaties eromheen  ",
        place="",
        subregion="#N/A",
        municipal_remarks="\x02",  # nothing left once the control character is gone
        bottleneck_explanation=dt.date(2027, 1, 1),  # a date in a text column
        stoplight_explanation=12.5,  # a number in a text column
        x_rd=True,  # a truth value in a number column
        y_rd="Ĳsselmonde ✓ 😀 \u00a0",  # and text
    )
    agreements = monitor.records("agreement")
    agreements[0].update(text="=1+1", partners="a & b <c>", dependent_dwellings=2.5)
    return Monitor.from_records(projects, agreements)


def edge_changes(config: Config, state: State) -> list[Change]:
    region, monitor = state.region(), state.monitor(config.round)
    party = region.parties[0].id
    project = monitor.records("project")[0]["project_id"]
    values: list[tuple[str, Any, Any]] = [
        ("name", "oud", '=WEBSERVICE("x")'),
        ("name", None, "a & b < c > d"),
        ("total_dwellings", 10, 12),
        ("x_rd", 1.25, None),
        ("reference_date", dt.date(2025, 1, 1), dt.date(2026, 3, 4)),
        ("acceleration_site", False, True),
        ("no_such_field", "+1", "@x"),
        ("no_such_field", 3, 2.5),
        ("no_such_field", True, "\x07bel"),
        ("no_such_field", LONG, ""),
    ]
    changes = [
        Change(str(config.round), party, "project", project, f, old, new, "ab" * 32, at)
        for n, (f, old, new) in enumerate(values)
        for at in [f"2026-01-{n + 1:02d}T10:00:00+00:00"]
    ]
    changes.append(
        Change(str(config.round), "P999", "elders", "-1", "x", "=1", "-", "cd" * 32, "2026-02-01")
    )
    return changes


def test_fast_and_plain_are_alike_on_the_demo_region(config: Config, state: State) -> None:
    fast, plain = both_ways(config, state, state.monitor(config.round), [])
    assert is_direct(fast) and not is_direct(plain)
    found = content(fast)
    assert found == content(plain)
    projects = found["Projecten"]
    assert projects["freeze_panes"] == "B2"
    assert projects["auto_filter"] == f"A1:AX{1 + len(state.monitor(config.round).projects)}"
    assert projects["protection"]["sheet"] == "1" and projects["protection"]["password"]
    assert found["lockStructure"] is True


def test_fast_and_plain_are_alike_on_odd_values(config: Config, small_state: State) -> None:
    monitor = edge_monitor(config, small_state)
    changes = edge_changes(config, small_state)
    fast, plain = both_ways(config, small_state, monitor, changes)
    assert is_direct(fast)
    found = content(fast)
    assert found == content(plain)
    # and what the reader sees is the value made safe: text stays text, cut to what a cell holds
    book = openpyxl.load_workbook(io.BytesIO(fast))
    sheet = book["Projecten"]
    keys = [c.key for c in config.catalogue.columns("project", config.round.next())]

    def cell(row: int, key: str) -> Any:
        return sheet.cell(row, keys.index(key) + 1)

    name = cell(2, "name")
    assert (name.value, name.data_type, name.quotePrefix) == (EDGE_TEXTS["name"], "s", True)
    assert cell(2, "municipal_remarks").value == EDGE_TEXTS["municipal_remarks"]
    assert cell(2, "bottleneck_explanation").value == "stuurtekens en\ttab\nregel"
    assert cell(2, "stoplight_explanation").value == LONG[:32_767]
    assert cell(2, "reference_date").value == dt.datetime(2026, 2, 28)
    assert cell(2, "reference_date").number_format == "DD-MM-YYYY"
    assert cell(2, "acceleration_site").value == "ja"
    assert cell(2, "x_rd").value == 0.3  # 16 digits, as openpyxl writes a float
    assert cell(3, "subregion").value == "#N/A" and cell(3, "subregion").data_type == "s"
    assert cell(3, "bottleneck_explanation").number_format == "DD-MM-YYYY"
    assert cell(3, "municipal_remarks").value is None
    assert book["Afspraken"]["C2"].value == "=1+1" and book["Afspraken"]["C2"].quotePrefix
    rows = list(book["Wijzigingen"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(changes)
    assert rows[0][6] == '=WEBSERVICE("x")' and rows[8][6] == "bel"
    assert rows[-1][:3] == ("2026-02-01", "P999", "elders")


def test_a_value_only_openpyxl_writes_makes_the_plain_way_write(
    config: Config, small_state: State
) -> None:
    region, monitor = small_state.region(), small_state.monitor(config.round)
    party = region.parties[0].id
    change = Change(str(config.round), party, "project", "x", "y", None, dt.time(9, 30), "", "")
    fast, plain = both_ways(config, small_state, monitor, [change])
    assert not is_direct(fast)
    assert content(fast) == content(plain)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_fast_workbook(
    config: Config, small_state: State, tmp_path: Path
) -> None:
    monitor = edge_monitor(config, small_state)
    changes = edge_changes(config, small_state)
    fast, plain = both_ways(config, small_state, monitor, changes)
    source = tmp_path / "in" / "monitor.xlsx"
    source.parent.mkdir()
    source.write_bytes(fast)
    out = tmp_path / "out"
    convert([source], out, tmp_path / "profile")
    # data_only: LibreOffice saves a truth value as the formula TRUE() with its value
    saved = openpyxl.load_workbook(out / "monitor.xlsx", data_only=True)
    expected = openpyxl.load_workbook(io.BytesIO(plain))
    assert saved.sheetnames == expected.sheetnames
    for sheet in expected.worksheets:
        found = list(saved[sheet.title].iter_rows(values_only=True))
        assert found == list(sheet.iter_rows(values_only=True)), sheet.title
        assert saved[sheet.title].protection.sheet
