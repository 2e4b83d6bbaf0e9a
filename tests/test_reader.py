"""The reader: workbooks built by the layout contract read back into submissions."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula
from submission_workbooks import build, issue, with_rows

from pipeline.core.config import Config
from pipeline.core.layout import (
    FIRST_DATA_ROW,
    SHEET_AGREEMENTS,
    SHEET_META,
    SHEET_MONITOR,
    SHEET_NEW,
    SHEET_OWN,
)
from pipeline.core.submission import ReadResult
from pipeline.state.database import State
from pipeline.workbook.reader import read_metadata, read_submission


def read(config: Config, data: bytes, name: str = "Gemeente Nijmegen.xlsx") -> ReadResult:
    return read_submission(Path(name), config, data=data)


def codes(result: ReadResult) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in result.findings]


def test_read_submission_round_trip_values(config: Config, state: State) -> None:
    layout = issue(config, state)
    own = layout.sheet(SHEET_OWN)
    when = dt.datetime(2027, 3, 15)
    data = build(
        config,
        state,
        layout,
        cells={
            (SHEET_OWN, 3, "name"): "Waalfront deelplan 4",
            (SHEET_OWN, 4, "total_dwellings"): 120,
            (SHEET_OWN, 5, "total_dwellings"): "120 woningen",
            (SHEET_OWN, 6, "municipal_remarks"): None,
            (SHEET_AGREEMENTS, 3, "status"): "groen",
            (SHEET_NEW, 3, "name"): "Nieuw plan",
            (SHEET_NEW, 3, "permit_date"): when,
        },
    )
    result = read(config, data)

    assert codes(result) == []
    submission = result.submission
    assert submission is not None
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert submission.layout.fingerprint == layout.fingerprint
    assert set(submission.sheets) == {SHEET_OWN, SHEET_NEW, SHEET_AGREEMENTS}
    sheet = submission.sheets[SHEET_OWN]
    values = sheet.values
    assert list(values.columns) == list(own.columns)
    assert list(values.index) == list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(own.row_ids)))
    assert list(values["project_id"]) == list(own.row_ids)
    assert values.loc[3, "name"] == "Waalfront deelplan 4"
    assert values.loc[4, "total_dwellings"] == 120
    assert type(values.loc[4, "total_dwellings"]) is int
    assert values.loc[5, "total_dwellings"] == "120 woningen"
    assert values.loc[6, "municipal_remarks"] is None
    assert all(dtype is object or str(dtype) == "object" for dtype in values.dtypes)
    assert sheet.protected
    assert sheet.formulas == set()
    assert sheet.header[:2] == ["Project-ID", "Projectnaam"]
    assert len(sheet.header) == len(own.columns)
    assert submission.sheets[SHEET_AGREEMENTS].values.loc[3, "status"] == "groen"
    new = submission.sheets[SHEET_NEW].values
    assert list(new.index) == [3]
    assert new.loc[3, "name"] == "Nieuw plan"
    assert new.loc[3, "permit_date"] == when


def test_read_submission_records_formulas_as_text(config: Config, state: State) -> None:
    layout = issue(config, state)
    data = build(
        config,
        state,
        layout,
        cells={
            (SHEET_OWN, 3, "total_dwellings"): "=10*12",
            (SHEET_OWN, 4, "name"): "'=looks like a formula",
        },
    )
    book = load_workbook(io.BytesIO(data))
    column = layout.sheet(SHEET_OWN).column_index("municipal_remarks")
    book[SHEET_OWN].cell(5, column).value = ArrayFormula("P5:P5", "=SUM(A1:A2)")
    buffer = io.BytesIO()
    book.save(buffer)

    result = read(config, buffer.getvalue())

    assert result.submission is not None
    sheet = result.submission.sheets[SHEET_OWN]
    assert sheet.formulas == {(3, "total_dwellings"), (5, "municipal_remarks")}
    assert sheet.values.loc[3, "total_dwellings"] == "=10*12"
    assert sheet.values.loc[5, "municipal_remarks"] == "=SUM(A1:A2)"
    assert sheet.values.loc[4, "name"] == "=looks like a formula"


def test_read_submission_keeps_extra_rows_below_issued_rows(config: Config, state: State) -> None:
    layout = issue(config, state)
    own_end = FIRST_DATA_ROW + len(layout.sheet(SHEET_OWN).row_ids)
    agreements_end = FIRST_DATA_ROW + len(layout.sheet(SHEET_AGREEMENTS).row_ids)
    data = build(
        config,
        state,
        layout,
        cells={
            (SHEET_OWN, own_end + 2, "name"): "Stiekem toegevoegd",
            (SHEET_OWN, own_end + 4, "name"): "   ",
            (SHEET_AGREEMENTS, agreements_end, "status"): "rood",
            (SHEET_NEW, 5, "name"): "Plan A",
            (SHEET_NEW, 9, "total_dwellings"): 40,
            (SHEET_NEW, 11, "name"): " ",
        },
    )

    result = read(config, data)

    assert result.submission is not None
    own = result.submission.sheets[SHEET_OWN].values
    assert list(own.index[-2:]) == [own_end - 1, own_end + 2]
    assert own.loc[own_end + 2, "name"] == "Stiekem toegevoegd"
    agreements = result.submission.sheets[SHEET_AGREEMENTS].values
    assert agreements.index[-1] == agreements_end
    assert list(result.submission.sheets[SHEET_NEW].values.index) == [5, 9]


def test_read_submission_reports_changed_header(config: Config, state: State) -> None:
    layout = issue(config, state)
    data = build(config, state, layout)
    book = load_workbook(io.BytesIO(data))
    book[SHEET_OWN].insert_cols(3)
    book[SHEET_OWN].cell(2, 3).value = "Mijn eigen kolom"
    buffer = io.BytesIO()
    book.save(buffer)

    result = read(config, buffer.getvalue())

    assert result.submission is None
    assert codes(result) == [("column-changed", "C2")]
    found = result.findings[0]
    assert found.sheet == SHEET_OWN
    assert "kolom C" in found.message and "'Mijn eigen kolom'" in found.message
    expected = config.catalogue.columns("project", config.round)[2].label
    assert f"'{expected}'" in found.message


def test_read_submission_reports_missing_sheet(config: Config, state: State) -> None:
    layout = issue(config, state)
    data = build(config, state, layout, skip_sheets=(SHEET_AGREEMENTS, SHEET_MONITOR))

    result = read(config, data)

    assert result.submission is None
    assert [(f.code, f.sheet) for f in result.findings] == [("sheet-missing", SHEET_AGREEMENTS)]
    assert result.findings[0].blocking


def test_read_submission_rejects_other_round(config: Config, state: State) -> None:
    layout = replace(issue(config, state), round="2026-H1")

    result = read(config, build(config, state, layout))

    assert result.submission is None
    assert codes(result) == [("wrong-round", None)]
    assert "2026-H1" in result.findings[0].message
    assert str(config.round) in result.findings[0].message


def test_read_submission_rejects_unknown_catalogue_version(config: Config, state: State) -> None:
    layout = replace(issue(config, state), catalogue_version="1999.1")

    result = read(config, build(config, state, layout))

    assert codes(result) == [("unknown-catalogue-version", None)]
    assert "1999.1" in result.findings[0].message


def test_read_submission_reports_protection_flag(config: Config, state: State) -> None:
    layout = issue(config, state)

    result = read(config, build(config, state, layout, protect=False))

    assert result.submission is not None
    assert not any(s.protected for s in result.submission.sheets.values())


def test_read_submission_without_metadata_is_not_issued(config: Config) -> None:
    book = Workbook()
    book.active.append(["gemeente", "aantal"])
    buffer = io.BytesIO()
    book.save(buffer)

    result = read(config, buffer.getvalue())

    assert result.submission is None
    assert codes(result) == [("not-issued-by-planmonitor", None)]


def test_read_submission_with_garbled_metadata_is_not_issued(config: Config, state: State) -> None:
    book = load_workbook(io.BytesIO(build(config, state, issue(config, state))))
    for row in book[SHEET_META].iter_rows():
        if row[0].value == "sheets":
            row[1].value = "[{kapot"
    buffer = io.BytesIO()
    book.save(buffer)

    result = read(config, buffer.getvalue())

    assert codes(result) == [("not-issued-by-planmonitor", None)]


def test_read_submission_missing_file(config: Config, tmp_path: Path) -> None:
    result = read_submission(tmp_path / "weg.xlsx", config)

    assert codes(result) == [("file-not-found", None)]


def test_read_submission_reads_file_from_disk(config: Config, state: State, tmp_path: Path) -> None:
    path = tmp_path / "inzending.xlsx"
    path.write_bytes(build(config, state, issue(config, state)))

    result = read_submission(path, config)

    assert result.file_name == "inzending.xlsx"
    assert result.submission is not None
    assert result.submission.file_name == "inzending.xlsx"


def test_read_submission_too_large_file_is_not_read(config: Config, tmp_path: Path) -> None:
    path = tmp_path / "groot.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(2000))

    result = read_submission(path, replace(config, max_file_bytes=1000))

    assert codes(result) == [("file-too-large", None)]
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_metadata_gives_the_plan(config: Config, state: State, tmp_path: Path) -> None:
    layout = issue(config, state)
    path = tmp_path / "werkmap.xlsx"
    path.write_bytes(build(config, state, layout))

    found = read_metadata(path)

    assert found is not None
    assert found.fingerprint == layout.fingerprint
    assert read_metadata(tmp_path / "weg.xlsx") is None


def test_read_submission_is_fast_for_a_large_workbook(config: Config, state: State) -> None:
    layout = with_rows(issue(config, state), SHEET_OWN, 700)
    width = len(layout.sheet(SHEET_OWN).columns)
    cells = {
        (SHEET_OWN, row, key): f"waarde {row}"
        for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 700)
        for key in layout.sheet(SHEET_OWN).columns[1:]
    }
    data = build(config, None, layout, cells=cells)

    result = read(config, data)

    assert result.submission is not None
    values = result.submission.sheets[SHEET_OWN].values
    assert values.shape == (700, width)
    assert values.loc[FIRST_DATA_ROW + 699, layout.sheet(SHEET_OWN).columns[-1]] == "waarde 702"


def test_read_submission_flags_macros_but_reads_on(config: Config, state: State) -> None:
    data = build(config, state, issue(config, state))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\x00" * 64)

    result = read(config, buffer.getvalue(), "Gemeente Nijmegen.xlsm")

    assert [(f.code, f.severity) for f in result.findings] == [("macro-workbook", "warning")]
    assert result.submission is not None and result.submission.has_macros
