"""File-level tricks and bulk: Strict Open XML, pasted rows by the thousand, huge sheets, types."""

from __future__ import annotations

import json
import multiprocessing
import resource
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hostile.tools import DEVELOPER, NEW_PROJECT, Clock, copy_round, edited, issued, repack, submit
from pipeline.core.layout import SHEET_NEW
from pipeline.demo.simulation import EditedWorkbook
from pipeline.stages.check import check_bytes, check_round
from pipeline.stages.collect import collect
from pipeline.stages.merge import merge_round
from pipeline.stages.session import Session, open_session
from pipeline.state.database import State

_STRICT = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": (
        b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    ),
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    ),
}


def _as_strict(name: str, content: bytes) -> bytes:
    if not name.endswith((".xml", ".rels")):
        return content
    for transitional, strict in _STRICT.items():
        content = content.replace(transitional, strict)
    return content


def test_strict_open_xml_says_how_to_save_normally(session: Session) -> None:
    strict = repack(issued(session, DEVELOPER), _as_strict)
    report = check_bytes(session.config, session.state, strict, "strikt.xlsx", DEVELOPER)
    assert [f.code for f in report.findings] == ["strict-open-xml"]
    assert report.errors == 1
    assert "Opslaan als" in report.findings[0].message
    assert "Strikt" in report.findings[0].message


def _paste_rows(count: int) -> Any:
    def paste(book: EditedWorkbook) -> None:
        book.book[SHEET_NEW].protection.sheet = False
        for row in range(3, 3 + count):
            for key, value in NEW_PROJECT.items():
                book.set(SHEET_NEW, row, key, f"{value} {row}" if key == "name" else value)

    return paste


def test_more_new_projects_than_the_cap_is_one_blocking_finding(session: Session) -> None:
    cap = session.config.max_new_projects
    submit(session, DEVELOPER, edited(session, issued(session, DEVELOPER), _paste_rows(cap + 1)))
    collect(session, clock=Clock())
    report = check_round(session).reports[0]
    assert "too-many-new-projects" in {f.code for f in report.findings if f.blocking}
    outcome = merge_round(session, clock=Clock(), issue_next=False).outcome
    assert outcome.new_projects == []


def test_new_projects_up_to_the_cap_are_taken(session: Session) -> None:
    session.config = replace(session.config, max_new_projects=3)
    submit(session, DEVELOPER, edited(session, issued(session, DEVELOPER), _paste_rows(3)))
    collect(session, clock=Clock())
    outcome = merge_round(session, clock=Clock(), issue_next=False).outcome
    assert len(outcome.new_projects) == 3


def test_whole_numbers_stay_whole_in_the_state(prepared: Path, tmp_path: Path) -> None:
    config = copy_round(prepared, tmp_path / "ronde")
    with open_session(config) as session:
        merge_round(session, clock=Clock(), issue_next=False)
        whole = {
            c.key
            for c in config.catalogue.columns("project", session.config.round)
            if c.field.type in ("whole", "year")
        }
    with State(config.paths.database) as state:
        records = state.db.execute("SELECT record FROM snapshots").fetchall()
    rows = [(f, v) for (text,) in records for f, v in json.loads(text).items()]
    floats = [(f, v) for f, v in rows if f in whole and isinstance(v, float)]
    assert floats == []


def _huge_sheet(name: str, content: bytes) -> bytes:
    if name != "xl/worksheets/sheet3.xml":  # a data sheet (which one depends on the writer)
        return content
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Plan %d</t></is></c></row>' % (r, r, r)
        for r in range(30, 300_030)
    )
    return content.replace(b"</sheetData>", rows + b"</sheetData>")


def _check_in_child(config: Any, data: bytes, out: Any) -> None:
    with open_session(config) as session:
        report = check_bytes(session.config, session.state, data, "groot.xlsx", DEVELOPER)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put(([f.code for f in report.findings if f.blocking], peak_mb))


@pytest.mark.slow
def test_a_sheet_of_300000_rows_is_refused_within_a_memory_bound(session: Session) -> None:
    huge = repack(issued(session, DEVELOPER), _huge_sheet)
    assert len(huge) < session.config.max_file_bytes
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    child = context.Process(target=_check_in_child, args=(session.config, huge, out))
    child.start()
    codes, peak_mb = out.get(timeout=600)
    child.join(60)
    assert {"too-many-new-projects", "too-many-rows"} & set(codes), codes
    assert peak_mb < 1000, f"{peak_mb:.0f} MB"
