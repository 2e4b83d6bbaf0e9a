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
from pipeline.core.layout import FIRST_DATA_ROW, SHEET_AGREEMENTS, SHEET_NEW, SHEET_OWN, SheetLayout
from pipeline.core.ownership import owned_columns
from pipeline.core.submission import SheetData, Submission
from pipeline.core.values import is_empty
from pipeline.stages.identity import IssueLookup
from pipeline.stages.session import Session
from pipeline.state.database import State
from pipeline.validation import (
    Context,
    SheetRows,
    Validation,
    held_back,
    prepare,
    rows_to_json,
    schema,
    validate,
)
from pipeline.validation import rows as rows_module
from pipeline.validation.rows import sheet_data
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


def _plain_sheet_data(layout: SheetLayout, rows: SheetRows) -> SheetData:
    """``sheet_data`` as it was written first (row by row, cell by cell, the frame from lists):
    the oracle of the one that walks only what it must and makes the frame in one go."""
    width = len(layout.columns)
    used = {
        number
        for number, cells in rows.rows.items()
        if number >= FIRST_DATA_ROW
        and (
            any(not is_empty(v) for v in list(cells)[:width])
            or any((number, column) in rows.formulas for column in range(1, width + 1))
        )
    }
    if layout.name == SHEET_NEW:
        numbers = sorted(used)
    else:
        issued_end = FIRST_DATA_ROW + len(layout.row_ids)
        numbers = list(range(FIRST_DATA_ROW, issued_end)) + sorted(
            r for r in used if r >= issued_end
        )
    records: list[list[Any]] = []
    formulas: set[tuple[int, str]] = set()
    for number in numbers:
        cells = list(rows.rows.get(number, ()))[:width]
        cells += [None] * (width - len(cells))
        for column, key in enumerate(layout.columns, start=1):
            if (number, column) in rows.formulas:
                formulas.add((number, key))
        records.append(cells)
    values = pd.DataFrame(
        records,
        columns=list(layout.columns),
        index=pd.Index(numbers, dtype="int64", name="row"),
        dtype=object,
    )
    header = list(rows.header)[:width]
    header += [None] * (width - len(header))
    return SheetData(
        layout,
        values,
        header=header,
        formulas=formulas,
        protected=rows.protected is not False,
        cut_off=rows.cut_off,
    )


def _as_cells(data: SheetData) -> tuple[Any, ...]:
    frame = data.values
    return (
        list(frame.columns),
        frame.index.tolist(),
        str(frame.index.dtype),
        frame.index.name,
        [str(d) for d in frame.dtypes],
        [[(type(v), v) for v in row] for row in frame.to_numpy().tolist()],
        data.header,
        data.formulas,
        data.protected,
        data.cut_off,
    )


def test_sheet_data_gives_the_frame_the_plain_way_gives(session: Session) -> None:  # noqa: F811
    """Every sheet of the demo's submissions (as read), and sheets made to have every kind of
    row: short and long rows, blank rows, formulas in empty rows and outside the columns, rows
    below the issued ones, a row before the first data row, values of every type."""
    config, state = session.config, session.state
    seen: list[tuple[SheetLayout, SheetRows]] = []
    original = rows_module.sheet_data

    def kept(layout: SheetLayout, rows: SheetRows) -> SheetData:
        seen.append((layout, rows))
        return original(layout, rows)

    rows_module.sheet_data = kept  # type: ignore[assignment]
    try:
        for party, name, data in _submissions(session):
            read_submission(Path(name), config, data=data, resolve=IssueLookup(state, name, party))
    finally:
        rows_module.sheet_data = original  # type: ignore[assignment]
    assert len(seen) > 10
    layout = next(lay for lay, _ in seen if lay.name == SHEET_OWN)
    new = next(lay for lay, _ in seen if lay.name == SHEET_NEW)
    width = len(layout.columns)
    end = FIRST_DATA_ROW + len(layout.row_ids)
    odd: dict[int, list[Any]] = {
        FIRST_DATA_ROW - 1: ["kop"],
        FIRST_DATA_ROW: [1, 2.5, "x", True, dt.datetime(2026, 1, 2), None],
        FIRST_DATA_ROW + 1: ["  ", "", None],
        FIRST_DATA_ROW + 2: ["a"] * (width + 3),
        end + 1: [None, " "],
        end + 2: [None],
        end + 4: ["laatste", float("nan")],
        end + 9: [],
    }
    formulas = frozenset({(end + 2, 1), (end + 5, 2), (FIRST_DATA_ROW, width + 2), (end + 4, 0)})
    for sheet in (layout, new):
        seen.append((sheet, SheetRows(["a", "b"], odd, formulas, False, None)))
        seen.append((sheet, SheetRows([], {}, frozenset(), None, end + 3)))
    for sheet, rows in seen:
        assert _as_cells(sheet_data(sheet, rows)) == _as_cells(_plain_sheet_data(sheet, rows))


def test_prepared_before_the_files_the_same(config: Config, small_state: State) -> None:
    """``prepare`` (called before the worker processes start) makes the memo the files then use;
    they get what they get without it."""
    region, monitor = small_state.region(), small_state.monitor(config.round)
    _fresh()
    prepare(config.catalogue, config.round, region, monitor)
    (memo,) = schema._MEMOS
    assert memo._rules_ok and all(memo._rules_ok.values())
    for party in (DEVELOPER, next(p.id for p in region.parties if p.is_municipality)):
        submission, context = issued_submission(config, small_state, party)
        set_cell(submission, SHEET_OWN, submission.sheets[SHEET_OWN].layout.row_ids[0], "name", "")
        assert schema._run_memo(context) is memo
        assert_same(submission, context)


def test_a_sheet_read_from_a_file_is_checked_from_its_rows(session: Session) -> None:  # noqa: F811
    """The reader hands the checks its rows; the frame the plain way reads is made only when
    asked for, holds the same cells, and from then on is what the sheet holds."""
    config, state = session.config, session.state
    region = state.region()
    checked = 0
    for party, name, data in _submissions(session):
        read = read_submission(
            Path(name), config, data=data, resolve=IssueLookup(state, name, party)
        )
        assert read.submission is not None
        context = Context(
            config.catalogue, config.round, region, region.party(party), state.monitor(config.round)
        )
        result = validate(read.submission, context)
        if result.findings:
            continue  # findings may look at the frame: the clean files say what is needed
        checked += 1
        for sheet in read.submission.sheets.values():
            assert sheet._values is None, sheet.layout.name
            rows = dict(sheet.rows())
            frame = sheet.values
            assert list(frame.columns) == list(sheet.layout.columns)
            assert {
                int(n): tuple(r)
                for n, r in zip(frame.index, frame.to_numpy().tolist(), strict=True)
            } == rows
            if len(frame):
                frame.iat[0, 0] = "veranderd"
                assert next(iter(sheet.rows().values()))[0] == "veranderd"
    assert checked
