"""Forged layouts and identities: what a workbook may hold comes from the issue record.

Each case edits a really issued workbook the way a hostile party could, puts it in the party's
folder and runs the round. Every case must end in a blocking finding with nothing of the file
in the state: the merged monitor equals the issued one, no change is logged, no project added.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from hostile.tools import (
    DEVELOPER,
    NEW_PROJECT,
    OTHER,
    Clock,
    edited,
    forge_metadata,
    issued,
    sheet_of,
    submit,
)
from pipeline.core.layout import SHEET_AGREEMENTS, SHEET_NEW, SHEET_OWN
from pipeline.core.rollover import roll_over
from pipeline.demo.simulation import EditedWorkbook
from pipeline.stages.check import FileReport, check_files, check_round
from pipeline.stages.collect import collect
from pipeline.stages.merge import merge_round
from pipeline.stages.session import Session

# Fields of a new project only the municipality or the secretary may set.
NOT_THE_DEVELOPERS = {
    "acceleration_site": "ja",
    "large_scale": "ja",
    "zoning_status": "onherroepelijk",
    "permit_status": "onherroepelijk",
}


def _round_with(session: Session, party: str, data: bytes) -> FileReport:
    """Submit, check and merge; assert that nothing of the file reached the state."""
    round_ = session.config.round
    base = session.state.monitor(round_)
    submit(session, party, data)
    collect(session, clock=Clock())
    report = check_round(session).reports[-1]
    outcome = merge_round(session, clock=Clock(), issue_next=False).outcome
    after = session.state.monitor(round_.next())
    # Nothing taken: the next monitor is the issued one, past years rolled over as always.
    expected, _ = roll_over(base, session.config.catalogue, round_.next().year)
    assert after.records("project") == expected.records("project")
    assert after.records("agreement") == expected.records("agreement")
    assert session.state.changes(round_) == []
    assert outcome.new_projects == []
    assert report.errors, report.findings
    return report


def _codes(report: FileReport) -> set[str]:
    return {f.code for f in report.findings if f.blocking}


def _write_new_row(book: EditedWorkbook, columns: list[str], values: dict[str, Any]) -> None:
    """Relabel the new-project sheet for ``columns`` and fill its first row."""
    ws = book.book[SHEET_NEW]
    ws.protection.sheet = False
    for index, key in enumerate(columns, start=1):
        ws.cell(2, index).value = book.labels[key]
        ws.cell(3, index).value = values.get(key)


def _forged_new_sheet(
    session: Session,
    columns: Callable[[list[str]], list[str]],
    values: dict[str, Any],
    **sheet: Any,
) -> bytes:
    declared: list[str] = []

    def layout(meta: dict[str, Any]) -> None:
        new = sheet_of(meta, SHEET_NEW)
        new["columns"] = columns(list(new["columns"]))
        new.update(sheet)
        declared.extend(new["columns"])

    data = forge_metadata(session, issued(session, DEVELOPER), layout)
    return edited(session, data, lambda book: _write_new_row(book, declared, values))


def test_new_project_with_fields_of_others_is_refused(session: Session) -> None:
    data = _forged_new_sheet(
        session, lambda cols: cols + list(NOT_THE_DEVELOPERS), NEW_PROJECT | NOT_THE_DEVELOPERS
    )
    assert "layout-changed" in _codes(_round_with(session, DEVELOPER, data))


def test_new_project_sheet_declared_as_agreements_is_refused(session: Session) -> None:
    agreement_columns = [
        c.key for c in session.config.catalogue.columns("agreement", session.config.round)
    ]
    values = {"agreement_id": "A-99", "title": "Verzonnen afspraak"}
    data = _forged_new_sheet(session, lambda cols: agreement_columns, values, entity="agreement")
    assert "layout-changed" in _codes(_round_with(session, DEVELOPER, data))


def test_new_project_without_required_columns_is_refused(session: Session) -> None:
    def drop(cols: list[str]) -> list[str]:
        return [c for c in cols if c not in {"name", "municipality"}]

    data = _forged_new_sheet(session, drop, NEW_PROJECT)
    assert "layout-changed" in _codes(_round_with(session, DEVELOPER, data))


def test_forged_project_id_on_a_new_row_is_refused_without_a_crash(session: Session) -> None:
    existing = str(session.state.monitor(session.config.round).projects.index[0])
    data = _forged_new_sheet(
        session, lambda cols: ["project_id", *cols], NEW_PROJECT | {"project_id": existing}
    )
    assert "layout-changed" in _codes(_round_with(session, DEVELOPER, data))


def test_forged_identity_is_refused(session: Session) -> None:
    other = session.state.region().party(OTHER)

    def become_other(meta: dict[str, Any]) -> None:
        meta["party"], meta["party_name"] = other.id, other.name

    data = forge_metadata(session, issued(session, DEVELOPER), become_other)
    assert _codes(_round_with(session, DEVELOPER, data)) & {"layout-changed", "wrong-party"}


def test_another_partys_workbook_is_refused(session: Session) -> None:
    data = edited(
        session, issued(session, OTHER), lambda b: b.set(SHEET_OWN, 3, "stoplight", "rood")
    )
    assert "wrong-party" in _codes(_round_with(session, DEVELOPER, data))


def test_unknown_fingerprint_is_refused(session: Session) -> None:
    def forge(meta: dict[str, Any]) -> None:
        meta["fingerprint"] = uuid.uuid4().hex * 2
        sheet_of(meta, SHEET_OWN)["row_ids"] = sheet_of(meta, SHEET_OWN)["row_ids"][:-1]

    data = forge_metadata(session, issued(session, DEVELOPER), forge)
    assert "unknown-issue" in _codes(_round_with(session, DEVELOPER, data))


def test_forged_rows_to_own_more_projects_are_refused(session: Session) -> None:
    monitor = session.state.monitor(session.config.round)
    others = [str(i) for i, p in monitor.projects.iterrows() if p["initiator"] == OTHER]

    def claim(meta: dict[str, Any]) -> None:
        own = sheet_of(meta, SHEET_OWN)
        own["row_ids"] = list(own["row_ids"]) + others[:1]

    data = forge_metadata(session, issued(session, DEVELOPER), claim)
    assert "layout-changed" in _codes(_round_with(session, DEVELOPER, data))


@pytest.mark.parametrize(
    "key, value",
    [
        ("round", "2027-H1"),
        ("catalogue_version", "0.1"),
        ("layout_version", "2"),
        ("base_hash", "0"),
    ],
)
def test_forged_metadata_values_are_refused(session: Session, key: str, value: str) -> None:
    def forge(meta: dict[str, Any]) -> None:
        meta[key] = value
        sheet_of(meta, SHEET_AGREEMENTS)["columns"] = sheet_of(meta, SHEET_AGREEMENTS)["columns"][
            :-1
        ]

    data = forge_metadata(session, issued(session, DEVELOPER), forge)
    assert _round_with(session, DEVELOPER, data).errors


def test_validate_a_loose_file_takes_the_party_from_the_record(
    session: Session, tmp_path: Any
) -> None:
    other = session.state.region().party(OTHER)

    def become_other(meta: dict[str, Any]) -> None:
        meta["party"], meta["party_name"] = other.id, other.name

    path = tmp_path / "los.xlsx"
    path.write_bytes(forge_metadata(session, issued(session, DEVELOPER), become_other))
    report = check_files(session.config, session.state, [path])[0]
    assert report.party == DEVELOPER
    assert "layout-changed" in _codes(report)
