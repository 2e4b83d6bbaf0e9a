"""Issuing on a real tenant: locked workbooks, version history, and a party's edits kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_sharepoint import FakeSharePoint
from fake_sharepoint import fake_sharepoint as _fake_sharepoint_fixture

from pipeline.core.config import Config
from pipeline.core.files import sha256
from pipeline.stages.issue import issue_round
from pipeline.stages.session import Session, open_session
from pipeline.state.database import State
from pipeline.storage import party_folder_name
from pipeline.storage.local import LocalStorage

fake_sharepoint = _fake_sharepoint_fixture
PARTIES = ["P031", "P039", "P040"]


@pytest.fixture
def session(config: Config, state: State, fake_sharepoint: FakeSharePoint) -> Iterator[Session]:
    with open_session(config, fake_sharepoint.storage(config)) as opened:
        yield opened


def path_of(session: Session, party_id: str) -> str:
    party = session.state.region().party(party_id)
    name = session.state.issued(session.config.round, party_id)[0].file_name
    return f"Partijen/{party_folder_name(party)}/{name}"


def issue(session: Session, *, force: bool = False) -> object:
    return issue_round(
        session.config,
        session.state,
        session.storage,
        party_ids=PARTIES,
        archive=session.archive,
        force=force,
    )


def test_a_reissue_keeps_the_item_and_its_version_history(
    session: Session, fake_sharepoint: FakeSharePoint
) -> None:
    issue(session)
    path = path_of(session, "P031")
    first, item = fake_sharepoint.file_bytes(path), fake_sharepoint.file(path).item_id
    issue(session)
    assert fake_sharepoint.file(path).item_id == item
    history = fake_sharepoint.history(path)
    assert len(history) == 2 and history[0] == first
    assert sha256(history[-1]) == session.state.issued(session.config.round, "P031")[0].sha256
    assert not [p for p in fake_sharepoint.tree() if "~tmp-" in p]


def test_a_locked_workbook_is_skipped_the_others_are_written_and_a_rerun_finishes_it(
    session: Session, fake_sharepoint: FakeSharePoint
) -> None:
    issue(session)
    records = {r.party: r for r in session.state.issued(session.config.round)}
    fake_sharepoint.lock(path_of(session, "P039"), by="Team Wonen")
    summary = issue(session)
    assert [w.party_id for w in summary.workbooks] == ["P031", "P040"]
    [skipped] = summary.skipped
    assert (skipped.party_id, skipped.reason) == ("P039", "in gebruik")
    assert "in gebruik door Team Wonen" in skipped.message
    assert "opnieuw uit" in skipped.message
    again = {r.party: r for r in session.state.issued(session.config.round)}
    assert again["P039"] == records["P039"]  # its record still describes the file it has
    assert len(fake_sharepoint.history(path_of(session, "P031"))) == 2  # written again
    assert len(fake_sharepoint.history(path_of(session, "P039"))) == 1  # not touched
    assert sha256(fake_sharepoint.file_bytes(path_of(session, "P039"))) == records["P039"].sha256

    fake_sharepoint.unlock(path_of(session, "P039"))
    rerun = issue(session)
    assert rerun.skipped == () and len(rerun.workbooks) == 3
    final = {r.party: r for r in session.state.issued(session.config.round)}
    for party in PARTIES:
        assert sha256(fake_sharepoint.file_bytes(path_of(session, party))) == final[party].sha256


def test_a_reissue_does_not_overwrite_what_the_party_changed_unless_forced(
    session: Session, fake_sharepoint: FakeSharePoint
) -> None:
    issue(session)
    path = path_of(session, "P040")
    edited = fake_sharepoint.file_bytes(path) + b"werk van de partij"  # type: ignore[operator]
    fake_sharepoint.put(path, edited, by="planning@partij.example")
    summary = issue(session)
    [skipped] = summary.skipped
    assert (skipped.party_id, skipped.reason) == ("P040", "gewijzigd")
    assert "planning@partij.example" in skipped.message and "--forceer" in skipped.message
    assert fake_sharepoint.file_bytes(path) == edited
    assert {w.party_id for w in summary.workbooks} == {"P031", "P039"}

    forced = issue(session, force=True)
    assert forced.skipped == ()
    history = fake_sharepoint.history(path)
    assert history[-2] == edited and history[-1] != edited  # the party's version is kept
    assert (session.archive.root / "bestanden" / f"{sha256(edited)}.xlsx").is_file()


def test_the_same_refusal_on_a_local_folder(config: Config, state: State) -> None:
    with open_session(config) as local:
        assert isinstance(local.storage, LocalStorage)
        issue(local)
        party = local.state.region().party("P031")
        name = local.state.issued(local.config.round, "P031")[0].file_name
        target = local.storage.party_dir(party) / name
        target.write_bytes(target.read_bytes() + b"lokaal gewijzigd")
        summary = issue(local)
        assert [s.party_id for s in summary.skipped] == ["P031"]
        assert target.read_bytes().endswith(b"lokaal gewijzigd")


def test_an_open_workbook_in_a_synced_folder_is_skipped_like_on_sharepoint(
    config: Config, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to replace a file Excel has open; the local backend says it is in use."""
    import os

    with open_session(config) as local:
        issue(local)
        party = local.state.region().party("P039")
        name = local.state.issued(local.config.round, "P039")[0].file_name
        locked = local.storage.party_dir(party) / name  # type: ignore[attr-defined]
        before = locked.read_bytes()
        real_replace = os.replace

        def replace(source: str, target: os.PathLike[str] | str) -> None:
            if str(target) == str(locked):
                raise PermissionError(32, "The process cannot access the file", str(target))
            real_replace(source, target)

        monkeypatch.setattr(os, "replace", replace)
        summary = issue(local)
        assert [(s.party_id, s.reason) for s in summary.skipped] == [("P039", "in gebruik")]
        assert "in gebruik" in summary.skipped[0].message
        assert locked.read_bytes() == before
        assert not [p for p in locked.parent.iterdir() if p.name.startswith(".tmp-")]
        assert {w.party_id for w in summary.workbooks} == {"P031", "P040"}


def test_a_merge_is_not_undone_when_the_shared_monitor_is_open(
    session: Session, fake_sharepoint: FakeSharePoint
) -> None:
    from pipeline.core.layout import SHEET_OWN
    from pipeline.demo.simulation import EditedWorkbook
    from pipeline.stages.collect import collect
    from pipeline.stages.merge import merge_round

    issue(session)
    party = session.state.region().party("P039")
    name = session.state.issued(session.config.round, "P039")[0].file_name
    book = EditedWorkbook(
        session.storage.get_party_file(party, name), session.config.catalogue, session.config.round
    )
    row = book.rows(SHEET_OWN)[0]
    book.set(SHEET_OWN, row, "stoplight_explanation", "open monitor")
    fake_sharepoint.put(path_of(session, "P039"), book.save(), by="p039@partij.example")
    collect(session)
    first = merge_round(session, issue_next=False)
    assert first.published and first.not_published == ""
    [monitor] = [p for p in fake_sharepoint.tree() if p.startswith("Monitor/")]
    fake_sharepoint.lock(monitor, by="Bestuurder van de tafel")
    fake_sharepoint.files[f"{fake_sharepoint.library_path}/{monitor}"].data += b"oud"
    again = merge_round(session, issue_next=False)
    assert not again.published and "in gebruik door Bestuurder van de tafel" in again.not_published
    assert again.monitor_file is not None and again.monitor_file.is_file()
