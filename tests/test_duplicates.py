"""The same project entered as new by two parties is flagged at the merge: a line for the
secretary (merge summary and status) and a warning to both parties in their next workbook."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from test_merge import DEVELOPER, OTHER, Clock, edit

from pipeline.core import catalogue as catalogue_module
from pipeline.core.config import Config
from pipeline.core.layout import SHEET_INSTRUCTIONS, SHEET_NEW
from pipeline.core.monitor import Monitor
from pipeline.demo.simulation import EditedWorkbook
from pipeline.stages.collect import collect
from pipeline.stages.issue import issue_round
from pipeline.stages.merge import merge_round
from pipeline.stages.session import Session, open_session
from pipeline.stages.status import round_status
from pipeline.state.database import State
from pipeline.validation.duplicates import name_key, possible_duplicates

CATALOGUE = catalogue_module.load()


def project(
    pid: str, party: str, name: str, municipality: str = "GM0225", **more: Any
) -> dict[str, Any]:
    return {
        "project_id": pid,
        "initiator": party,
        "name": name,
        "municipality": municipality,
        **more,
    }


def test_same_name_or_place_of_two_parties_in_one_municipality_is_a_possible_duplicate() -> None:
    monitor = Monitor.from_records(
        [
            project("PRJ-1", "P1", "Druten Hoge Weide"),
            project("PRJ-2", "P2", "Hoge Weide, Druten"),  # same words: same project
            project("PRJ-3", "P2", "Druten Hoge Weide fase 2"),  # another phase
            project("PRJ-4", "P1", "Druten Hoge Weide", municipality="GM0209"),  # elsewhere
            project("PRJ-5", "P3", "Hoge Weide Druten", withdrawn=True),  # withdrawn
            project("PRJ-6", "P1", "De Akkers", x_rd=171000.0, y_rd=428000.0),
            project("PRJ-7", "P3", "Akkerweg", x_rd=171004.0, y_rd=428003.0),  # same place
            project("PRJ-8", "P1", "Druten Hoge Weide"),  # same party: its own business
        ],
        [],
    )
    found = {(d.first, d.second, d.reason) for d in possible_duplicates(monitor, CATALOGUE)}
    assert found == {
        ("PRJ-1", "PRJ-2", "naam"),
        ("PRJ-2", "PRJ-8", "naam"),
        ("PRJ-6", "PRJ-7", "coördinaten"),
    }
    among = possible_duplicates(monitor, CATALOGUE, among={"PRJ-7"})
    assert [(d.first, d.second) for d in among] == [("PRJ-6", "PRJ-7")]
    assert name_key("Druten  Hoge-Weide") == name_key("hoge weide druten")
    assert name_key("fase 2 fase 2") != name_key("fase 2")


@pytest.fixture
def session(config: Config, small_state: State) -> Iterator[Session]:
    with open_session(config) as opened:
        issue_round(
            opened.config,
            opened.state,
            opened.storage,
            party_ids=[DEVELOPER, OTHER],
            archive=opened.archive,
        )
        yield opened


def add_new(name: str) -> Any:
    def work(book: EditedWorkbook) -> None:
        for key, value in {
            "name": name,
            "municipality": "Overbetuwe",
            "total_dwellings": 24,
            "planning_2028": 24,
            "social_rent": 24,
            "multi_family": 24,
            "phase": "initiatief",
            "stoplight": "groen",
        }.items():
            book.set(SHEET_NEW, 3, key, value)

    return work


def instructions(session: Session, party_id: str) -> str:
    party = session.state.region().party(party_id)
    record = session.state.issued(session.config.round.next(), party_id)[0]
    data = session.storage.get_party_file(party, record.file_name)
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)[SHEET_INSTRUCTIONS]
    return "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)


def test_two_parties_adding_the_same_project_are_both_told_and_the_secretary_sees_it(
    session: Session,
) -> None:
    edit(session, DEVELOPER, add_new("Elst Hoge Weide"))
    edit(session, OTHER, add_new("Hoge Weide Elst"))
    collect(session, clock=Clock())
    summary = merge_round(session, clock=Clock())
    outcome = summary.outcome
    assert len(outcome.new_projects) == 2
    (pair,) = outcome.duplicates
    ids = {project_id for _, project_id, _ in outcome.new_projects}
    assert {pair.first, pair.second} == ids and pair.reason == "naam"
    # never merged silently: both stay, and the status names the pair
    after = session.state.monitor(session.config.round.next())
    assert ids <= set(after.projects.index)
    status = round_status(session, session.config.round)
    assert status.duplicates == [(pair.first, pair.second, "naam")]
    # each party's next workbook warns about its own project, naming the other
    for party, other in ((DEVELOPER, OTHER), (OTHER, DEVELOPER)):
        text = instructions(session, party)
        assert "lijkt hetzelfde als" in text
        other_project = next(pid for p, pid, _ in outcome.new_projects if p == other)
        assert other_project in text
        assert session.state.region().party(other).name in text
