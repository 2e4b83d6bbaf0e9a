"""A whole round against the fake SharePoint through the real client library, and the same
round on the local folder: the monitor state must come out identical."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import make_config
from fake_sharepoint import FakeSharePoint
from fake_sharepoint import fake_sharepoint as _fake_sharepoint_fixture

from pipeline.core.layout import SHEET_NEW, SHEET_OWN
from pipeline.demo.simulation import EditedWorkbook, old_xls
from pipeline.stages.check import check_round
from pipeline.stages.collect import collect
from pipeline.stages.issue import issue_round
from pipeline.stages.merge import merge_round
from pipeline.stages.session import Session, open_session
from pipeline.storage import Storage
from pipeline.storage.local import LocalStorage

fake_sharepoint = _fake_sharepoint_fixture
pytestmark = pytest.mark.slow
PARTIES = ["P001", "P039", "P031"]


class Clock:
    def __init__(self) -> None:
        self.tick = 0

    def __call__(self) -> str:
        self.tick += 1
        return f"2026-12-02T09:00:{self.tick:02d}+00:00"


def play_round(session: Session) -> dict[str, Any]:
    """Issue, let parties save, collect, check, merge; return the monitor state."""
    config, state, region = session.config, session.state, session.state.region()
    issue_round(config, state, session.storage, party_ids=PARTIES)
    base = state.monitor(config.round)
    for party_id in ("P039", "P031"):
        party = region.party(party_id)
        name = state.issued(config.round, party_id)[0].file_name
        book = EditedWorkbook(
            session.storage.get_party_file(party, name), config.catalogue, config.round
        )
        own = [
            r
            for r in book.rows(SHEET_OWN)
            if base.projects.at[book.get(SHEET_OWN, r, "project_id"), "initiator"] == party_id
        ]
        book.set(SHEET_OWN, own[0], "stoplight", "rood")
        book.set(SHEET_OWN, own[0], "stoplight_explanation", f"Knelpunt bij {party_id}")
        if party_id == "P039":
            book.set(SHEET_OWN, own[1], "phase", "bouw gestart")  # held back
            for key, value in {
                "name": "Nieuwe Kamp",
                "municipality": "Wijchen",
                "total_dwellings": 12,
                "planning_2028": 12,
                "phase": "initiatief",
                "stoplight": "groen",
            }.items():
                book.set(SHEET_NEW, 3, key, value)
        session.storage.put_party_file(party, name, book.save())
    session.storage.put_party_file(region.party("P001"), "oud.xls", old_xls())
    clock = Clock()
    collect(session, clock=clock)
    check_round(session)
    merge_round(session, clock=clock)
    dump = state.dump()
    return {
        "snapshots": dump["snapshots"],
        "rows": dump["rows"],
        "changes": [c[:7] + c[8:] for c in dump["changes"]],  # the file hashes differ per issue
        "merge_results": [r[:2] + r[3:] for r in dump["merge_results"]],
        "verdicts": [(s[2], s[3], s[5], s[6]) for s in dump["submissions"]],
    }


def session_on(base: Path, demo_database: Path, storage: Storage | None) -> Session:
    config = make_config(base)
    config.paths.state.mkdir(parents=True)
    shutil.copy(demo_database, config.paths.database)
    return open_session(config, storage)


def test_a_round_on_sharepoint_equals_the_same_round_on_a_local_folder(
    tmp_path: Path, _demo_database: Path, fake_sharepoint: FakeSharePoint
) -> None:
    local = session_on(tmp_path / "lokaal", _demo_database, None)
    assert isinstance(local.storage, LocalStorage)
    remote_config = make_config(tmp_path / "sharepoint")
    remote = session_on(
        tmp_path / "sharepoint", _demo_database, fake_sharepoint.storage(remote_config)
    )
    with local, remote:
        expected = play_round(local)
        assert play_round(remote) == expected
        assert expected["changes"] and expected["verdicts"]
    # the next round's workbooks, the feedback and the monitor landed on the site
    names = "\n".join(fake_sharepoint.tree())
    assert "Planmonitor 2027-H1" in names and "Terugkoppeling" in names
    assert "stand na 2026-H2" in names and not any("~tmp-" in n for n in names.splitlines())
