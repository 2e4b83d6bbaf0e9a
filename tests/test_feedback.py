"""Feedback: the party's submission marked at every finding, with a list sheet in front."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from submission_workbooks import build, issue

from pipeline.core import formatting
from pipeline.core.config import Config
from pipeline.core.findings import Finding, finding
from pipeline.core.layout import HEADER_ROW, SHEET_AGREEMENTS, SHEET_META, SHEET_NEW, SHEET_OWN
from pipeline.core.messages import show_value
from pipeline.stages.check import check_bytes
from pipeline.stages.issue import issue_round
from pipeline.state.database import State
from pipeline.storage.local import LocalStorage
from pipeline.workbook.feedback import (
    AUTHOR,
    ERROR_FILL,
    RESUBMIT,
    STATE_SHEET,
    TEXTS,
    WARNING_FILL,
    write_feedback,
)
from pipeline.workbook.reader import read_submission

LIST = TEXTS["sheet"]


@pytest.fixture
def submission(config: Config, state: State) -> bytes:
    return build(
        config,
        state,
        issue(config, state),
        cells={
            (SHEET_OWN, 4, "total_dwellings"): "veel",
            (SHEET_OWN, 5, "name"): '\'=HYPERLINK("http://evil")',
            (SHEET_NEW, 3, "name"): "Nieuw plan",
        },
    )


def findings_for(config: Config) -> list[Finding]:
    return [
        finding(
            "not-a-whole-number",
            file="w.xlsx",
            sheet=SHEET_OWN,
            cell="Q4",
            field="Totaal woningen",
            value="veel",
        ),
        finding(
            "text-looks-like-formula",
            file="w.xlsx",
            sheet=SHEET_OWN,
            cell="B5",
            field="Projectnaam",
            value='=HYPERLINK("http://evil")',
            prefix="'='",
        ),
        finding(
            "required-value-missing",
            file="w.xlsx",
            sheet=SHEET_NEW,
            cell="C3",
            field="Gemeente",
            value=None,
        ),
        finding("bottleneck-without-explanation", file="w.xlsx", sheet=SHEET_NEW, cell="C3", row=3),
        finding("protection-removed", file="w.xlsx", sheet=SHEET_AGREEMENTS),
        finding("macro-workbook", file="w.xlsx"),
    ]


def open_book(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data), rich_text=True)


def colour(cell: Any) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None


def test_feedback_marks_cells_with_fill_and_comment(config: Config, submission: bytes) -> None:
    found = findings_for(config)
    book = open_book(
        write_feedback(submission, found, party_name="Gemeente Nijmegen", round_="2026-H2")
    )

    own, new = book[SHEET_OWN], book[SHEET_NEW]
    assert colour(own["Q4"]) == ERROR_FILL
    assert colour(own["B5"]) == WARNING_FILL
    assert colour(new["C3"]) == ERROR_FILL  # an error and a warning: the error wins
    assert colour(own["Q3"]) is None and own["Q3"].comment is None
    assert own["Q4"].comment.author == AUTHOR
    assert own["Q4"].comment.text == found[0].message
    assert found[2].message in new["C3"].comment.text
    assert found[3].message in new["C3"].comment.text
    marked = {
        (ws.title, c.coordinate)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.comment is not None
    }
    assert marked == {(SHEET_OWN, "Q4"), (SHEET_OWN, "B5"), (SHEET_NEW, "C3")}


def test_feedback_list_sheet_is_first_and_complete(config: Config, submission: bytes) -> None:
    found = findings_for(config)
    book = open_book(
        write_feedback(submission, found, party_name="Gemeente Nijmegen", round_="2026-H2")
    )

    assert book.sheetnames[0] == LIST
    assert book.active.title == LIST
    ws = book[LIST]
    assert "Gemeente Nijmegen" in ws["A1"].value and "2026-H2" in ws["A1"].value
    assert ws["A2"].value == "2 blokkerende fouten en 4 waarschuwingen."
    assert ws["A3"].value == TEXTS["rows_blocked"]
    header = [c.value for c in ws[6]]
    assert header == TEXTS["columns"].split("|")
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=7)]
    assert len(rows) == len(found)
    assert [r[0] for r in rows] == ["Fout"] * 2 + ["Waarschuwing"] * 4
    assert sorted(r[5] for r in rows) == sorted(f.message for f in found)
    first = rows[0]
    # the value found is what the submitted cell holds (the finding here is made up)
    assert first[1:5] == [
        SHEET_OWN,
        "Q4",
        "Totaal woningen",
        show_value(book[SHEET_OWN]["Q4"].value),
    ]
    assert ws["C7"].hyperlink.location == "'Mijn projecten'!Q4"
    file_level = [r for r in rows if r[1] is None]
    assert [r[5] for r in file_level] == [found[5].message]


def test_feedback_keeps_values_protection_and_metadata(config: Config, submission: bytes) -> None:
    before = open_book(submission)
    after = open_book(
        write_feedback(
            submission, findings_for(config), party_name="Gemeente Nijmegen", round_="2026-H2"
        )
    )

    for ws in before.worksheets:
        other = after[ws.title]
        assert [[c.value for c in row] for row in ws.iter_rows()] == [
            [c.value for c in row] for row in other.iter_rows()
        ], ws.title
        assert bool(other.protection.sheet) == bool(ws.protection.sheet)
    assert after[SHEET_META].sheet_state == "veryHidden"
    text = after[SHEET_OWN]["B5"]
    assert text.value == '=HYPERLINK("http://evil")' and text.data_type == "s"
    shown = [
        c
        for row in after[LIST].iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert shown and all(c.data_type == "s" for c in shown)


def test_feedback_workbook_reads_back_as_the_submission(config: Config, submission: bytes) -> None:
    data = write_feedback(
        submission, findings_for(config), party_name="Gemeente Nijmegen", round_="2026-H2"
    )

    original = read_submission(Path("w.xlsx"), config, data=submission).submission
    again = read_submission(Path("w.xlsx"), config, data=data).submission

    assert original is not None and again is not None
    assert again.layout.fingerprint == original.layout.fingerprint
    for name, sheet in original.sheets.items():
        assert again.sheets[name].values.equals(sheet.values), name
        assert again.sheets[name].protected == sheet.protected


def test_feedback_on_feedback_undoes_earlier_marks(config: Config, submission: bytes) -> None:
    book = open_book(submission)
    book[SHEET_OWN]["D6"].comment = Comment("Eigen notitie", "Jan")
    buffer = io.BytesIO()
    book.save(buffer)
    first = write_feedback(
        buffer.getvalue(),
        [
            finding(
                "not-a-whole-number",
                sheet=SHEET_OWN,
                cell="Q4",
                field="Totaal woningen",
                value="veel",
            ),
            finding("value-not-in-list", sheet=SHEET_OWN, cell="D6", field="Subregio", value="x"),
        ],
        party_name="P",
        round_="2026-H2",
    )
    assert "Eigen notitie" in open_book(first)[SHEET_OWN]["D6"].comment.text

    second = open_book(
        write_feedback(
            first,
            [
                finding(
                    "not-a-number",
                    sheet=SHEET_OWN,
                    cell="G3",
                    field="X-coördinaat (RD)",
                    value="oost",
                ),
            ],
            party_name="P",
            round_="2026-H2",
        )
    )

    own = second[SHEET_OWN]
    assert colour(own["Q4"]) is None and own["Q4"].comment is None
    assert colour(own["D6"]) is None
    assert own["D6"].comment.text == "Eigen notitie" and own["D6"].comment.author == "Jan"
    assert colour(own["G3"]) == ERROR_FILL
    assert second.sheetnames.count(LIST) == 1
    assert second.sheetnames.count(STATE_SHEET) == 1
    assert len([r for r in second[LIST].iter_rows(min_row=7) if r[0].value]) == 1


def test_feedback_for_unreadable_file_is_a_new_list(config: Config) -> None:
    found = [finding("not-a-workbook", file="export.xlsx", kind="tekst of CSV")]

    book = open_book(write_feedback(b"gemeente;aantal\n", found, party_name="P", round_="2026-H2"))

    assert book.sheetnames == [LIST]
    assert book[LIST]["A3"].value == TEXTS["file_blocked"]
    assert book[LIST]["F7"].value == found[0].message


def test_feedback_without_findings_says_all_is_well(submission: bytes) -> None:
    book = open_book(write_feedback(submission, [], party_name="P", round_="2026-H2"))

    assert book[LIST]["A3"].value == TEXTS["none"]
    assert STATE_SHEET not in book.sheetnames


# -- one mistake counted once, in the party's words ---------------------------------------------


def _issued(config: Config, state: State) -> tuple[bytes, dict[str, Any]]:
    """The workbook an initiator gets (it keeps the numbers), and its first project."""
    projects = state.monitor(config.round).projects
    initiator = str(projects["initiator"].value_counts().index[0])
    storage = LocalStorage(config.paths.storage)
    summary = issue_round(config, state, storage, party_ids=[initiator])
    party = state.region().party(initiator)
    data = storage.get_party_file(party, summary.workbooks[0].file_name)
    book = load_workbook(io.BytesIO(data))
    row_id = str(book[SHEET_OWN]["A3"].value)
    return data, {"id": row_id, **projects.loc[row_id].to_dict()}


def _edited(data: bytes, cells: dict[tuple[str, int, str], Any]) -> bytes:
    """The workbook with cells typed in, found by their header, as a party would."""
    book = load_workbook(io.BytesIO(data))
    for (sheet, row, label), value in cells.items():
        ws = book[sheet]
        column = next(c.column for c in ws[HEADER_ROW] if c.value == label)
        ws.cell(row, column).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_wrong_total_is_one_blocking_finding_that_names_the_sums(
    config: Config, state: State
) -> None:
    issued, project = _issued(config, state)
    assert project["single_family"] + project["multi_family"] == project["total_dwellings"]
    wrong = int(project["total_dwellings"]) + 7
    data = _edited(issued, {(SHEET_OWN, 3, "Totaal woningen"): wrong})
    report = check_bytes(config, state, data, "werkmap.xlsx")
    on_row = [f for f in report.findings if f.row == 3 and f.sheet == SHEET_OWN and f.blocking]
    assert [f.code for f in on_row] == ["total-does-not-add-up"]
    message = on_row[0].message
    for part in ("planning per jaar", "prijssegmenten", "grondgebonden + gestapeld"):
        assert part in message
    assert f"({formatting.number(wrong)})" in message or f"({wrong})" in message
    assert project["id"] in message and str(project["name"]) in message

    # the feedback shows the value the party typed in that cell, not "(leeg)"
    book = open_book(
        write_feedback(data, report.findings, party_name="Partij", round_=str(config.round))
    )
    listed = [
        [c.value for c in row]
        for row in book[LIST].iter_rows(min_row=7)
        if row[2].value == on_row[0].cell
    ]
    assert [r[4] for r in listed] == [show_value(wrong)]
    assert book[SHEET_OWN][str(on_row[0].cell)].value == wrong


def test_one_sum_that_fails_keeps_its_own_finding(config: Config, state: State) -> None:
    issued, project = _issued(config, state)
    data = _edited(issued, {(SHEET_OWN, 3, "Grondgebonden"): int(project["single_family"]) + 3})
    report = check_bytes(config, state, data, "werkmap.xlsx")
    on_row = [f for f in report.findings if f.row == 3 and f.blocking]
    assert [f.code for f in on_row] == ["dwelling-types-do-not-add-up"]
    assert project["id"] in on_row[0].message


def test_every_row_finding_names_its_project(config: Config, state: State) -> None:
    issued, project = _issued(config, state)
    second = str(load_workbook(io.BytesIO(issued))[SHEET_OWN]["A4"].value)
    name = state.monitor(config.round).projects.at[second, "name"]
    data = _edited(
        issued,
        {
            (SHEET_OWN, 3, "Eigen stoplicht"): "rood",
            (SHEET_OWN, 3, "Toelichting stoplicht"): None,
            (SHEET_OWN, 4, "Totaal woningen"): "veel",
            (SHEET_NEW, 3, "Projectnaam"): "Nieuw plan",
        },
    )
    report = check_bytes(config, state, data, "werkmap.xlsx")
    rows = [f for f in report.findings if f.row is not None]
    assert {f.sheet for f in rows} == {SHEET_OWN, SHEET_NEW}
    for f in rows:
        if f.sheet == SHEET_OWN and f.row == 3:
            assert f"{project['id']} {project['name']}" in f.message, f.message
        elif f.sheet == SHEET_OWN and f.row == 4:
            assert f"{second} {name}" in f.message, f.message
        elif f.sheet == SHEET_NEW:
            assert "nieuw project 'nieuw plan'" in f.message.lower(), f.message


def test_feedback_and_guide_say_the_same_about_sending_in_again() -> None:
    guide = " ".join((Path(__file__).parent.parent / "docs" / "partijen.md").read_text().split())
    assert RESUBMIT in TEXTS["rows_blocked"]
    assert RESUBMIT in guide
    # and the guide no longer says the feedback copy is not collected
    assert "haalt het secretariaat niet op" not in guide.split("## De terugkoppeling")[1]
