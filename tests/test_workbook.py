"""The party workbook and ``issue``: what a party receives, read back as Excel readers read it."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import make_config
from openpyxl.utils.cell import rows_from_range
from python_calamine import CalamineWorkbook

from pipeline.core.catalogue import Column
from pipeline.core.config import Config
from pipeline.core.errors import ConfigError
from pipeline.core.layout import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    SHEET_AGREEMENTS,
    SHEET_INSTRUCTIONS,
    SHEET_LISTS,
    SHEET_META,
    SHEET_MONITOR,
    SHEET_NEW,
    SHEET_OWN,
    WorkbookLayout,
    metadata_from_rows,
    plan,
)
from pipeline.core.ownership import owned_columns
from pipeline.core.region import Party, Region
from pipeline.stages.issue import IssueSummary, file_name, issue_round
from pipeline.state.database import State
from pipeline.storage.local import LocalStorage
from pipeline.validation import SHEET_CHECK
from pipeline.validation.schema import Context, validate
from pipeline.workbook.instructions import instruction_lines, load_texts
from pipeline.workbook.party import GREY, YELLOW
from pipeline.workbook.reader import read_submission

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# A municipality that is tempomaker of pillar 1, a corporation that is tempomaker of pillar 1, a
# corporation without pillars, and the province (no projects, no pillars).
PARTIES = ["P001", "P028", "P021", "P019"]
DATA_SHEETS = (SHEET_OWN, SHEET_AGREEMENTS, SHEET_MONITOR)


@dataclass
class Issued:
    config: Config
    state: State
    storage: LocalStorage
    summary: IssueSummary
    progress: list[tuple[int, int, str]]
    books: dict[str, Any]  # party id -> openpyxl workbook
    data: dict[str, bytes]
    records: dict[str, dict[str, dict[str, Any]]]  # entity -> row id -> state values
    region: Region


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory, _demo_database: Path) -> Iterator[Issued]:
    """The demo round issued once to a handful of parties (issuing is the slow part)."""
    config = make_config(tmp_path_factory.mktemp("issue"))
    config.paths.database.parent.mkdir(parents=True)
    shutil.copy(_demo_database, config.paths.database)
    with State(config.paths.database) as state:
        storage = LocalStorage(config.paths.storage)
        progress: list[tuple[int, int, str]] = []
        summary = issue_round(
            config,
            state,
            storage,
            party_ids=PARTIES,
            progress=lambda i, n, name: progress.append((i, n, name)),
        )
        region = state.region()
        data = {
            w.party_id: storage.get_party_file(region.party(w.party_id), w.file_name)
            for w in summary.workbooks
        }
        books = {pid: openpyxl.load_workbook(io.BytesIO(raw)) for pid, raw in data.items()}
        monitor = state.monitor(config.round)
        records = {
            entity: {str(r[key]): r for r in monitor.records(entity)}  # type: ignore[arg-type]
            for entity, key in (("project", "project_id"), ("agreement", "agreement_id"))
        }
        yield Issued(config, state, storage, summary, progress, books, data, records, region)


def columns_of(config: Config, layout_columns: tuple[str, ...], entity: str) -> list[Column]:
    by_key = {c.key: c for c in config.catalogue.columns(entity, config.round)}  # type: ignore[arg-type]
    return [by_key[k] for k in layout_columns]


def layout_of(book: Any) -> WorkbookLayout:
    rows = [list(r) for r in book[SHEET_META].iter_rows(values_only=True)]
    return WorkbookLayout.from_metadata(metadata_from_rows(rows))


def as_shown(column: Column, value: Any, region: Region) -> Any:
    """What a party should see for a state value (written out here, not taken from the writer)."""
    choices = column.field.choices
    if value is not None and choices and choices.startswith("@"):
        return region.display(choices, value)
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return value


def same(expected: Any, found: Any) -> bool:
    if expected is None:
        return found in (None, "")
    if isinstance(expected, dt.date):
        return (found.date() if isinstance(found, dt.datetime) else found) == expected
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return isinstance(found, int | float) and float(found) == float(expected)
    return bool(found == expected)


def expected_rows(issued: Issued, party_id: str, sheet_name: str) -> list[list[Any]]:
    """The rows a sheet should show, from the monitor in the state."""
    sheet = layout_of(issued.books[party_id]).sheet(sheet_name)
    records = issued.records[sheet.entity]
    row_ids = tuple(records) if sheet_name == SHEET_MONITOR else sheet.row_ids
    columns = columns_of(issued.config, sheet.columns, sheet.entity)
    return [
        [as_shown(c, records[row_id].get(c.key), issued.region) for c in columns]
        for row_id in row_ids
    ]


# -- issue --------------------------------------------------------------------------------------


def test_issue_writes_and_records_one_workbook_per_party(issued: Issued) -> None:
    region, round_ = issued.region, issued.config.round
    assert [w.party_id for w in issued.summary.workbooks] == sorted(PARTIES)
    assert issued.progress == [
        (i, len(PARTIES), region.party(pid).name) for i, pid in enumerate(sorted(PARTIES), start=1)
    ]
    records = {r.party: r for r in issued.state.issued(round_)}
    assert set(records) == set(PARTIES)
    for workbook in issued.summary.workbooks:
        party = region.party(workbook.party_id)
        files = [f.name for f in issued.storage.list_party_files(party)]
        assert files == [f"Planmonitor 2026-H2 - {party.name}.xlsx"]
        assert records[party.id].file_name == workbook.file_name
        assert records[party.id].sha256 == workbook.sha256
        assert workbook.own_projects == len(
            layout_of(issued.books[party.id]).sheet(SHEET_OWN).row_ids
        )
    assert issued.state.round_info(round_)["issued_at"]
    assert issued.summary.editable_cells == sum(w.editable_cells for w in issued.summary.workbooks)
    assert next(w for w in issued.summary.workbooks if w.party_id == "P019").own_projects == 0


def test_issue_again_replaces_file_and_record(config: Config, state: State) -> None:
    storage = LocalStorage(config.paths.storage)
    first = issue_round(config, state, storage, party_ids=["P021"])
    second = issue_round(config, state, storage, party_ids=["P021"])
    party = state.region().party("P021")
    assert [f.name for f in storage.list_party_files(party)] == [second.workbooks[0].file_name]
    (record,) = state.issued(config.round, "P021")
    # the record is the second issue's (the bytes name the moment of issue, so they may differ)
    assert first.workbooks[0].file_name == second.workbooks[0].file_name
    assert record.sha256 == second.workbooks[0].sha256
    assert record.fingerprint == second.workbooks[0].fingerprint


def test_issue_refuses_unknown_party(config: Config, state: State) -> None:
    with pytest.raises(ConfigError, match="P999"):
        issue_round(config, state, LocalStorage(config.paths.storage), party_ids=["P999"])


def test_file_name_is_safe_everywhere() -> None:
    party = Party("P9", 'De Wit & Partners: "Noord/Zuid" B.V.', "ontwikkelaar", "markt")
    name = file_name("2026-H2", party)
    assert name == "Planmonitor 2026-H2 - De Wit Partners Noord Zuid B.V.xlsx"
    assert not set(name) & set('\\/:*?"<>|#%&{}~')


# -- what the workbook holds ----------------------------------------------------------------


@pytest.mark.parametrize("party_id", PARTIES)
def test_values_survive_openpyxl_and_calamine(issued: Issued, party_id: str) -> None:
    book = issued.books[party_id]
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(issued.data[party_id]))
    for sheet_name in DATA_SHEETS:
        expected = expected_rows(issued, party_id, sheet_name)
        ws = book[sheet_name]
        found_openpyxl = [list(r) for r in ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True)]
        found_calamine = calamine.get_sheet_by_name(sheet_name).to_python()[FIRST_DATA_ROW - 1 :]
        assert len(found_openpyxl) == len(found_calamine) == len(expected)
        for want, got_o, got_c in zip(expected, found_openpyxl, found_calamine, strict=True):
            assert all(same(w, g) for w, g in zip(want, got_o, strict=True)), (want, got_o)
            assert all(same(w, g) for w, g in zip(want, got_c, strict=False)), (want, got_c)


def test_cells_show_names_dates_and_yes_no(issued: Issued) -> None:
    ws = issued.books["P001"][SHEET_MONITOR]
    header = [c.value for c in ws[HEADER_ROW]]
    municipality = header.index("Gemeente") + 1
    in_programme = header.index("In gemeentelijk programma") + 1
    permit_date = header.index("Datum vergunning") + 1
    names = {m.name for m in issued.region.municipalities}
    assert {ws.cell(r, municipality).value for r in range(FIRST_DATA_ROW, ws.max_row + 1)} <= names
    assert {ws.cell(r, in_programme).value for r in range(FIRST_DATA_ROW, ws.max_row + 1)} <= {
        "ja",
        "nee",
        None,
    }
    dates = [
        ws.cell(r, permit_date)
        for r in range(FIRST_DATA_ROW, ws.max_row + 1)
        if ws.cell(r, permit_date).value is not None
    ]
    assert dates and all(c.is_date and c.number_format == "DD-MM-YYYY" for c in dates)


@pytest.mark.parametrize("party_id", PARTIES)
def test_owned_cells_unlocked_and_yellow_all_else_locked_and_grey(
    issued: Issued,
    party_id: str,
) -> None:
    book, region = issued.books[party_id], issued.region
    party = region.party(party_id)
    layout = layout_of(book)
    for sheet_name in (SHEET_OWN, SHEET_AGREEMENTS, SHEET_MONITOR, SHEET_NEW):
        sheet = layout.sheet(sheet_name)
        ws = book[sheet_name]
        records = issued.records[sheet.entity]
        all_columns = list(config_columns(issued.config, sheet.entity))
        row_ids = tuple(records) if sheet_name == SHEET_MONITOR else sheet.row_ids
        rows = [{}] * sheet.new_rows if sheet_name == SHEET_NEW else [records[i] for i in row_ids]
        for offset, record in enumerate(rows):
            if sheet_name == SHEET_NEW:
                owned = set(sheet.columns)
            elif sheet_name == SHEET_MONITOR:
                owned = set()
            else:
                owned = owned_columns(
                    party, all_columns, record, region, issued.config.catalogue.roles
                )
            for index, key in enumerate(sheet.columns, start=1):
                cell = ws.cell(FIRST_DATA_ROW + offset, index)
                assert cell.protection.locked is (key not in owned), (sheet_name, cell.coordinate)
                colour = cell.fill.fgColor.rgb[-6:]
                assert colour == (YELLOW if key in owned else GREY), (sheet_name, cell.coordinate)


def config_columns(config: Config, entity: str) -> list[Column]:
    return config.catalogue.columns(entity, config.round)  # type: ignore[arg-type]


@pytest.mark.parametrize("party_id", ["P001", "P021"])
def test_sheets_and_structure_are_protected(issued: Issued, party_id: str) -> None:
    book = issued.books[party_id]
    assert book.sheetnames == [
        SHEET_INSTRUCTIONS,
        SHEET_CHECK,
        SHEET_OWN,
        SHEET_NEW,
        SHEET_AGREEMENTS,
        SHEET_MONITOR,
        SHEET_LISTS,
        SHEET_META,
    ]
    assert book.active.title == SHEET_INSTRUCTIONS
    assert book.security.lockStructure and book.security.workbookPassword
    for ws in book.worksheets:
        if ws.title == SHEET_CHECK:  # the in-Excel check writes its findings there
            assert not ws.protection.sheet
            continue
        assert ws.protection.sheet and ws.protection.password, ws.title
        assert ws.protection.formatCells is False  # the check colours cells it has a finding for
    for name in (SHEET_OWN, SHEET_NEW, SHEET_AGREEMENTS, SHEET_MONITOR):
        ws = book[name]
        assert ws.protection.autoFilter is False  # filtering stays allowed
        assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
        assert ws.freeze_panes is not None
    assert book[SHEET_LISTS].sheet_state == "hidden"
    assert book[SHEET_META].sheet_state == "veryHidden"


@pytest.mark.parametrize("party_id", ["P001", "P028"])
def test_validations_cover_owned_choice_and_number_cells(issued: Issued, party_id: str) -> None:
    book = issued.books[party_id]
    layout = layout_of(book)
    region = issued.region
    lists_ws = book[SHEET_LISTS]
    for sheet_name in (SHEET_OWN, SHEET_NEW, SHEET_AGREEMENTS):
        ws = book[sheet_name]
        sheet = layout.sheet(sheet_name)
        columns = columns_of(issued.config, sheet.columns, sheet.entity)
        validations = ws.data_validations.dataValidation
        assert all(
            len(v.promptTitle or "") <= 32 and len(v.prompt or "") <= 255 for v in validations
        )
        covers: dict[str, list[Any]] = {}
        for validation in validations:
            for cell_range in validation.sqref.ranges:
                for coordinates in rows_from_range(cell_range.coord):
                    for coordinate in coordinates:
                        covers.setdefault(coordinate, []).append(validation)
        for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + max(len(sheet.row_ids), sheet.new_rows)):
            for index, column in enumerate(columns, start=1):
                cell = ws.cell(row, index)
                covering = covers.get(cell.coordinate, [])
                if cell.protection.locked:
                    assert covering == [], cell.coordinate
                    continue
                assert len(covering) == 1, (sheet_name, cell.coordinate)
                (validation,) = covering
                assert validation.showInputMessage and validation.prompt == column.field.help
                kind = column.field.type
                if kind in {"choice", "multiple_choice", "yes_no"}:
                    assert validation.type == "list"
                    allowed = list_values(lists_ws, validation.formula1)
                    wanted = issued.config.catalogue.choices(column.field, region.lists())
                    assert sorted(allowed) == sorted(wanted)
                    assert validation.errorStyle == "stop" and validation.error
                elif kind == "whole":
                    assert (validation.type, validation.formula1, validation.formula2) == (
                        "whole",
                        f"{column.field.min:.0f}",
                        f"{column.field.max:.0f}",
                    )


def list_values(ws: Any, reference: str) -> list[str]:
    sheet, cells = reference.split("!")
    assert sheet.strip("'") == SHEET_LISTS
    return [c.value for (c,) in ws[cells.replace("$", "")] if c.value is not None]


def test_sum_checks_follow_the_catalogue_tags(issued: Issued) -> None:
    ws = issued.books["P028"][SHEET_OWN]
    header = [c.value for c in ws[HEADER_ROW]]
    total = openpyxl.utils.get_column_letter(header.index("Totaal woningen") + 1)
    rules = [
        (str(cf.sqref), rule.formula[0]) for cf in ws.conditional_formatting for rule in cf.rules
    ]
    on_total = [f for ref, f in rules if ref.startswith(total)]
    assert len(on_total) == 3  # planning, price segments, dwelling types
    assert all(f"${total}{FIRST_DATA_ROW}" in f for f in on_total)
    new_ws = issued.books["P028"][SHEET_NEW]
    new_rules = [
        r for cf in new_ws.conditional_formatting for r in cf.rules if r.type == "expression"
    ]
    assert len(new_rules) == 6  # the total and the parts, per check


def test_metadata_gives_back_the_recorded_fingerprint(issued: Issued) -> None:
    for workbook in issued.summary.workbooks:
        layout = layout_of(issued.books[workbook.party_id])
        (record,) = issued.state.issued(issued.config.round, workbook.party_id)
        assert layout.fingerprint == record.fingerprint == workbook.fingerprint
        assert layout.party == workbook.party_id


def test_instructions_tell_the_party_what_to_do(issued: Issued) -> None:
    ws = issued.books["P028"][SHEET_INSTRUCTIONS]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    for expected in (
        "Stichting Ooijpolder Huisvesting",
        "2026-H2",
        "15 januari 2027",
        "secretariaat@versnellingstafel.example",
        "Nieuwe projecten",
        "'Ingetrokken' op 'ja'",
        "Regiomonitor",
        ".xlsx",
        "€ 932,93",
        "€ 1.228,07",
        "€ 420.000",
        "tempomaker van pijler 1",
    ):
        assert expected in text, expected
    fills = {
        ws.cell(r, 1).value: ws.cell(r, 1).fill.fgColor.rgb[-6:]
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).fill.fill_type
    }
    assert fills["invullen"] == YELLOW and fills["alleen lezen"] == GREY


def test_instructions_fall_back_without_projects_pillars_or_price_bounds(
    config: Config,
    state: State,
) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    party = region.party("P019")
    layout = plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        party,
        issued_at="",
        new_rows=config.new_project_rows,
        base_hash="",
    )
    lines = instruction_lines(load_texts(), layout, replace(config, price_bounds={}), region, party)
    text = "\n".join(line.text for line in lines)
    for expected in (
        "U houdt nog geen projecten bij",
        "De tempomakers van elke pijler",
        "De prijsgrenzen voor 2026 zijn nog niet vastgesteld",
    ):
        assert expected in text, expected
    assert "{" not in text and "€" not in text
    assert [line.label for line in lines if line.label] == ["1.", "2.", "3.", "4.", "5.", "6."]
    assert [line.sample for line in lines if line.sample] == [
        "edit",
        "locked",
        "conflict",
        "carried",
    ]


def test_issued_workbook_reads_back_without_findings(issued: Issued, tmp_path: Path) -> None:
    region, monitor = issued.region, issued.state.monitor(issued.config.round)
    for party_id in ("P001",):
        workbook = next(w for w in issued.summary.workbooks if w.party_id == party_id)
        result = read_submission(
            tmp_path / workbook.file_name, issued.config, data=issued.data[party_id]
        )
        assert result.submission is not None and result.findings == []
        context = Context(
            issued.config.catalogue, issued.config.round, region, region.party(party_id), monitor
        )
        assert validate(result.submission, context).findings == []


# -- text that looks like a formula ---------------------------------------------------------


FORMULA_LIKE = {
    "name": '=HYPERLINK("https://example.org","klik")',
    "stoplight_explanation": "+31 6 12345678",
    "bottleneck_explanation": "@x",
    "place": "-Noord",
}


def test_formula_like_text_stays_text(config: Config, state: State) -> None:
    monitor = state.monitor(config.round)
    region = state.region()
    party = region.party("P028")
    project = next(i for i, p in monitor.projects.iterrows() if p["initiator"] == party.id)
    for key, text in FORMULA_LIKE.items():
        monitor.projects.loc[project, key] = text
    with state.transaction():
        state.save_monitor(config.round, monitor)
    storage = LocalStorage(config.paths.storage)
    (issued,) = issue_round(config, state, storage, party_ids=[party.id]).workbooks
    data = storage.get_party_file(party, issued.file_name)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in package.read(n) or b"<f " in package.read(n) for n in sheets)
    book = openpyxl.load_workbook(io.BytesIO(data))
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for sheet_name in (SHEET_OWN, SHEET_MONITOR):
        ws = book[sheet_name]
        header = [c.value for c in ws[HEADER_ROW]]
        ids = [c.value for c in ws["A"][FIRST_DATA_ROW - 1 :]]
        row = FIRST_DATA_ROW + ids.index(project)
        values = calamine.get_sheet_by_name(sheet_name).to_python()[row - 1]
        for key, text in FORMULA_LIKE.items():
            label = config.catalogue.field("project", key).label
            cell = ws.cell(row, header.index(label) + 1)
            assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
            assert values[header.index(label)] == text


# -- legible in Excel and LibreOffice -------------------------------------------------------

CARLITO_BOLD = Path("/usr/share/fonts/truetype/crosextra/Carlito-Bold.ttf")
CARLITO = Path("/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf")


def test_every_cell_style_names_a_font(issued: Issued) -> None:
    """LibreOffice shows a cell whose font has no name in a serif font."""
    for party_id, raw in issued.data.items():
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            styles = ET.fromstring(package.read("xl/styles.xml"))
        fonts = styles.find(f"{MAIN}fonts")
        assert fonts is not None
        names = [font.find(f"{MAIN}name") for font in fonts]
        assert names and all(n is not None and n.get("val") == "Calibri" for n in names), party_id
        for xf in styles.iter(f"{MAIN}xf"):  # every cell format points at one of them
            assert int(xf.get("fontId", "0")) < len(names)


def _pixels(font: Any, text: str) -> float:
    return float(font.getlength(text))


@pytest.mark.skipif(not CARLITO_BOLD.exists(), reason="fonts-crosextra-carlito ontbreekt")
def test_headers_wrap_between_words_only(issued: Issued) -> None:
    """Measured with the font LibreOffice uses for Calibri (Carlito, the same widths): every
    word of every column header fits its column, and the header row is tall enough."""
    from PIL import ImageFont

    bold = ImageFont.truetype(str(CARLITO_BOLD), 11 * 96 / 72)
    for party_id, book in issued.books.items():
        for ws in book.worksheets:
            if ws.title not in (SHEET_OWN, SHEET_NEW, SHEET_AGREEMENTS, SHEET_MONITOR):
                continue  # the data sheets; the instructions and the check sheet have no headers
            lines = 1
            for cell in ws[HEADER_ROW]:
                if not cell.value:
                    continue
                width = ws.column_dimensions[cell.column_letter].width
                room = width * 7 + 5 - 4  # Excel: 7 px per character plus 5, minus the margins
                for word in str(cell.value).split():
                    assert _pixels(bold, word) <= room, (party_id, ws.title, cell.value, word)
                # greedy wrapping between words, as Excel and LibreOffice do
                count, used = 1, 0.0
                for word in str(cell.value).split():
                    size = _pixels(bold, word)
                    if used and used + _pixels(bold, " ") + size > room:
                        count, used = count + 1, size
                    else:
                        used += (_pixels(bold, " ") if used else 0) + size
                lines = max(lines, count)
            assert ws.row_dimensions[HEADER_ROW].height >= lines * 15, (party_id, ws.title)


@pytest.mark.skipif(not CARLITO.exists(), reason="fonts-crosextra-carlito ontbreekt")
def test_agreement_rows_are_tall_enough_for_their_text(issued: Issued) -> None:
    from PIL import ImageFont

    regular = ImageFont.truetype(str(CARLITO), 11 * 96 / 72)
    ws = issued.books[PARTIES[0]][SHEET_AGREEMENTS]
    header = {c.value: c.column_letter for c in ws[HEADER_ROW]}
    text_column = header["Afspraak"]
    room = ws.column_dimensions[text_column].width * 7 + 5 - 4
    tall = 0
    for row in range(FIRST_DATA_ROW, ws.max_row + 1):
        text = ws[f"{text_column}{row}"].value
        if not text:
            continue
        assert ws[f"{text_column}{row}"].alignment.wrap_text
        needed = math.ceil(_pixels(regular, str(text)) / room)
        height = ws.row_dimensions[row].height or 15
        # a word-wrapped line holds a little less than the raw width: allow one line more
        assert height >= min(needed, 8) * 15, (row, text)
        tall += needed > 1
    assert tall > 0  # the demo has agreements longer than their column


def test_stoplights_are_coloured_by_their_value(issued: Issued) -> None:
    book = issued.books[PARTIES[0]]
    for sheet, label in ((SHEET_AGREEMENTS, "Status"), (SHEET_OWN, "Eigen stoplicht")):
        ws = book[sheet]
        letter = next(c.column_letter for c in ws[HEADER_ROW] if c.value == label)
        rules = {
            rule.formula[0]: rule.dxf.fill.fgColor.rgb
            for cf in ws.conditional_formatting
            if str(cf.sqref).startswith(f"{letter}{FIRST_DATA_ROW}:")
            for rule in cf.rules
            if rule.type == "cellIs"
        }
        assert {k: v[-6:] for k, v in rules.items()} == {
            '"groen"': "C6EFCE",
            '"geel"': "FFEB9C",
            '"rood"': "FFC7CE",
        }, sheet


def test_following_the_new_project_instructions_gives_no_blocking_finding(
    config: Config, state: State
) -> None:
    """Fill in exactly what the instructions list for a new project, nothing more."""
    from builders import add_new_project, issued_submission

    region = state.region()
    developer = next(p for p in region.parties if p.kind == "ontwikkelaar")
    submission, context = issued_submission(config, state, developer.id)
    layout = plan_for(config, state, developer)
    texts = load_texts()
    lines = [line.text for line in instruction_lines(texts, layout, config, region, developer)]
    listed = next(t for t in lines if t.startswith("Vul ten minste in:"))
    labels = re.findall(r"'([^']+)'", listed)
    columns = {c.label: c for c in config.catalogue.columns("project", config.round)}
    new_keys = set(submission.sheets[SHEET_NEW].layout.columns)
    assert set(labels) <= set(columns)
    named = {columns[label].key for label in labels}
    # the planning is given as a range of columns: every planning column between the two named
    planning = [c.key for c in columns.values() if "planning" in c.field.tags and c.key in new_keys]
    first, last = (columns[label].key for label in labels if columns[label].key in planning)
    between = planning[planning.index(first) : planning.index(last) + 1]
    values: dict[str, Any] = {}
    for key in named - set(between):
        field = next(c.field for c in columns.values() if c.key == key)
        if field.type in ("whole", "decimal"):
            values[key] = 24
        elif field.choices == "@municipalities":
            values[key] = region.municipalities[0].name
        elif field.type == "choice":
            values[key] = config.catalogue.lists[str(field.choices)][0]
        else:
            values[key] = "Nieuw project aan de Rijn"
    values[between[1]] = 24  # the whole total in one year, as the line says
    assert named - set(between) <= new_keys
    row = add_new_project(submission, values)
    result = validate(submission, context)
    blocking = [(f.code, f.message) for f in result.findings if f.row == row and f.blocking]
    assert blocking == [], (values, listed)
    # and leaving out any one of the listed fields does block
    for key in sorted(named - set(between)):
        submission, context = issued_submission(config, state, developer.id)
        row = add_new_project(submission, {k: v for k, v in values.items() if k != key})
        result = validate(submission, context)
        assert any(f.row == row and f.blocking for f in result.findings), key


def plan_for(config: Config, state: State, party: Party) -> Any:
    return plan(
        config.catalogue,
        config.round,
        state.region(),
        state.monitor(config.round),
        party,
        issued_at="2026-11-25T00:00:00",
        new_rows=config.new_project_rows,
        base_hash="x",
    )
