"""The hand-in signal and lateness, the same on the local folder and on the fake SharePoint.

Excel on the web saves continuously, so a saved workbook is not a submission: only a version
the party marked "ingeleverd" is validated, answered and merged; every version is archived.
Lateness is the party's own save time of the hand-in, as a Dutch date.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from fake_sharepoint import FakeSharePoint
from fake_sharepoint import fake_sharepoint as _fake_sharepoint_fixture

from pipeline.core.config import Config
from pipeline.core.layout import DRAFT, HANDED_IN, SHEET_OWN
from pipeline.demo.simulation import EditedWorkbook
from pipeline.stages.check import check_round
from pipeline.stages.collect import collect, is_late
from pipeline.stages.issue import issue_round
from pipeline.stages.merge import merge_round
from pipeline.stages.rebuild import rebuild
from pipeline.stages.session import Session, open_session
from pipeline.stages.status import round_status
from pipeline.state.database import State
from pipeline.storage import party_folder_name
from pipeline.storage.local import LocalStorage
from pipeline.workbook import read_hand_in_status

fake_sharepoint = _fake_sharepoint_fixture
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PARTIES = ["P039", "P031"]


class Backend:
    """Lets a party save a workbook at a given time, in a local folder or on the fake site."""

    def __init__(self, session: Session, fake: FakeSharePoint | None) -> None:
        self.session, self.fake = session, fake

    def save(self, party_id: str, data: bytes, at: dt.datetime) -> None:
        party = self.session.state.region().party(party_id)
        name = self.session.state.issued(self.session.config.round, party_id)[0].file_name
        if self.fake is not None:
            path = f"Partijen/{party_folder_name(party)}/{name}"
            self.fake.put(path, data, by=f"{party_id.lower()}@partij.example", at=at)
            return
        storage = self.session.storage
        assert isinstance(storage, LocalStorage)
        storage.put_party_file(party, name, data)
        stamp = at.timestamp()
        os.utime(storage.party_dir(party) / name, (stamp, stamp))

    def files(self, party_id: str) -> list[str]:
        party = self.session.state.region().party(party_id)
        return [f.name for f in self.session.storage.list_party_files(party)]


@pytest.fixture(params=["local", "sharepoint"])
def backend(
    request: pytest.FixtureRequest, config: Config, state: State, fake_sharepoint: FakeSharePoint
) -> Iterator[Backend]:
    remote = request.param == "sharepoint"
    storage = fake_sharepoint.storage(config) if remote else None
    with open_session(config, storage) as session:
        issue_round(
            session.config,
            session.state,
            session.storage,
            party_ids=PARTIES,
            archive=session.archive,
        )
        yield Backend(session, fake_sharepoint if remote else None)


def workbook(backend: Backend, party_id: str, explanation: str, status: str) -> bytes:
    session = backend.session
    party = session.state.region().party(party_id)
    name = session.state.issued(session.config.round, party_id)[0].file_name
    book = EditedWorkbook(
        session.storage.get_party_file(party, name), session.config.catalogue, session.config.round
    )
    monitor = session.state.monitor(session.config.round)
    own = [
        r
        for r in book.rows(SHEET_OWN)
        if monitor.projects.at[book.get(SHEET_OWN, r, "project_id"), "initiator"] == party_id
    ]
    book.set(SHEET_OWN, own[0], "stoplight", "rood")
    book.set(SHEET_OWN, own[0], "stoplight_explanation", explanation)
    return book.save(status)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in Dutch time."""
    return dt.datetime.combine(day, dt.time(hour, minute), AMSTERDAM)


def test_an_issued_workbook_starts_as_a_draft_with_the_choice_on_the_instructions_sheet(
    backend: Backend,
) -> None:
    session = backend.session
    party = session.state.region().party("P039")
    name = session.state.issued(session.config.round, "P039")[0].file_name
    data = session.storage.get_party_file(party, name)
    assert read_hand_in_status(data) == DRAFT
    book = EditedWorkbook(data, session.config.catalogue, session.config.round)
    cell = book.hand_in_cell()
    assert cell.parent.title == "Toelichting" and cell.protection.locked is False
    [validation] = [
        v for v in cell.parent.data_validations.dataValidation if cell.coordinate in v.sqref
    ]
    assert validation.formula1 == '"concept,ingeleverd"'
    assert read_hand_in_status(book.save(HANDED_IN)) == HANDED_IN


def test_three_drafts_and_one_hand_in_only_the_hand_in_is_checked_and_merged(
    backend: Backend,
) -> None:
    session = backend.session
    deadline = session.config.deadline
    ticks = iter(range(60))

    def clock() -> str:  # collect runs a minute apart
        return at(deadline, 18, next(ticks)).astimezone(dt.UTC).isoformat()

    for number in (1, 2, 3):  # AutoSave: the party is still typing
        backend.save(
            "P039",
            workbook(backend, "P039", f"half af {number}", DRAFT),
            at(deadline, 9, number),
        )
        summary = collect(session, clock=clock)
        assert [(r.party, r.status) for r in summary.received] == [("P039", DRAFT)]
        checked = check_round(session)
        assert (checked.reports, checked.drafts) == ([], 1)  # nothing to answer yet
        assert not [n for n in backend.files("P039") if n.startswith("Terugkoppeling")]
    backend.save("P039", workbook(backend, "P039", "definitief", HANDED_IN), at(deadline, 16))
    [handed_in] = collect(session, clock=clock).received
    assert (handed_in.status, handed_in.late) == (HANDED_IN, False)

    records = session.state.submissions(session.config.round, "P039")
    assert [r.status for r in records] == [DRAFT, DRAFT, DRAFT, HANDED_IN]
    assert len({r.archive_path for r in records}) == 4  # every version is archived
    assert all((session.archive.root / r.archive_path).is_file() for r in records)
    assert [r.status for r in session.archive.receipts(session.config.round)] == [
        DRAFT,
        DRAFT,
        DRAFT,
        HANDED_IN,
    ]
    [report] = check_round(session).reports
    assert report.sha256 == records[-1].sha256
    assert len([n for n in backend.files("P039") if n.startswith("Terugkoppeling")]) == 1
    status = {p.party: p for p in round_status(session).parties}
    assert (status["P039"].hand_in, status["P039"].drafts, status["P039"].hand_ins) == (
        HANDED_IN,
        3,
        1,
    )
    merged = merge_round(session, issue_next=False)
    assert [r.sha256 for r in merged.outcome.used] == [records[-1].sha256]
    changes = [c for c in session.state.changes(session.config.round) if c.party == "P039"]
    assert "definitief" in {c.new for c in changes}
    assert not any("half af" in str(c.new) for c in changes)
    # The archive alone gives back the same state: drafts, hand-in, save times, verdict.
    assert rebuild(session.config).equal_to_previous is True


def test_a_round_of_only_drafts_is_not_merged(backend: Backend) -> None:
    session = backend.session
    backend.save(
        "P039", workbook(backend, "P039", "nog bezig", DRAFT), at(session.config.deadline, 9)
    )
    collect(session)
    assert round_status(session).totals["concept"] == 1
    with pytest.raises(Exception, match=r"nog geen ingeleverde werkmappen.*1 concepten"):
        merge_round(session, issue_next=False)


def test_lateness_is_the_save_time_in_dutch_time_not_the_collect_time(backend: Backend) -> None:
    session = backend.session
    deadline = session.config.deadline
    on_time, late = at(deadline, 23, 30), at(deadline + dt.timedelta(days=1), 0, 30)
    assert on_time.astimezone(dt.UTC).date() == deadline
    assert late.astimezone(dt.UTC).date() == deadline  # UTC would call this one on time too
    backend.save("P039", workbook(backend, "P039", "op tijd", HANDED_IN), on_time)
    backend.save("P031", workbook(backend, "P031", "te laat", HANDED_IN), late)
    morning_after = at(deadline + dt.timedelta(days=1), 9).astimezone(dt.UTC).isoformat()
    summary = collect(session, clock=lambda: morning_after)
    lateness = {r.party: r.late for r in summary.received}
    assert lateness == {"P039": False, "P031": True}
    receipts = {r.party: r for r in session.archive.receipts(session.config.round)}
    for party, saved in (("P039", on_time), ("P031", late)):
        receipt = receipts[party]
        assert receipt.received_at == morning_after  # when collect ran ...
        assert dt.datetime.fromisoformat(receipt.saved_at) == saved  # ... and when it was saved
    status = {p.party: p.hand_in for p in round_status(session).parties}
    assert (status["P039"], status["P031"]) == (HANDED_IN, "te laat")
    assert round_status(session).totals["te_laat"] == 1


def test_is_late_reads_the_day_in_the_netherlands() -> None:
    deadline = dt.date(2027, 1, 15)
    assert not is_late("2027-01-15T22:59:59+00:00", deadline)  # 23:59:59 CET
    assert is_late("2027-01-15T23:00:00+00:00", deadline)  # 00:00 CET on the 16th
    assert not is_late("2027-07-15T21:59:00Z", dt.date(2027, 7, 15))  # 23:59 CEST
    assert is_late("2027-07-15T22:00:00", dt.date(2027, 7, 15))  # no zone: UTC


def test_the_optional_library_column_hands_in_without_changing_the_file(
    config: Config, state: State, fake_sharepoint: FakeSharePoint
) -> None:
    storage = fake_sharepoint.storage(config, hand_in_column="Ingeleverd")
    with open_session(config, storage) as session:
        issue_round(
            session.config,
            session.state,
            session.storage,
            party_ids=["P039"],
            archive=session.archive,
        )
        backend = Backend(session, fake_sharepoint)
        deadline = session.config.deadline
        backend.save("P039", workbook(backend, "P039", "klaar", DRAFT), at(deadline, 10))
        [draft] = collect(session).received
        assert draft.status == DRAFT
        party = session.state.region().party("P039")
        name = session.state.issued(session.config.round, "P039")[0].file_name
        path = f"Partijen/{party_folder_name(party)}/{name}"
        fake_sharepoint.now = lambda: at(deadline, 17)  # the party ticks the column at 17:00
        fake_sharepoint.set_field(path, "Ingeleverd", "Ingeleverd", by="p039@partij.example")
        summary = collect(session)
        assert [(r.status, r.late) for r in summary.received] == [(HANDED_IN, False)]
        [record] = session.state.submissions(session.config.round, "P039")  # same bytes
        assert record.status == HANDED_IN
        assert dt.datetime.fromisoformat(record.saved or "") == at(deadline, 17)
        assert len(check_round(session).reports) == 1
        assert collect(session).received == []  # nothing new the next time
        assert rebuild(session.config).equal_to_previous is True  # the upgrade is in the receipts
