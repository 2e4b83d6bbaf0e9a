"""The "Controleer mijn invoer" script, run as embedded in the workbook, against a stand-in for
xlwings that is checked against the real xlwings classes; its findings equal those of
``planmonitor validate`` for every kind of finding that can be seen from inside Excel."""

from __future__ import annotations

import dataclasses
import inspect
import io
import re
from collections.abc import Iterator, Mapping
from typing import Any

import openpyxl
import pytest
import xlwings
from party_workbooks import edit, issued

from pipeline.core import messages
from pipeline.core.config import Config
from pipeline.core.layout import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    SHEET_AGREEMENTS,
    SHEET_META,
    SHEET_NEW,
    SHEET_OWN,
    WorkbookLayout,
)
from pipeline.core.ownership import owned_columns
from pipeline.demo import excel
from pipeline.stages.check import check_bytes
from pipeline.state.database import State
from pipeline.validation import SHEET_CHECK, XLWINGS_MEMBERS
from pipeline.validation.in_excel import TABLE_HEADER_ROW
from pipeline.workbook import lite
from pipeline.workbook.feedback import TEXTS, write_feedback

# Findings about the file as it is sent, or its place in the round: not visible from inside the
# open workbook, so the secretary's check alone reports them.
FILE_LEVEL = {
    "file-not-found",
    "empty-file",
    "file-too-large",
    "old-xls-format",
    "ods-format",
    "xlsb-format",
    "encrypted-workbook",
    "damaged-workbook",
    "unsafe-workbook",
    "not-a-workbook",
    "macro-workbook",
    "not-issued-by-planmonitor",
    "unknown-issue",
    "wrong-round",
    "wrong-party",
    "unknown-catalogue-version",
    "check-script-changed",
    "layout-changed",
    "strict-open-xml",
}
# xlwings has no way to read sheet protection; the roll-over warning is the secretary's check's
# own (stages/check.py, from the monitor's record of carried dwellings), not the core's.
NOT_VISIBLE_IN_EXCEL = {"protection-removed", "carried-not-checked"}
XLWINGS_CLASSES = {
    "Book": xlwings.Book,
    "Sheets": xlwings.main.Sheets,
    "Sheet": xlwings.Sheet,
    "Range": xlwings.Range,
}
STANDIN_CLASSES = {
    "Book": excel.Book,
    "Sheets": excel.Sheets,
    "Sheet": excel.Sheet,
    "Range": excel.Range,
}


# -- the stand-in cannot drift from xlwings --------------------------------------------------


@pytest.mark.parametrize("name", sorted(XLWINGS_MEMBERS))
def test_stand_in_members_are_real_xlwings_members(name: str) -> None:
    real, ours = XLWINGS_CLASSES[name], STANDIN_CLASSES[name]
    public = {m for m in vars(ours) if not m.startswith("_") or m in ("__getitem__", "__iter__")}
    assert set(XLWINGS_MEMBERS[name]) <= public, "the stand-in lacks a member the script uses"
    for member in sorted(public - {"impl"}):
        assert hasattr(real, member), f"xlwings.{name} has no {member}"
        real_attr, our_attr = inspect.getattr_static(real, member), vars(ours)[member]
        assert isinstance(real_attr, property) == isinstance(our_attr, property), member
        if isinstance(our_attr, property):
            if our_attr.fset is not None:
                assert real_attr.fset is not None, f"xlwings.{name}.{member} cannot be set"
            continue
        assert inspect.iscoroutinefunction(real_attr) == inspect.iscoroutinefunction(our_attr)
        real_params = list(inspect.signature(real_attr).parameters.values())
        our_params = list(inspect.signature(our_attr).parameters.values())
        variadic = any(p.kind is p.VAR_KEYWORD for p in real_params)
        for index, param in enumerate(our_params):
            if param.kind is param.VAR_KEYWORD:
                assert variadic, f"{name}.{member} takes no **kwargs in xlwings"
                continue
            assert index < len(real_params), f"{name}.{member}: extra parameter {param.name}"
            assert real_params[index].name == param.name, f"{name}.{member}: {param.name}"
            assert (real_params[index].default is param.empty) == (param.default is param.empty)


def test_script_decorator_accepts_what_the_script_passes() -> None:
    """xlwings.script forwards to xlwings.pro.udfs_officejs.script, which needs a licence key to
    import outside Excel: its parameters are read from its source."""
    import ast
    from pathlib import Path

    source = Path(xlwings.__file__).parent / "pro" / "udfs_officejs.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    definition = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "script"][-1]
    real = [a.arg for a in definition.args.args]
    ours = [p for p in inspect.signature(excel.script).parameters if p != "kwargs"]
    assert [p for p in real if p in ours] == ours
    assert definition.args.kwarg is not None
    assert "f" in inspect.signature(xlwings.script).parameters


def test_the_check_reads_only_the_listed_members() -> None:
    """Every attribute the in-Excel module and the script use on xlwings objects is listed."""
    import pipeline.validation.in_excel as module

    source = inspect.getsource(module)
    used = set(
        re.findall(
            r"\.(value|options|get_formula|get_colors|color|clear_contents|"
            r"last_cell|row|used_range|range|activate|sheets|name)\b",
            source,
        )
    )
    listed = {m for members in XLWINGS_MEMBERS.values() for m in members}
    assert used <= listed


# -- helpers ----------------------------------------------------------------------------------


def run_check(data: bytes, name: str = "Planmonitor.xlsx") -> openpyxl.Workbook:
    """The workbook after a click on the button: the embedded script, run on the stand-in."""
    script = lite.embedded(data)
    assert script is not None
    book = openpyxl.load_workbook(io.BytesIO(data))
    excel.run_script(script.main_py, excel.Book(book, name))
    return book


def check_rows_shown(book: openpyxl.Workbook) -> list[list[Any]]:
    ws = book[SHEET_CHECK]
    rows = []
    for row in ws.iter_rows(min_row=TABLE_HEADER_ROW + 1, max_col=6, values_only=True):
        if row[0] is None:
            break
        cell = row[2]
        if isinstance(cell, str) and cell.startswith("=HYPERLINK("):
            cell = re.findall(r'"([^"]*)"', cell)[-1]
        rows.append([row[0], row[1], cell, row[3], row[4], row[5]])
    return rows


def feedback_rows(data: bytes, findings: list[Any]) -> list[list[Any]]:
    feedback = openpyxl.load_workbook(
        io.BytesIO(write_feedback(data, findings, party_name="x", round_="x"))
    )
    ws = feedback[TEXTS["sheet"]]
    return [
        [None if v == "" else v for v in row]
        for row in ws.iter_rows(min_row=7, max_col=6, values_only=True)
        if row[0] is not None
    ]


def fill(cell: Any) -> tuple[Any, Any]:
    return cell.fill.fill_type, cell.fill.fgColor.rgb if cell.fill.fill_type else None


def owned_rows(
    config: Config, state: State, layout: WorkbookLayout, key: str, *, owned: bool = True
) -> list[int]:
    region = state.region()
    party = region.party(layout.party)
    columns = config.catalogue.columns("project", config.round)
    records = {r["project_id"]: r for r in state.monitor(config.round).records("project")}
    return [
        FIRST_DATA_ROW + index
        for index, row_id in enumerate(layout.sheet(SHEET_OWN).row_ids)
        if (key in owned_columns(party, columns, records[row_id], region, config.catalogue.roles))
        == owned
    ]


def base(state: State, config: Config, layout: WorkbookLayout, row: int) -> dict[str, Any]:
    row_id = layout.sheet(SHEET_OWN).row_ids[row - FIRST_DATA_ROW]
    return next(
        r for r in state.monitor(config.round).records("project") if r["project_id"] == row_id
    )


Mistake = dict[tuple[str, str], Any]  # (sheet, key) -> value, all on one row


def mistakes(config: Config, state: State, layout: WorkbookLayout) -> Iterator[Mapping[Any, Any]]:
    """Workbooks of party P010 that together hold every finding visible from inside Excel."""
    year = config.round.year
    catalogue = config.catalogue
    maximum = int(catalogue.field("project", "total_dwellings").max or 20000)
    initiator = owned_rows(config, state, layout, "total_dwellings")
    municipal = owned_rows(config, state, layout, "permit_date")
    others = [r for r in municipal if r not in initiator]
    soft = next(
        s for s in catalogue.lists["zoning_status"] if s not in catalogue.hard_zoning_statuses
    )
    bottleneck = catalogue.lists["bottlenecks"][0]
    per_row: list[Any] = [
        {"total_dwellings": "12O"},
        {f"planning_{year + 1}": maximum * 5},
        {"completed": -3},
        {"phase": "bouwen"},
        {"circular": "misschien"},
        {"construction_start": "voorjaar 2027"},
        {"stoplight_explanation": "x" * 251},
        {"stoplight": None},
        lambda b: {"total_dwellings": int(b["total_dwellings"]) + 10},
        lambda b: {"social_rent": int(b.get("social_rent") or 0) + 5},
        lambda b: {"single_family": int(b.get("single_family") or 0) + 5},
        lambda b: {"completed": int(b["total_dwellings"]) + 1},
        lambda b: {"target_group_dwellings": int(b["total_dwellings"]) + 5},
        {"target_group_dwellings": 1, "target_groups_1": None, "target_groups_2": None},
        {"bottlenecks_1": bottleneck, "bottleneck_explanation": None},
        {"stoplight": "rood", "stoplight_explanation": None},
        {"construction_start": f"{year - 3}-K1", "phase": "initiatief"},
        {"bottlenecks_1": bottleneck, "bottlenecks_2": bottleneck},
        {"completed": "=1+1"},
        {"stoplight_explanation": "'=SOM(A1:A3)"},
    ]
    municipal_rows: list[Any] = [
        {"permit_date": "2026/31/12"},
        {"x_rd": "ten oosten"},
        {"permit_status": "onherroepelijk", "zoning_status": soft},
    ]
    # One mistake per row; what does not fit in one workbook goes into the next.
    workbooks: list[dict[tuple[str, int, str], Any]] = [{}]
    for rows, changes in ((initiator, per_row), (others, municipal_rows)):
        for number, change in enumerate(changes):
            index, position = divmod(number, len(rows))
            while len(workbooks) <= index:
                workbooks.append({})
            row = rows[position]
            values = change(base(state, config, layout, row)) if callable(change) else change
            for key, value in values.items():
                if key in layout.sheet(SHEET_OWN).columns:
                    workbooks[index][(SHEET_OWN, row, key)] = value
    cells = workbooks[0]
    others = others[len(municipal_rows) :]
    # Another party's cell, a removed and an unexpected row.
    cells[(SHEET_OWN, others[0], "name")] = "Andere naam"
    cells[(SHEET_OWN, others[1], "project_id")] = "PRJ-9999"
    below = FIRST_DATA_ROW + len(layout.sheet(SHEET_OWN).row_ids) + 2
    cells[(SHEET_OWN, below, "name")] = "Los project onderaan"
    # New projects: one named like an existing project, one in another municipality.
    existing = base(state, config, layout, initiator[0])["name"]
    region = state.region()
    elsewhere = next(m.name for m in region.municipalities if m.code != "GM0268")
    cells[(SHEET_NEW, FIRST_DATA_ROW, "name")] = existing
    cells[(SHEET_NEW, FIRST_DATA_ROW + 1, "name")] = "Nieuw aan de Waal"
    cells[(SHEET_NEW, FIRST_DATA_ROW + 1, "municipality")] = elsewhere
    yield from workbooks


def visible(findings: list[Any]) -> list[Any]:
    return [f for f in findings if f.code not in FILE_LEVEL | NOT_VISIBLE_IN_EXCEL]


def assert_parity(config: Config, state: State, data: bytes) -> set[str]:
    """The script's Controle sheet lists what ``planmonitor validate`` lists; returns the codes."""
    report = check_bytes(config, state, data, "Planmonitor.xlsx")
    expected = visible(report.findings)
    book = run_check(data)
    shown = check_rows_shown(book)
    assert shown == feedback_rows(data, expected)
    return {f.code for f in expected}


# -- parity -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_in_excel_findings_equal_validate_for_every_finding_code(
    config: Config, state: State
) -> None:
    layout, data = issued(config, state)
    seen: set[str] = set()
    for cells in mistakes(config, state, layout):
        seen |= assert_parity(config, state, edit(data, layout, cells))
    # A changed header stops the check of the whole workbook, in Excel too.
    seen |= assert_parity(
        config, state, edit(data, layout, {(SHEET_OWN, HEADER_ROW, "name"): "Mijn eigen kolom"})
    )
    # So does a missing sheet (the workbook structure is locked, but a copy may lack one).
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.remove(book[SHEET_AGREEMENTS])
    out = io.BytesIO()
    book.save(out)
    seen |= assert_parity(config, state, lite.carry(data, out.getvalue()))
    # More findings than a file may have: cut off with one finding that says so.
    small = dataclasses.replace(config, max_findings_per_file=5, max_new_projects=3)
    small_layout, small_data = issued(small, state)
    wrong = ["total_dwellings", "completed", "social_rent", "mid_rent", "high_rent", "phase"]
    many = {(SHEET_NEW, FIRST_DATA_ROW, key): "veel" for key in wrong}
    many[(SHEET_NEW, FIRST_DATA_ROW, "name")] = "Veel fouten"
    seen |= assert_parity(small, state, edit(small_data, small_layout, many))
    # More new projects, or more rows, than a sheet may have: the sheet is not taken.
    flood = {(SHEET_NEW, FIRST_DATA_ROW + i, "name"): f"Plan {i}" for i in range(4)}
    below = FIRST_DATA_ROW + len(small_layout.sheet(SHEET_OWN).row_ids)
    flood |= {(SHEET_OWN, below + i, "name"): f"Los {i}" for i in range(4)}
    seen |= assert_parity(small, state, edit(small_data, small_layout, flood))
    types = {
        c.field.type
        for e in ("project", "agreement")
        for c in config.catalogue.columns(e, config.round)
    }  # type: ignore[arg-type]
    impossible = {"not-a-year"} if "year" not in types else set()
    if "project_id" not in layout.sheet(SHEET_NEW).columns:
        impossible.add("new-project-id-ignored")  # no id column on the sheet we issue
    # Findings about a submission: the import-* codes are about a region's own lists (init), a
    # possible duplicate is a problem of the monitor, listed in the instructions of a workbook;
    # formula-removed is said in a feedback copy about the formulas it leaves out.
    known = {
        code
        for code in messages.TEMPLATES
        if not code.startswith("import-") and code not in ("possible-duplicate", "formula-removed")
    }
    missing = known - FILE_LEVEL - NOT_VISIBLE_IN_EXCEL - impossible - seen
    assert missing == set(), sorted(missing)


def test_a_clean_workbook_gets_a_clean_check_sheet(config: Config, state: State) -> None:
    _, data = issued(config, state)
    book = run_check(data)
    ws = book[SHEET_CHECK]
    assert str(ws["A1"].value).startswith("Controle van uw invoer: Gemeente Nijmegen")
    assert "Geen bevindingen" in str(ws["A2"].value)
    assert check_rows_shown(book) == []


def test_marks_are_set_cleared_on_a_rerun_and_nothing_else_changes(
    config: Config, state: State
) -> None:
    layout, data = issued(config, state)
    row = owned_rows(config, state, layout, "total_dwellings")[0]
    filled = edit(data, layout, {(SHEET_OWN, row, "total_dwellings"): "12O"})
    before = openpyxl.load_workbook(io.BytesIO(filled))
    script = lite.embedded(filled)
    assert script is not None
    book = openpyxl.load_workbook(io.BytesIO(filled))
    standin = excel.Book(book, "x.xlsx")
    excel.run_script(script.main_py, standin)
    column = layout.sheet(SHEET_OWN).column_index("total_dwellings")
    shown = check_rows_shown(book)
    marked = {(sheet, cell): severity for severity, sheet, cell, *_ in shown}
    assert marked == {
        (SHEET_OWN, book[SHEET_OWN].cell(row, column).coordinate): "Fout",
        (SHEET_OWN, f"A{row}"): "Waarschuwing",  # the row is held back
    }
    for (sheet, cell), severity in marked.items():
        colour = "FF8080" if severity == "Fout" else "FFC000"
        assert book[sheet][cell].fill.fgColor.rgb.endswith(colour)
    # Nothing but the Controle sheet and the marked cells' fills changed; protection stays on.
    for name in before.sheetnames:
        if name == SHEET_CHECK:
            continue
        old, new = before[name], book[name]
        assert [[c.value for c in r] for r in old.iter_rows()] == [
            [c.value for c in r] for r in new.iter_rows()
        ]
        assert old.protection.sheet == new.protection.sheet
        for r_old, r_new in zip(old.iter_rows(), new.iter_rows(), strict=True):
            for c_old, c_new in zip(r_old, r_new, strict=True):
                if (name, c_old.coordinate) not in marked:
                    assert fill(c_old) == fill(c_new), (name, c_old.coordinate)
    # The party fixes the cell and runs the check again: the mark is gone, the fill is back.
    book[SHEET_OWN].cell(row, column).value = base(state, config, layout, row)["total_dwellings"]
    excel.run_script(script.main_py, standin)
    for sheet, cell in marked:
        assert fill(book[sheet][cell]) == fill(before[sheet][cell])
    assert check_rows_shown(book) == []
    assert "Geen bevindingen" in str(book[SHEET_CHECK]["A2"].value)


def test_the_check_refuses_a_changed_payload(config: Config, state: State) -> None:
    _, data = issued(config, state)
    script = lite.embedded(data)
    assert script is not None
    match = re.search(r'PAYLOAD = \(\n    "(.{20})', script.main_py)
    assert match is not None
    tampered = script.main_py.replace(match.group(1), match.group(1)[::-1], 1)
    book = openpyxl.load_workbook(io.BytesIO(data))
    excel.run_script(tampered, excel.Book(book, "x.xlsx"))
    assert "gewijzigd of beschadigd" in str(book[SHEET_CHECK]["A1"].value)


def test_the_check_refuses_another_workbooks_script(config: Config, state: State) -> None:
    _, data = issued(config, state)
    _, other = issued(config, state, "P001")
    script = lite.embedded(other)
    assert script is not None
    book = openpyxl.load_workbook(io.BytesIO(data))
    excel.run_script(script.main_py, excel.Book(book, "x.xlsx"))
    assert "andere werkmap" in str(book[SHEET_CHECK]["A1"].value)
    assert SHEET_META in book.sheetnames


def test_a_protected_sheet_refuses_changes_to_locked_cells(config: Config, state: State) -> None:
    """The stand-in is as strict as Excel: the script could not write into the party's sheets."""
    _, data = issued(config, state)
    book = excel.Book(openpyxl.load_workbook(io.BytesIO(data)))
    with pytest.raises(excel.ProtectedError):
        book.sheets[SHEET_OWN].range("A3").value = "PRJ-0000"
    book.sheets[SHEET_OWN].range("A3").color = "#FF8080"  # formatting cells is allowed
    book.sheets[SHEET_CHECK].range("A1").value = "vrij"


def test_a_simulated_party_checks_in_excel_and_fixes_its_slip(config: Config, state: State) -> None:
    import random

    from pipeline.demo import simulation

    _, data = issued(config, state)
    region, monitor = state.region(), state.monitor(config.round)
    party = region.party("P010")
    roles = simulation.Cast(responders=("P010",))
    checked = simulation.SelfCheck(rng=random.Random(4))
    filled = simulation.fill_in(
        data,
        party=party,
        region=region,
        monitor=monitor,
        catalogue=config.catalogue,
        round_=config.round,
        rng=random.Random(1),
        roles=roles,
        self_check=checked,
    )
    assert checked.parties == 1 and checked.found >= 1
    assert checked.fixed == checked.found  # restored to what was issued, nothing is left
    report = check_bytes(config, state, filled, "Planmonitor.xlsx")
    assert not report.errors
    assert lite.embedded(filled) == lite.embedded(data)
    book = openpyxl.load_workbook(io.BytesIO(filled))
    assert "Geen bevindingen" in str(book[SHEET_CHECK]["A2"].value)
