"""The fast validation gives what the plain one gives.

``validate`` keeps what a run works out once (the problem and monitor value of each value, the
columns a party owns in each kind of row, and the issued rows found quiet: sent back as issued,
nothing to report) and checks only the other rows in full; pandera runs on the columns and rules
that fail. ``validate(plain=True, screen=False)`` checks every row of every sheet through pandera,
with nothing kept between files: the oracle. Every case is checked with a memo made for it (the
first file of a run) and with one that has seen the other cases (a run's later files).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from builders import add_new_project, issued_submission, set_cell
from conftest import SMALL_MUNICIPALITIES
from test_carried import issue_one, roll_into_next_year
from test_check_fast import _submissions
from test_merge import DEVELOPER, session  # noqa: F401  (fixture)

from pipeline.core.config import Config
from pipeline.core.layout import SHEET_AGREEMENTS, SHEET_NEW, SHEET_OWN
from pipeline.core.ownership import owned_columns
from pipeline.core.submission import Submission
from pipeline.stages.identity import IssueLookup
from pipeline.stages.session import Session
from pipeline.state.database import State
from pipeline.validation import Context, Validation, held_back, rows_to_json, schema, validate
from pipeline.workbook import read_submission


def _as_data(result: Validation) -> tuple[Any, ...]:
    """Everything the check stores or shows of a validation."""
    return (
        [f.to_dict() for f in result.findings],
        rows_to_json(result.rows),
        [(r.label, r.blocked, r.is_new) for r in result.rows],
        [f.to_dict() for f in held_back(result, "x.xlsx", "P")],
    )


def _fresh() -> None:
    schema._MEMOS.clear()


def _quiet_rows() -> int:
    return sum(
        quiet is not None
        for memo in schema._MEMOS
        for known in memo._quiet.values()
        for quiet in known.values()
    )


def assert_same(submission: Submission, context: Context, *, screened: bool = True) -> Validation:
    """The fast result, with the memo as it is and with a new one, equals the oracle's (and
    the plain screened one's), field by field."""
    oracle = validate(submission, context, plain=True, screen=False)
    expected = _as_data(oracle)
    if screened:
        assert _as_data(validate(submission, context, plain=True)) == expected
    fast = validate(submission, context)
    assert _as_data(fast) == expected
    assert fast == oracle
    kept = list(schema._MEMOS)
    _fresh()
    assert _as_data(validate(submission, context)) == expected
    schema._MEMOS[:] = kept
    return fast


def test_demo_submissions_unchanged_filled_in_with_each_mistake_cheating_adding(
    session: Session,  # noqa: F811
) -> None:
    config, state = session.config, session.state
    cases = []
    for party, name, data in _submissions(session):
        read = read_submission(
            Path(name), config, data=data, resolve=IssueLookup(state, name, party)
        )
        assert read.submission is not None
        region = state.region()
        context = Context(
            config.catalogue,
            config.round,
            region,
            region.party(party),
            state.monitor(config.round),
            config.max_findings_per_file,
            config.max_new_projects,
        )
        cases.append((read.submission, context))
    codes: set[str] = set()
    for submission, context in cases:  # each as the first file of a run
        _fresh()
        codes |= {f.code for f in assert_same(submission, context).findings}
    assert _quiet_rows() > 0
    for submission, context in reversed(cases):  # and as later files, the memo warm
        assert_same(submission, context)
    # the mistakes, the cheater and the new projects were all there to be found
    assert {"not-owner", "protection-removed", "value-not-in-list"} <= codes, codes


def _cases(config: Config, state: State) -> dict[str, Callable[[Submission], None]]:
    """Edits of an issued submission a party could make, by name."""
    monitor = state.monitor(config.round)
    projects = monitor.projects

    def own(submission: Submission, number: int = 0) -> str:
        return submission.sheets[SHEET_OWN].layout.row_ids[number]

    def cell(submission: Submission, key: str, value: Any, number: int = 0) -> None:
        set_cell(submission, SHEET_OWN, own(submission, number), key, value)

    def frame_edit(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Submission], None]:
        def edit(submission: Submission) -> None:
            data = submission.sheets[SHEET_OWN]
            data.values = change(data.values)

        return edit

    def moved(frame: pd.DataFrame) -> pd.DataFrame:
        swapped = frame.copy()
        swapped.iloc[[0, 1]] = frame.iloc[[1, 0]].to_numpy()
        return swapped

    def duplicated(frame: pd.DataFrame) -> pd.DataFrame:
        extra = frame.iloc[[0]].copy()
        extra.index = [int(frame.index.max()) + 1]
        return pd.concat([frame, extra])

    def total(submission: Submission) -> int:
        return int(projects.at[own(submission), "total_dwellings"])

    def formula(submission: Submission) -> None:
        cell(submission, "total_dwellings", "=SUM(A1:A3)")
        row = submission.sheets[SHEET_OWN].values.index[0]
        submission.sheets[SHEET_OWN].formulas.add((int(row), "total_dwellings"))

    def formula_as_issued(submission: Submission) -> None:  # the cell's value kept, a formula
        row = submission.sheets[SHEET_OWN].values.index[1]
        submission.sheets[SHEET_OWN].formulas.add((int(row), "name"))

    def other_party(submission: Submission) -> None:
        cell(submission, "zoning_status", "1A. Onherroepelijk")
        submission.sheets[SHEET_OWN].protected = False

    def all_empty(submission: Submission) -> None:
        for data in submission.sheets.values():
            data.values.loc[:, :] = None

    def no_rows(submission: Submission) -> None:
        for data in submission.sheets.values():
            data.values = data.values.iloc[0:0]

    def new_projects(submission: Submission) -> None:
        add_new_project(
            submission,
            {"name": "Nieuwbouw Stationsweg", "municipality": "Arnhem", "total_dwellings": 40},
        )
        add_new_project(submission, {"name": str(projects["name"].iloc[0])})

    def agreement(submission: Submission) -> None:
        data = submission.sheets[SHEET_AGREEMENTS]
        first = data.layout.row_ids[0]
        set_cell(submission, SHEET_AGREEMENTS, first, "status", "rood")

    def truth_for_a_count(submission: Submission) -> None:  # True == 1, but not a count
        data = submission.sheets[SHEET_OWN]
        for row, cells in data.values.iterrows():
            for key, value in cells.items():
                if type(value) is int and value in (0, 1):
                    data.values.at[row, key] = bool(value)
                    return
        raise KeyError("no count of 0 or 1")

    def cut_off(submission: Submission) -> None:
        submission.sheets[SHEET_OWN].cut_off = 900

    return {
        "unchanged": lambda s: None,
        "same number as float": lambda s: cell(s, "total_dwellings", float(total(s))),
        "same number as text": lambda s: cell(s, "total_dwellings", str(total(s))),
        "same number as numpy": lambda s: cell(s, "total_dwellings", np.int64(total(s))),
        "true for one": lambda s: cell(s, "circular", 1),
        "true for a count of one": truth_for_a_count,
        "padded text": lambda s: cell(s, "name", f"  {projects.at[own(s), 'name']} "),
        "blank text in an empty cell": lambda s: cell(s, "permit_date", "   "),
        "a date": lambda s: cell(s, "permit_date", dt.datetime(2026, 3, 15)),
        "a timestamp": lambda s: cell(s, "permit_date", pd.Timestamp("2026-03-15")),
        "a bad date": lambda s: cell(s, "permit_date", "2026/31/12"),
        "required emptied": lambda s: cell(s, "stoplight", None),
        "sum broken": lambda s: cell(s, "total_dwellings", total(s) + 10),
        "sums broken in two rows": lambda s: (
            cell(s, "total_dwellings", total(s) + 10),
            cell(s, "completed", 10**6, 1),
        ),
        "wrong types everywhere": lambda s: (
            cell(s, "total_dwellings", "12O"),
            cell(s, "phase", "bouwen"),
            cell(s, "circular", "misschien"),
            cell(s, "construction_start", "voorjaar 2027"),
            cell(s, "stoplight_explanation", "x" * 251),
        ),
        "text like a formula": lambda s: cell(s, "stoplight_explanation", '=HYPERLINK("x")'),
        "formula": formula,
        "formula keeping the value": formula_as_issued,
        "another party's cell": other_party,
        "row removed": frame_edit(lambda f: f.drop(f.index[2])),
        "rows moved": frame_edit(moved),
        "row duplicated": frame_edit(duplicated),
        "id changed": lambda s: cell(s, "project_id", "PRJ-9999"),
        "everything emptied": all_empty,
        "no rows at all": no_rows,
        "new projects": new_projects,
        "agreement changed": agreement,
        "a flood of rows": cut_off,
        # values equal to others that give another monitor value, in one file after the other
        "a zero": lambda s: cell(s, "x_rd", 0.0),
        "a negative zero": lambda s: cell(s, "x_rd", -0.0),
        "a time in one zone": lambda s: cell(s, "permit_date", _at(15, 1, 2)),
        "the same time in another, the day before": lambda s: cell(
            s, "permit_date", _at(14, 23, 0)
        ),
        "columns typed by pandas": frame_edit(lambda f: f.infer_objects()),
    }


def _at(day: int, hour: int, offset: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.timezone(dt.timedelta(hours=offset)))


@pytest.mark.parametrize("kind", ["developer", "municipality", "tempomaker"])
def test_every_kind_of_edit_by_every_kind_of_party(
    config: Config, small_state: State, kind: str
) -> None:
    state = small_state
    region = state.region()
    party = {
        "developer": region.party(DEVELOPER),
        "municipality": next(
            p for p in region.parties if p.municipality_code in SMALL_MUNICIPALITIES
        ),
        "tempomaker": next(p for p in region.parties if p.pillars and not p.is_municipality),
    }[kind]
    _fresh()
    seen: list[tuple[str, set[str]]] = []
    for name, edit in _cases(config, state).items():
        submission, context = issued_submission(config, state, party.id)
        if not submission.sheets[SHEET_OWN].layout.row_ids and name != "unchanged":
            continue
        try:
            edit(submission)
        except (KeyError, IndexError):
            continue  # an edit this party's sheet has no cell for
        result = assert_same(submission, context, screened=False)
        seen.append((name, {f.code for f in result.findings}))
    found = dict(seen)
    assert found["unchanged"] == set()
    assert found["true for a count of one"] & {"not-a-whole-number", "not-owner"}
    assert _quiet_rows() > 0
    assert len(found) > 20  # the edits were made


def test_an_edit_at_random_anywhere_gives_the_oracles_result(
    config: Config, small_state: State
) -> None:
    """Cells of random rows and columns set to values of every kind another row holds, or
    emptied, in the sheets of a municipality (many rows, several owners)."""
    state = small_state
    region = state.region()
    party = next(p for p in region.parties if p.municipality_code in SMALL_MUNICIPALITIES)
    rng = random.Random(7)
    base, _ = issued_submission(config, state, party.id)
    pool = {
        name: [v for v in data.values.to_numpy().ravel().tolist() if v is not None][:400]
        for name, data in base.sheets.items()
    }
    for _ in range(12):
        submission, context = issued_submission(config, state, party.id)
        for name in (SHEET_OWN, SHEET_AGREEMENTS):
            frame = submission.sheets[name].values
            if frame.empty:
                continue
            for _ in range(rng.randint(1, 4)):
                row = rng.choice(list(frame.index))
                key = rng.choice(list(frame.columns))
                frame.at[row, key] = rng.choice([None, "", *rng.sample(pool[name], 3)])
        assert_same(submission, context, screened=False)


def test_carried_cells_after_a_change_of_year(config: Config, state: State) -> None:
    next_config, party, project = roll_into_next_year(config, state)
    data, name = issue_one(next_config, state, party)
    read = read_submission(
        Path(name), next_config, data=data, resolve=IssueLookup(state, name, party)
    )
    assert read.submission is not None
    region = state.region()
    context = Context(
        next_config.catalogue,
        next_config.round,
        region,
        region.party(party),
        state.monitor(next_config.round),
    )
    _fresh()
    result = assert_same(read.submission, context)
    assert _quiet_rows() > 0
    row = next(r for r in result.rows if r.row_id == project)
    sheet = read.submission.sheets[row.sheet]
    sheet.values.at[row.excel_row, "planning_2027"] = 0
    assert_same(read.submission, context)


def test_owned_columns_kept_per_kind_of_row_are_owned_columns(config: Config, state: State) -> None:
    """Ownership is enforced as ``core.ownership`` says, for every party and row of the demo."""
    region, monitor = state.region(), state.monitor(config.round)
    _fresh()
    _, context = issued_submission(config, state, region.parties[0].id)
    memo = schema._run_memo(context)
    for entity, table in (("project", monitor.projects), ("agreement", monitor.agreements)):
        columns = config.catalogue.columns(entity, config.round)  # type: ignore[arg-type]
        rows = [dict(r) for r in schema._base_records(table).values()]
        for party in region.parties:
            owned = memo.owned_by(party, entity, columns)  # type: ignore[arg-type]
            for row in rows:
                expected = owned_columns(party, columns, row, region, config.catalogue.roles)
                assert owned(row) == expected


def test_a_new_monitor_gets_a_new_memo(config: Config, state: State) -> None:
    """What a run keeps is kept for the objects it was made for: a changed monitor (another
    object) is checked against its own values."""
    region = state.region()
    party = next(p for p in region.parties if p.is_municipality)
    submission, context = issued_submission(config, state, party.id)
    _fresh()
    assert validate(submission, context).findings == []
    monitor = state.monitor(config.round)
    changed = type(monitor)(monitor.projects.copy(), monitor.agreements.copy())
    row_id = submission.sheets[SHEET_OWN].layout.row_ids[0]
    changed.projects.at[row_id, "name"] = "Anders genoemd"
    other = Context(config.catalogue, config.round, region, party, changed)
    result = validate(submission, other)
    assert result == validate(submission, other, plain=True, screen=False)
    assert result.rows != validate(submission, context).rows or result.findings
    assert len(schema._MEMOS) == 2


def test_empty_new_projects_sheet_and_sheets_only_new(config: Config, state: State) -> None:
    region = state.region()
    party = next(p for p in region.parties if p.is_municipality)
    submission, context = issued_submission(config, state, party.id)
    only_new = Submission(
        submission.file_name,
        submission.sha256,
        submission.layout,
        {SHEET_NEW: submission.sheets[SHEET_NEW]},
    )
    add_new_project(only_new, {"name": "Nieuw", "total_dwellings": "veel"})
    assert_same(only_new, context)


def test_problems_already_in_the_issued_monitor(config: Config, small_state: State) -> None:
    """Issued rows that break a rule or miss a required value as issued: the party hears of
    them (as warnings) also when it sends them back unchanged, and when it changes them."""
    monitor = small_state.monitor(config.round)
    mine = monitor.projects.index[monitor.projects["initiator"] == DEVELOPER]
    broken, empty = str(mine[0]), str(mine[1])
    monitor.projects.at[broken, "total_dwellings"] += 5  # the state's cached frame: this test
    monitor.projects.at[empty, "stoplight"] = None
    _fresh()
    submission, context = issued_submission(config, small_state, DEVELOPER)
    result = assert_same(submission, context)
    assert {(f.code, f.row_id or f.cell) for f in result.findings} and all(
        not f.blocking for f in result.findings
    )
    assert {"total-does-not-add-up", "required-value-missing"} <= {f.code for f in result.findings}
    set_cell(submission, SHEET_OWN, broken, "stoplight_explanation", "Loopt volgens plan.")
    assert_same(submission, context)
