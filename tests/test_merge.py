"""Collect, merge, status and rebuild on a few parties of the demo region."""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.core.config import Config
from pipeline.core.errors import LockHeld, RoundError
from pipeline.core.layout import SHEET_NEW, SHEET_OWN
from pipeline.core.monitor import Monitor
from pipeline.demo.simulation import EditedWorkbook, old_xls
from pipeline.stages.check import check_round
from pipeline.stages.collect import collect
from pipeline.stages.issue import issue_round
from pipeline.stages.merge import merge_round
from pipeline.stages.rebuild import rebuild
from pipeline.stages.session import Session, open_session
from pipeline.stages.status import round_status
from pipeline.state.archive import Archive
from pipeline.state.database import State
from pipeline.state.lock import held

DEVELOPER, OTHER = "P039", "P031"


@pytest.fixture
def session(config: Config, small_state: State) -> Iterator[Session]:
    with open_session(config) as opened:
        municipality = _municipality_of_first_project(opened, DEVELOPER)
        issue_round(
            opened.config,
            opened.state,
            opened.storage,
            party_ids=[DEVELOPER, OTHER, municipality],
            archive=opened.archive,
        )
        yield opened


def _municipality_of_first_project(session: Session, party_id: str) -> str:
    monitor = session.state.monitor(session.config.round)
    code = monitor.projects[monitor.projects["initiator"] == party_id]["municipality"].iloc[0]
    party = session.state.region().municipality_party(code)
    assert party is not None
    return party.id


def edit(session: Session, party_id: str, change: Any, name: str | None = None) -> None:
    """Let a party open its issued workbook, change it, and save it in its folder."""
    party = session.state.region().party(party_id)
    issued = session.state.issued(session.config.round, party_id)[0].file_name
    book = EditedWorkbook(
        session.storage.get_party_file(party, issued),
        session.config.catalogue,
        session.config.round,
    )
    change(book)
    session.storage.put_party_file(party, name or issued, book.save())


class Clock:
    def __init__(self) -> None:
        self.tick = 0

    def __call__(self) -> str:
        self.tick += 1
        return f"2026-12-01T10:{self.tick // 60:02d}:{self.tick % 60:02d}+00:00"


def own_rows(book: EditedWorkbook, monitor: Monitor, party: str) -> list[int]:
    return [
        r
        for r in book.rows(SHEET_OWN)
        if monitor.projects.at[book.get(SHEET_OWN, r, "project_id"), "initiator"] == party
    ]


def snapshot_diff(before: Monitor, after: Monitor) -> set[tuple[str, str, str]]:
    """Cells that differ between two monitors, as (entity, id, field)."""
    diff = set()
    for entity in ("project", "agreement"):
        old = {r[f"{entity}_id"]: r for r in before.records(entity)}  # type: ignore[arg-type]
        for record in after.records(entity):  # type: ignore[arg-type]
            row_id = record[f"{entity}_id"]
            previous = old.get(row_id, {})
            for key, value in record.items():
                if value != previous.get(key):
                    diff.add((entity, row_id, key))
    return diff


def test_merge_takes_owned_changed_cells_only_and_logs_each(session: Session) -> None:
    round_ = session.config.round
    base = session.state.monitor(round_)
    changed: dict[str, Any] = {}

    def work(book: EditedWorkbook) -> None:
        rows = own_rows(book, base, DEVELOPER)
        changed["id"] = book.get(SHEET_OWN, rows[0], "project_id")
        book.set(SHEET_OWN, rows[0], "stoplight", "rood")
        book.set(SHEET_OWN, rows[0], "stoplight_explanation", "Netcongestie")
        book.unprotect(SHEET_OWN)  # and then 'improve' the municipality's zoning status
        status = book.get(SHEET_OWN, rows[1], "zoning_status")
        book.set(
            SHEET_OWN,
            rows[1],
            "zoning_status",
            "1A. Onherroepelijk" if status != "1A. Onherroepelijk" else "3. In voorbereiding",
        )
        changed["other"] = book.get(SHEET_OWN, rows[1], "project_id")

    edit(session, DEVELOPER, work)
    received = collect(session, clock=Clock())
    assert [r.party for r in received.received] == [DEVELOPER]
    summary = merge_round(session, clock=Clock())
    after = session.state.monitor(round_.next())
    assert after.projects.at[changed["id"], "stoplight"] == "rood"
    assert (
        after.projects.at[changed["other"], "zoning_status"]
        == base.projects.at[changed["other"], "zoning_status"]
    )
    changes = session.state.changes(round_)
    assert {(c.row_id, c.field, c.new) for c in changes} == {
        (changed["id"], "stoplight", "rood"),
        (changed["id"], "stoplight_explanation", "Netcongestie"),
    }
    assert {c.submission for c in changes} == {received.received[0].sha256}
    carried = {
        (c.entity, c.row_id, column)
        for c in session.state.carries(round_.next())
        for column in (c.from_column, c.to_column)
    }
    assert carried, "2026 ends with this merge: what was planned for it is carried forward"
    assert snapshot_diff(base, after) - carried == {("project", c.row_id, c.field) for c in changes}
    # the row with the not-owner change is held back as a whole; the rest went through
    result = session.state.merge_results(round_)[0]
    assert result.rows_held == 1 and result.rows_accepted >= 1
    assert summary.monitor_file is not None and summary.monitor_file.exists()
    assert summary.issued_next == 3
    # the next round's workbook names that round's deadline, six months on
    party = session.state.region().party(DEVELOPER)
    name = session.state.issued(round_.next(), DEVELOPER)[0].file_name
    book = openpyxl.load_workbook(io.BytesIO(session.storage.get_party_file(party, name)))
    text = " ".join(str(c.value) for row in book["Toelichting"].iter_rows() for c in row)
    assert "15 juli 2027" in text and "15 januari 2027" not in text


def test_blocked_row_keeps_previous_values(session: Session) -> None:
    base = session.state.monitor(session.config.round)
    ids: list[str] = []

    def work(book: EditedWorkbook) -> None:
        rows = own_rows(book, base, DEVELOPER)
        ids.extend(book.get(SHEET_OWN, r, "project_id") for r in rows[:2])
        book.set(SHEET_OWN, rows[0], "stoplight", "rood")
        book.set(SHEET_OWN, rows[0], "phase", "bouw gestart")  # not in the list: row blocked
        book.set(SHEET_OWN, rows[1], "stoplight_explanation", "Loopt op schema")

    edit(session, DEVELOPER, work)
    collect(session, clock=Clock())
    merge_round(session, clock=Clock(), issue_next=False)
    after = session.state.monitor(session.config.round.next())
    assert after.projects.at[ids[0], "stoplight"] == base.projects.at[ids[0], "stoplight"]
    assert after.projects.at[ids[1], "stoplight_explanation"] == "Loopt op schema"


def test_new_project_gets_a_permanent_id_and_withdrawn_project_stays(session: Session) -> None:
    base = session.state.monitor(session.config.round)
    withdrawn: list[str] = []

    def work(book: EditedWorkbook) -> None:
        for key, value in {
            "name": "Elst Spoorzone Zuid",
            "municipality": "Overbetuwe",
            "total_dwellings": 30,
            "planning_2028": 30,
            "social_rent": 30,
            "multi_family": 30,
            "phase": "initiatief",
            "stoplight": "groen",
        }.items():
            book.set(SHEET_NEW, 3, key, value)
        row = own_rows(book, base, DEVELOPER)[0]
        withdrawn.append(book.get(SHEET_OWN, row, "project_id"))
        book.set(SHEET_OWN, row, "withdrawn", "ja")

    edit(session, DEVELOPER, work)
    collect(session, clock=Clock())
    outcome = merge_round(session, clock=Clock(), issue_next=False).outcome
    assert len(outcome.new_projects) == 1
    party, project_id, name = outcome.new_projects[0]
    after = session.state.monitor(session.config.round.next())
    highest = max(int(i.split("-")[1]) for i in base.projects.index)
    assert project_id == f"PRJ-{highest + 1:04d}"
    assert (party, name) == (DEVELOPER, "Elst Spoorzone Zuid")
    assert after.projects.at[project_id, "initiator"] == DEVELOPER
    assert after.projects.at[project_id, "municipality"] == "GM1734"
    assert after.projects.at[project_id, "subregion"] == "Overbetuwe en Lingewaard"
    assert after.projects.at[withdrawn[0], "withdrawn"] is True
    assert len(after.projects) == len(base.projects) + 1


def test_last_submission_counts_and_status_says_so(session: Session) -> None:
    base = session.state.monitor(session.config.round)

    def first(book: EditedWorkbook) -> None:
        book.set(SHEET_OWN, own_rows(book, base, DEVELOPER)[0], "stoplight", "geel")

    def second(book: EditedWorkbook) -> None:
        book.set(SHEET_OWN, own_rows(book, base, DEVELOPER)[0], "stoplight", "rood")

    clock = Clock()
    edit(session, DEVELOPER, first)
    collect(session, clock=clock)
    edit(session, DEVELOPER, second)
    collect(session, clock=clock)
    party = session.state.region().party(OTHER)
    session.storage.put_party_file(party, "oud bestand.xls", old_xls())
    collect(session, clock=clock)
    outcome = merge_round(session, clock=clock, issue_next=False).outcome
    assert len(outcome.superseded) == 1
    assert {
        c.new for c in session.state.changes(session.config.round) if c.field == "stoplight"
    } == {"rood"}
    status = {p.party: p for p in round_status(session, session.config.round).parties}
    assert status[DEVELOPER].received == 2 and status[DEVELOPER].superseded == 1
    assert status[DEVELOPER].merged
    assert status[OTHER].verdict == "niet verwerkt" and not status[OTHER].merged


def test_merging_again_gives_the_same_state(session: Session) -> None:
    base = session.state.monitor(session.config.round)

    def work(book: EditedWorkbook) -> None:
        book.set(SHEET_OWN, own_rows(book, base, DEVELOPER)[0], "stoplight", "rood")
        book.set(SHEET_NEW, 3, "name", "Tweede Kamp")
        for key, value in {
            "municipality": "Arnhem",
            "total_dwellings": 10,
            "planning_2027": 10,
            "phase": "initiatief",
            "stoplight": "groen",
        }.items():
            book.set(SHEET_NEW, 3, key, value)

    edit(session, DEVELOPER, work)
    collect(session, clock=Clock())
    round_ = session.config.round
    merge_round(session, clock=Clock(), issue_next=False)
    first = session.state.dump()
    merge_round(session, round_=round_, clock=Clock(), issue_next=False)
    assert session.state.dump() == first


def test_second_merge_at_once_is_refused(session: Session) -> None:
    edit(session, DEVELOPER, lambda book: None, name="kopie.xlsx")
    collect(session, clock=Clock())
    lock = session.config.paths.state / "samenvoegen.lock"
    with held(lock, "samenvoeging"), pytest.raises(LockHeld, match="samenvoeging"):
        merge_round(session, issue_next=False)
    with pytest.raises(RoundError):
        session.state.db.execute("DELETE FROM submissions")
        merge_round(session, issue_next=False)


def _merge_and_die(config: Config) -> None:
    """Run a merge in a child process and kill it half-way through."""
    with open_session(config) as session:

        def die(number: int, total: int, item: str) -> None:
            os._exit(9)

        merge_round(session, progress=die)


def test_killed_merge_leaves_previous_state_and_rerun_completes(session: Session) -> None:
    base = session.state.monitor(session.config.round)

    def work(book: EditedWorkbook) -> None:
        book.set(SHEET_OWN, own_rows(book, base, DEVELOPER)[0], "stoplight", "rood")

    edit(session, DEVELOPER, work)
    collect(session, clock=Clock())
    check_round(session)
    before = session.state.dump()
    child = multiprocessing.get_context("fork").Process(
        target=_merge_and_die, args=(session.config,)
    )
    child.start()
    child.join(60)
    assert child.exitcode == 9
    with State(session.config.paths.database) as reopened:
        assert reopened.dump() == before
    assert (
        not list((session.config.paths.outputs / "monitor").glob("*.xlsx"))
        if (session.config.paths.outputs / "monitor").exists()
        else True
    )
    merge_round(session, clock=Clock(), issue_next=False)
    assert session.state.changes(session.config.round)


def test_rebuild_reproduces_the_state(session: Session, config: Config) -> None:
    base = session.state.monitor(session.config.round)

    def work(book: EditedWorkbook) -> None:
        rows = own_rows(book, base, DEVELOPER)
        book.set(SHEET_OWN, rows[0], "stoplight", "rood")
        book.set(SHEET_OWN, rows[1], "phase", "bouw gestart")

    edit(session, DEVELOPER, work)
    collect(session, clock=Clock())
    merge_round(session, clock=Clock())
    expected = session.state.dump()
    session.close()
    summary = rebuild(config)
    assert summary.equal_to_previous is True
    with State(config.paths.database) as rebuilt:
        assert rebuilt.dump() == expected
    assert Archive(config.paths.archive).merges()


def test_collect_skips_issued_feedback_and_known_files(session: Session) -> None:
    assert collect(session, clock=Clock()).received == []
    edit(session, DEVELOPER, lambda book: book.set(SHEET_OWN, 3, "phase", "bouw gestart"))
    assert len(collect(session, clock=Clock()).received) == 1
    again = collect(session, clock=Clock())
    assert again.received == [] and again.already_known == 1
    report = check_round(session).reports[0]
    assert report.feedback is not None and report.errors
    # planmonitor's own feedback file in the party folder is not a submission ...
    assert collect(session, clock=Clock()).received == []
    # ... but a feedback copy the party corrected and saved is
    party = session.state.region().party(DEVELOPER)
    book = EditedWorkbook(
        report.feedback.read_bytes(), session.config.catalogue, session.config.round
    )
    book.set(SHEET_OWN, 3, "phase", "planvorming")
    session.storage.put_party_file(party, report.feedback.name, book.save())
    received = collect(session, clock=Clock()).received
    assert [r.file_name for r in received] == [report.feedback.name]
    assert check_round(session).reports[0].errors == 0


def test_archive_keeps_every_received_file(session: Session) -> None:
    clock = Clock()
    for value in ("geel", "rood"):
        edit(session, DEVELOPER, lambda book, v=value: book.set(SHEET_OWN, 3, "stoplight", v))
        collect(session, clock=clock)
    receipts = session.archive.receipts(session.config.round)
    assert len(receipts) == 2
    for receipt in receipts:
        assert Path(session.archive.root / receipt.blob).exists()
        assert receipt.party == DEVELOPER
