"""Each submission is read and checked once: the check step keeps its typed rows in the state,
the merge takes them from there and never opens the file again."""

from __future__ import annotations

import datetime as dt

import pytest
from test_merge import DEVELOPER, Clock, edit, own_rows, session  # noqa: F401  (fixture)

from pipeline.core import sha256
from pipeline.core.layout import SHEET_OWN
from pipeline.demo.simulation import EditedWorkbook
from pipeline.stages.check import check_bytes, check_round
from pipeline.stages.collect import collect
from pipeline.stages.merge import merge_round
from pipeline.stages.session import Session
from pipeline.state.archive import Archive
from pipeline.validation import RowOutcome, rows_from_json, rows_to_json


def test_rows_come_back_from_json_as_they_were() -> None:
    rows = [
        RowOutcome(
            "project",
            "PRJ-0001",
            SHEET_OWN,
            3,
            {
                "total_dwellings": 120,
                "share": 0.25,
                "permit_date": dt.date(2027, 3, 31),
                "acceleration_site": True,
                "name": 'Ééntje "quote" & <tag>',
                "stoplight": None,
            },
        ),
        RowOutcome("project", "nieuw-5", "Nieuwe projecten", 5, {"name": "x"}, blocked=True),
        RowOutcome("agreement", "12", "Afspraken", 14, {}),
    ]
    back = rows_from_json(rows_to_json(rows))
    assert back == rows
    assert type(back[0].values["total_dwellings"]) is int
    assert type(back[0].values["share"]) is float


def _change_two_rows(opened: Session) -> None:
    base = opened.state.monitor(opened.config.round)

    def work(book: EditedWorkbook) -> None:
        rows = own_rows(book, base, DEVELOPER)
        book.set(SHEET_OWN, rows[0], "stoplight", "rood")
        book.set(SHEET_OWN, rows[1], "phase", "bouw gestart")  # not in the list: held back

    edit(opened, DEVELOPER, work)
    collect(opened, clock=Clock())


def test_merge_takes_the_checked_rows_and_never_reads_a_file(
    session: Session,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, state = session.config, session.state
    _change_two_rows(session)
    check_round(session)
    (record,) = state.submissions(config.round)
    assert record.party == DEVELOPER
    stored = state.checked_rows(record.sha256, config.round, DEVELOPER)
    assert stored is not None
    report = check_bytes(
        config, state, session.archive.read(record.archive_path), record.original_name, DEVELOPER
    )
    assert report.validation is not None
    assert rows_from_json(stored) == report.validation.rows
    assert any(r.blocked for r in report.validation.rows)

    def refuse(self: Archive, path: str) -> bytes:
        raise AssertionError(f"the merge read {path} again")

    monkeypatch.setattr(Archive, "read", refuse)
    merge_round(session, clock=Clock(), issue_next=False)
    after = state.monitor(config.round.next())
    changed = [c for c in state.changes(config.round) if c.field == "stoplight"]
    assert [c.new for c in changed] == ["rood"]
    assert after.projects.at[changed[0].row_id, "stoplight"] == "rood"
    result = state.merge_results(config.round)[0]
    assert (result.rows_held, result.cells_changed) == (1, 1)


def test_a_state_without_kept_rows_is_checked_again_to_the_same_result(
    session: Session,  # noqa: F811
) -> None:
    """A state from before the rows were kept: the merge checks the file once, then keeps them."""
    config, state = session.config, session.state
    _change_two_rows(session)
    merge_round(session, clock=Clock(), issue_next=False)
    expected = state.dump()
    with state.transaction():
        state.db.execute("DELETE FROM checked_rows")
    merge_round(session, clock=Clock(), issue_next=False)
    assert state.dump() == expected
    (record,) = state.submissions(config.round)
    assert state.checked_rows(record.sha256, config.round, DEVELOPER) is not None


def test_a_check_that_stops_before_the_answer_is_delivered_leaves_the_hand_in_unchecked(
    session: Session,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The verdict stands only once the feedback is in the party's folder, and it is kept in
    one transaction with the feedback's registration: a run that stops before leaves the
    hand-in unchecked, and checking again answers it."""
    _change_two_rows(session)
    state, party = session.state, session.state.region().party(DEVELOPER)
    before = {f.name for f in session.storage.list_party_files(party)}

    def fail(*args: object) -> None:
        raise OSError("schijf vol")

    with monkeypatch.context() as patched:
        patched.setattr(type(session.storage), "put_party_file", fail)
        with pytest.raises(OSError):
            check_round(session)
    (hand_in,) = state.hand_ins(session.config.round)
    assert hand_in.verdict is None
    assert state.checked_rows(hand_in.sha256, session.config.round, DEVELOPER) is None
    assert {f.name for f in session.storage.list_party_files(party)} == before

    with monkeypatch.context() as patched:
        patched.setattr(type(state), "remember_feedback", fail)
        with pytest.raises(OSError):
            check_round(session)
    assert state.hand_ins(session.config.round)[0].verdict is None  # rolled back with it

    summary = check_round(session)
    (hand_in,) = state.hand_ins(session.config.round)
    assert [r.verdict for r in summary.reports] == [hand_in.verdict] and hand_in.verdict
    (answer,) = {f.name for f in session.storage.list_party_files(party)} - before
    assert state.is_feedback(sha256(session.storage.get_party_file(party, answer)), DEVELOPER)
    assert check_round(session).reports == []  # checked once: nothing left to answer
