"""One value followed from the issued workbook to the report: a developer's planned dwellings
of one project for one year, asserted at every stage it passes."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pandas as pd

from pipeline.core import Column
from pipeline.core.config import Config
from pipeline.core.layout import SHEET_OWN
from pipeline.demo.simulation import EditedWorkbook
from pipeline.reporting.dashboard import data as dashboard_data
from pipeline.reporting.render import compute, render_dashboard
from pipeline.stages.check import check_round
from pipeline.stages.collect import collect
from pipeline.stages.issue import issue_round
from pipeline.stages.merge import merge_round
from pipeline.stages.session import open_session
from pipeline.state.database import State

DEVELOPER = "P039"
MOVED = 7  # dwellings moved into the followed year, so the planning still adds up


def planning_column(config: Config, year: int) -> Column:
    (column,) = [
        c
        for c in config.catalogue.columns("project", config.round)
        if "planning" in c.field.tags and c.year == year
    ]
    return column


def test_planned_dwellings_of_one_year_travel_from_workbook_to_report(
    config: Config, small_state: State
) -> None:
    with open_session(config) as session:
        round_ = session.config.round
        year = round_.year + 2  # not the year the roll-over at the year change fills
        column = planning_column(session.config, year)
        donors = [
            c
            for c in session.config.catalogue.columns("project", round_)
            if "planning" in c.field.tags and c.key != column.key and c.year != round_.year
        ]
        base = session.state.monitor(round_).projects
        own = base[base["initiator"] == DEVELOPER]
        project, donor = next(
            (pid, d.key)
            for pid, row in own.iterrows()
            for d in donors
            if (row.get(d.key) or 0) >= MOVED and row.get("withdrawn") is not True
        )
        before = base.at[project, column.key] or 0
        donor_before = base.at[project, donor]

        # 1. issued: the party's workbook shows the state's value in the project's row
        issue_round(
            session.config,
            session.state,
            session.storage,
            party_ids=[DEVELOPER],
            archive=session.archive,
        )
        party = session.state.region().party(DEVELOPER)
        name = session.state.issued(round_, DEVELOPER)[0].file_name
        issued = session.storage.get_party_file(party, name)
        book = EditedWorkbook(issued, session.config.catalogue, round_)
        row = book.row_of(SHEET_OWN, project)
        assert row is not None
        assert (book.get(SHEET_OWN, row, column.key) or 0) == before
        sheet = openpyxl.load_workbook(io.BytesIO(issued))[SHEET_OWN]
        assert str(sheet.cell(2, book.column(SHEET_OWN, column.key)).value).endswith(str(year))

        # 2. submitted: the party moves dwellings into the year and saves in its folder
        book.set(SHEET_OWN, row, column.key, before + MOVED)
        book.set(SHEET_OWN, row, donor, donor_before - MOVED)
        session.storage.put_party_file(party, name, book.save())
        received = collect(session).received
        assert [r.party for r in received] == [DEVELOPER]

        # 3. checked: nothing blocks, the row is not mentioned
        checked = check_round(session)
        report = checked.reports[0]
        assert report.errors == 0, [f.message for f in report.findings]

        # 4. merged: the new value is in the state, logged as the developer's change
        merge_round(session)
        after = session.state.monitor(round_.next()).projects
        assert after.at[project, column.key] == before + MOVED
        assert after.at[project, donor] == donor_before - MOVED
        logged = {(c.row_id, c.field, c.new, c.party) for c in session.state.changes(round_)}
        assert (project, column.key, before + MOVED, DEVELOPER) in logged

        # 5. reported: the year's planned total moved by exactly the moved dwellings, and the
        #    dashboard carries the project's value
        figures = compute(session.config, session.state, round_.next())
        planned = {y.year: y.planned for y in figures.whole.completions.years}
        oracle = {
            y: int(
                after[after["withdrawn"] != True]  # noqa: E712
                .get(f"{column.field.key}_{y}", pd.Series(dtype=float))
                .fillna(0)
                .sum()
            )
            for y in planned
        }
        assert planned == oracle
        baseline = int(base[base["withdrawn"] != True][column.key].fillna(0).sum())  # noqa: E712
        # The merge crossed the change of year: what was left of the past year was carried into
        # the first planned year, and is recorded as such.
        live = set(after.index[after["withdrawn"] != True])  # noqa: E712
        carried = sum(
            c.dwellings
            for c in session.state.carries(round_.next())
            if c.to_year == year and c.row_id in live
        )
        assert planned[year] == baseline + MOVED + carried
        html = render_dashboard(figures)
        found = re.search(
            r'<script type="application/json" id="monitor-data">(.*?)</script>', html, re.S
        )
        assert found is not None
        payload = json.loads(found[1])
        assert payload == json.loads(json.dumps(dashboard_data(figures), default=str))
        (shown,) = [p for p in payload["projects"] if p["id"] == project]
        assert shown["plan"][payload["years"].index(year)] == after.at[project, column.key]
