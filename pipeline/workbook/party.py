"""The party workbook: the locked .xlsx a party fills in, laid out by a :class:`WorkbookLayout`.

Everyone sees everything; each party can change only its own cells. Sheet protection is a
convenience that prevents accidents (ownership is enforced by the validation), so the workbook
marks a party's own cells yellow and unlocked, everything else grey and locked, and offers
dropdowns, input messages and live checks on exactly the cells the party fills in. The Dutch
texts that do not come from the catalogue live in ``pipeline/workbook_templates/texts.toml``.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.compat import safe_string
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.worksheet import Worksheet

from ..core import (
    ENTITIES,
    FIRST_DATA_ROW,
    GROUP_ROW,
    HAND_IN_CHOICES,
    HEADER_ROW,
    ID_COLUMN,
    SHEET_AGREEMENTS,
    SHEET_INSTRUCTIONS,
    SHEET_LISTS,
    SHEET_META,
    SHEET_MONITOR,
    SHEET_NEW,
    SHEET_OWN,
    STATUS_CELL_KEY,
    Carry,
    Catalogue,
    Column,
    Config,
    Entity,
    Monitor,
    Region,
    Round,
    SheetLayout,
    WorkbookLayout,
    formatting,
    looks_like_formula,
    metadata_rows,
    owned_columns,
    to_cell,
)
from ..validation import SHEET_CHECK, SUM_RULES, RowProblem, sum_parts
from . import package, textwidth
from .instructions import Line, instruction_lines, load_texts, problem_lines
from .lite import embed, script_for, shared_payload
from .sanitise import put
from .xlsx import (
    add_cell,
    register_differential_style,
    register_style,
    save,
    set_style,
    style_count,
    style_of,
)

YELLOW = "FFF2CC"  # the party's own cells
GREY = "EDEDED"  # cells kept by someone else
HEADER_BLUE = "DDEBF7"
GROUP_BLUE = "BDD7EE"
CONFLICT_RED = "FFC7CE"
CONFLICT_TEXT = "9C0006"
CONFLICT_PART = "FCE4D6"
CARRIED_ORANGE = "F8CBAD"  # dwellings carried from a year that has ended: the party checks them
GRID = "BFBFBF"
# The stoplight's own colours (fill, text), as Excel's Goed / Neutraal / Slecht styles.
STOPLIGHT_COLOURS = {
    "groen": ("C6EFCE", "006100"),
    "geel": ("FFEB9C", "9C5700"),
    "rood": ("FFC7CE", "9C0006"),
}
LINE_POINTS = 15  # the height of one line of Calibri 11
MAX_ROW_LINES = 8  # a longer text scrolls in the cell

# The columns that stay in view when scrolling right: up to and including this field.
FROZEN_THROUGH = {"project": "name", "agreement": "text"}
NUMBER_FORMATS = {"whole": "#,##0", "year": "0", "date": "DD-MM-YYYY"}
ANY_DATE = (dt.date(1900, 1, 1), dt.date(9999, 12, 31))
TITLE_LIMIT = 32  # Excel's limit for input-message and error titles
PROMPT_LIMIT = 255
INSTRUCTION_WIDTH = 100
TEXT_LIMIT = 32_767  # characters in one cell; openpyxl cuts longer text


@dataclass(frozen=True)
class PartyWorkbook:
    """A written workbook and what it offers the party."""

    data: bytes
    own_projects: int
    editable_cells: int


@dataclass(frozen=True)
class DataSheet:
    """The content of one data sheet: its columns, rows (state values) and editable cells."""

    layout: SheetLayout
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Any], ...]
    # Per row the keys of the cells the party may change; empty on a read-only sheet.
    editable: tuple[frozenset[str], ...]
    # (row offset, column key) -> (year it came from, dwellings): what a roll-over at the change
    # of year carried into an editable cell; marked "verschoven uit <year> — controleer"
    carried: Mapping[tuple[int, str], tuple[int, int]] = field(default_factory=dict)
    # The region sheet: no cell editable, so nothing about it is counted per row. It is as
    # large as the region, and every party's workbook has it.
    read_only: bool = False

    @property
    def editable_cells(self) -> int:
        return 0 if self.read_only else sum(len(keys) for keys in self.editable)

    def editable_rows(self) -> Iterable[frozenset[str]]:
        """Per row the keys of the cells the party may change (none on a read-only sheet)."""
        return itertools.repeat(frozenset(), len(self.rows)) if self.read_only else self.editable


@dataclass(frozen=True)
class SharedSheet:
    """The read-only region sheet of a round, rendered and compressed once for every party.

    Its cells use only the cell styles every party workbook registers first, in the same order
    (see :meth:`_Styles.prepare`), so the compressed XML fits every party's package as it is.
    """

    round: str
    catalogue_version: str
    password: str
    entry: package.Entry
    rows: int
    payload: str | None = None  # the shared part of the in-Excel check's payload
    # The direct writer's frames (see ``direct.Frame``), made as the run needs them.
    frames: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    # Each row's cells as written on the region sheet, by (entity, columns) and row id: a
    # party's own sheet has the same columns and takes them from here.
    cells: dict[tuple[str, tuple[str, ...]], dict[str, list[tuple[bool, str]]]] = field(
        default_factory=dict, compare=False, repr=False
    )


@dataclass(frozen=True)
class RoundRows:
    """The monitor's rows as the data sheets show them, taken from the monitor once per run."""

    rows: Mapping[Entity, tuple[Mapping[str, Any], ...]]
    by_id: Mapping[Entity, Mapping[str, Mapping[str, Any]]]
    records: Mapping[Entity, tuple[dict[str, Any], ...]]  # Monitor.records, all fields
    # id -> (place in the monitor, record)
    records_by_id: Mapping[Entity, Mapping[str, tuple[int, dict[str, Any]]]] = field(
        default_factory=dict
    )
    # Monitor.carried_cells of each entity: looked up for every party, gathered once.
    carried: Mapping[Entity, Mapping[tuple[str, str], list[Carry]]] = field(default_factory=dict)

    @classmethod
    def of(cls, catalogue: Catalogue, round_: Round, monitor: Monitor) -> RoundRows:
        rows: dict[Entity, tuple[Mapping[str, Any], ...]] = {}
        by_id: dict[Entity, dict[str, Mapping[str, Any]]] = {}
        for entity in ENTITIES:
            view = cast(
                list[dict[str, Any]], monitor.view(catalogue, round_, entity).to_dict("records")
            )
            rows[entity] = tuple(view)
            by_id[entity] = {str(r[ID_COLUMN[entity]]): r for r in view}
        records = {entity: tuple(monitor.records(entity)) for entity in ENTITIES}
        records_by_id = {
            entity: {str(r[ID_COLUMN[entity]]): (n, r) for n, r in enumerate(records[entity])}
            for entity in ENTITIES
        }
        carried = {entity: monitor.carried_cells(entity) for entity in ENTITIES}
        return cls(rows, by_id, records, records_by_id, carried)

    def own(self, layout: WorkbookLayout) -> dict[str, list[dict[str, Any]]]:
        """The records of the rows on the party's own sheets, by entity, in the monitor's order:
        what ``validation.payload.own_rows`` finds, without going over the whole monitor."""
        out: dict[str, list[dict[str, Any]]] = {"project": [], "agreement": []}
        for sheet in layout.sheets:
            if sheet.name in (SHEET_OWN, SHEET_AGREEMENTS):
                found = self.records_by_id[sheet.entity]
                ids = sorted((found[i][0], i) for i in set(sheet.row_ids) if i in found)
                out[sheet.entity] = [found[i][1] for _, i in ids]
        return out


def write_party_workbook(
    layout: WorkbookLayout, config: Config, region: Region, monitor: Monitor
) -> bytes:
    """The .xlsx of one party, laid out by ``layout`` (see :func:`layout.plan`)."""
    return build_party_workbook(layout, config, region, monitor).data


def build_party_workbook(
    layout: WorkbookLayout,
    config: Config,
    region: Region,
    monitor: Monitor,
    *,
    rows: RoundRows | None = None,
    shared: SharedSheet | None = None,
    direct: bool = True,
    problems: Sequence[RowProblem] = (),
) -> PartyWorkbook:
    """Write the workbook of one party and count what it offers.

    ``rows`` and ``shared`` are made once per run for all parties (:meth:`RoundRows.of`,
    :func:`render_shared_sheet`): then the region sheet is copied in as compressed. With
    ``direct`` the data rows are written as XML directly, without openpyxl cell objects.
    Every way gives the same bytes (``direct=False`` without ``shared`` is the plain openpyxl
    way, kept as the reference the tests compare with). ``problems`` are the monitor's standing
    problems (``validation.monitor_problems``); those in the party's own cells are listed first
    in its instructions.
    """
    texts = load_texts()
    party = region.party(layout.party)
    round_ = Round.parse(layout.round)
    if rows is None:
        rows = RoundRows.of(config.catalogue, round_, monitor)
    if shared is not None and (
        shared.round != layout.round
        or shared.catalogue_version != config.catalogue.version
        or shared.password != config.sheet_password
    ):
        raise ValueError("the shared region sheet was made for another round or catalogue")
    sheets = data_sheets(layout, config.catalogue, region, monitor, rows)
    to_fix = problem_lines(texts, layout, config, region, monitor, problems)
    lines = instruction_lines(texts, layout, config, region, party, to_fix)
    lists = dropdown_lists(config.catalogue, region, sheets)
    records = cast(Mapping[str, Sequence[Mapping[str, Any]]], rows.records)
    if direct and shared is None:
        shared = render_shared_sheet(config, region, monitor, round_, rows)
    script = script_for(
        layout,
        config,
        region,
        monitor,
        records,
        shared.payload if shared is not None else None,
        rows.own(layout),
    )
    data = None
    if direct and shared is not None:
        from .direct import NotDirect, write  # the direct writer builds on this module

        try:
            data = write(layout, config, region, sheets, lines, lists, shared, script)
        except NotDirect:
            data = None  # a value only openpyxl writes as it should: the plain way
    if data is None:
        book, _ = _book(layout, config, region, sheets, lines, lists, texts)
        data = embed(_saved(book), script)
    own = next(s for s in sheets if s.layout.name == SHEET_OWN)
    editable = sum(s.editable_cells for s in sheets)
    return PartyWorkbook(data, len(own.rows), editable)


def _book(
    layout: WorkbookLayout,
    config: Config,
    region: Region,
    sheets: Sequence[DataSheet],
    lines: Sequence[Line],
    lists: Mapping[str, Sequence[str]],
    texts: Mapping[str, Any],
    *,
    frame: bool = False,
) -> tuple[Workbook, _Styles]:
    """The workbook as openpyxl holds it, and its styles. As a ``frame`` (what the direct
    writer fills in) the instructions, the data rows, their rules and the metadata are left
    out."""
    book = Workbook()
    styles = _Styles(book, texts["styles"])
    styles.prepare(config.catalogue, Round.parse(layout.round))
    status_cell = _write_instructions(book.active, styles, () if frame else lines, texts)
    _write_check_sheet(book, texts["controle"])
    refs = _list_references(lists)
    for sheet in sheets:
        if frame:
            sheet = replace(sheet, rows=(), editable=(), carried={})
        _write_data_sheet(book, styles, texts, sheet, region, refs, rules=not frame)
    _write_lists(book, lists)
    _write_metadata(book, layout, {STATUS_CELL_KEY: status_cell}, cells=not frame)
    for worksheet in book.worksheets:
        if worksheet.title != SHEET_CHECK:  # the in-Excel check writes its findings there
            _protect(worksheet, config.sheet_password)
    book.security = WorkbookProtection(
        workbookPassword=config.sheet_password or None, lockStructure=True
    )
    book.active = 0
    _set_properties(
        book,
        texts["workbook"]["title"].format(region=region.name, round=layout.round),
        layout.issued_at,
    )
    return book, styles


def _with_rows(
    name: str,
    data: bytes,
    sheet: DataSheet,
    styles: _Styles,
    region: Region,
    known: dict[str, list[tuple[bool, str]]] | None = None,
) -> package.Entry:
    frame = next(e for e in package.entries(data) if e.name == name).content().decode("utf-8")
    if not sheet.rows:
        return package.deflated(name, frame.encode("utf-8"))
    last = get_column_letter(len(sheet.columns))
    end = FIRST_DATA_ROW + len(sheet.rows) - 1
    head, found, tail = frame.partition("</sheetData>")
    dimension = f'<dimension ref="A{GROUP_ROW}:{last}{HEADER_ROW}" />'
    if not found or dimension not in head:
        raise RuntimeError(f"unexpected frame of sheet {sheet.layout.name}")
    head = head.replace(dimension, f'<dimension ref="A{GROUP_ROW}:{last}{end}" />', 1)
    rows = _data_rows_xml(sheet, styles, region, known)
    return package.deflated(name, f"{head}{rows}</sheetData>{tail}".encode())


def render_shared_sheet(
    config: Config, region: Region, monitor: Monitor, round_: Round, rows: RoundRows
) -> SharedSheet:
    """The region sheet of a round as every party gets it, written and compressed once."""
    texts = load_texts()
    columns = tuple(c for c in config.catalogue.columns("project", round_))
    layout = SheetLayout(SHEET_MONITOR, "project", tuple(c.key for c in columns))
    projects = rows.rows["project"]
    sheet = DataSheet(layout, columns, projects, (), read_only=True)
    book = Workbook()
    book.remove(book.active)
    styles = _Styles(book, texts["styles"])
    registered = styles.prepare(config.catalogue, round_)
    ws = _write_data_sheet(book, styles, texts, sheet, region, {}, cells=False)
    _protect(ws, config.sheet_password)
    data = _saved(book)
    if style_count(book) != registered:
        # A style the party workbooks do not register first would point at another style there.
        raise RuntimeError("the region sheet uses a cell style that is not prepared")
    name = ws.path.lstrip("/")
    known: dict[str, list[tuple[bool, str]]] = {}
    entry = _with_rows(name, data, sheet, styles, region, known)
    records = cast(Mapping[str, Sequence[Mapping[str, Any]]], rows.records)
    return SharedSheet(
        str(round_),
        config.catalogue.version,
        config.sheet_password,
        entry,
        len(sheet.rows),
        shared_payload(config, region, records),
        cells={("project", layout.columns): known},
    )


def _set_properties(book: Workbook, title: str, issued_at: str) -> None:
    book.properties.creator = "planmonitor"
    book.properties.title = title
    moment = _moment(issued_at)
    book.properties.created = moment
    book.properties.modified = moment


def _moment(text: str) -> dt.datetime:
    """The issue time as the naive UTC time openpyxl writes (the same on every run)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return dt.datetime(2000, 1, 1)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _saved(book: Workbook) -> bytes:
    """The package with fixed entry times: the same workbook always gives the same bytes."""
    return package.write(package.entries(save(book)))


def data_sheets(
    layout: WorkbookLayout,
    catalogue: Catalogue,
    region: Region,
    monitor: Monitor,
    rows: RoundRows | None = None,
) -> list[DataSheet]:
    """What goes in each data sheet of the layout, and which cells the party may change."""
    party = region.party(layout.party)
    round_ = Round.parse(layout.round)
    if rows is None:
        rows = RoundRows.of(catalogue, round_, monitor)
    out = []
    for sheet in layout.sheets:
        by_key = {c.key: c for c in catalogue.columns(sheet.entity, round_)}
        columns = tuple(by_key[key] for key in sheet.columns)
        all_columns = list(by_key.values())
        shown: tuple[Mapping[str, Any], ...]
        if sheet.name == SHEET_NEW:
            shown = ({},) * sheet.new_rows
            editable = (frozenset(sheet.columns),) * sheet.new_rows
        elif sheet.name == SHEET_MONITOR:
            # Every party's, and as large as the region: nothing in it is looked at per row
            # here (its cells are written once per run, see render_shared_sheet).
            out.append(DataSheet(sheet, columns, rows.rows[sheet.entity], (), read_only=True))
            continue
        else:
            by_id = rows.by_id[sheet.entity]
            shown = tuple(by_id[row_id] for row_id in sheet.row_ids)
            wanted = set(sheet.columns)
            roles = catalogue.roles
            # Who owns a cell depends on the row's initiator, municipality and pillar only
            # (core.ownership.owners): rows alike in those are owned alike.
            owned: dict[tuple[Any, ...], frozenset[str]] = {}
            editable_rows = []
            for row in shown:
                key = tuple(
                    value if isinstance(value, str) else repr(value)
                    for value in (
                        row.get(roles.initiator),
                        row.get(roles.municipality),
                        row.get(roles.pillar),
                    )
                )
                if key not in owned:
                    owned[key] = frozenset(
                        owned_columns(party, all_columns, row, region, roles) & wanted
                    )
                editable_rows.append(owned[key])
            editable = tuple(editable_rows)
        carried = _carried(rows.carried.get(sheet.entity, {}), sheet, shown, editable)
        out.append(DataSheet(sheet, columns, shown, editable, carried))
    return out


def _carried(
    cells: Mapping[tuple[str, str], Sequence[Carry]],
    sheet: SheetLayout,
    rows: Sequence[Mapping[str, Any]],
    editable: Sequence[frozenset[str]],
) -> dict[tuple[int, str], tuple[int, int]]:
    """The editable cells that hold dwellings carried from a past year, with that year (the
    earliest, when several were carried) and how many; ``cells`` are the monitor's
    (``Monitor.carried_cells``)."""
    if not cells or sheet.name == SHEET_MONITOR:
        return {}
    out = {}
    for offset, (row, keys) in enumerate(zip(rows, editable, strict=True)):
        row_id = str(row.get(ID_COLUMN[sheet.entity]))
        for key in keys:
            carries = cells.get((row_id, key))
            if carries:
                out[(offset, key)] = (
                    min(c.from_year for c in carries),
                    sum(c.dwellings for c in carries),
                )
    return out


def shown_value(column: Column, value: Any, region: Region) -> Any:
    """A state value as the party sees it in a cell: region codes by name, yes/no as ja/nee."""
    if value is None:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    choices = column.field.choices
    if choices is not None and choices.startswith("@"):
        value = region.display(choices, value)
    return to_cell(column, value)


# -- cells and styles -------------------------------------------------------------------------


class _Styles:
    """The named cell styles of one workbook, created as they are first needed."""

    def __init__(self, book: Workbook, names: Mapping[str, str]) -> None:
        self.book = book
        self.names = names
        self.made: dict[tuple[str, str, bool], str] = {}
        self.arrays: dict[str, StyleArray] = {}
        self.ids: dict[str, int] = {}  # cell format numbers, once prepared
        self.quoted: dict[str, int] = {}
        self.dxf: list[int] = []  # sum total, sum parts, stoplight colours
        self.plain_quoted = 0  # a cell without a style but for the quote prefix
        thin = Side(style="thin", color=GRID)
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)

    def prepare(self, catalogue: Catalogue, round_: Round) -> int:
        """Make every style a workbook of this round can use, in one fixed order, and register
        their cell formats first; returns how many cell formats that is.

        Every workbook of the round then numbers these styles alike, whatever its party, which
        is what lets the region sheet be written once and copied into each of them.
        """
        self.get("header")
        self.get("group")
        for role in ("title", "heading", "text"):
            self.get(role, wrap=True)
        self.get("edit")
        self.get("locked")
        self.get("carried")
        for entity in ENTITIES:
            for column in catalogue.columns(entity, round_):
                wrap = entity == "agreement" and column.field.type == "text"
                self.data(column, True, wrap)
                self.data(column, False, wrap)
                self.get("carried", NUMBER_FORMATS.get(column.field.type, "General"))
        for name in self.made.values():
            self.ids[name] = register_style(self.book, self.arrays[name])
        for name in self.made.values():  # text that looks like a formula keeps a quote prefix
            quoted = copy(self.arrays[name])
            quoted.quotePrefix = 1
            self.quoted[name] = register_style(self.book, quoted)
        # The cell formats the other cells come to have, numbered here as well: a plain cell
        # with a quote prefix, and the first column of the instructions.
        plain = StyleArray()
        plain.quotePrefix = 1
        self.plain_quoted = register_style(self.book, plain)
        scratch = Worksheet(self.book)
        for line in _FIRST_CELLS:
            cell = Cell(scratch, row=1, column=1)
            _first_cell(cell, self, line)
            register_style(self.book, style_of(cell))
        # The formats of the conditional formats, in this order in every workbook.
        rules = [sum_rule("", part=False), sum_rule("", part=True)]
        rules += [stoplight_rule(value) for value in STOPLIGHT_COLOURS]
        self.dxf = [register_differential_style(self.book, rule.dxf) for rule in rules]
        return style_count(self.book)

    def data(self, column: Column, editable: bool, wrap: bool = False) -> str:
        role = "edit" if editable else "locked"
        return self.get(role, NUMBER_FORMATS.get(column.field.type, "General"), wrap)

    def get(self, role: str, number_format: str = "General", wrap: bool = False) -> str:
        key = (role, number_format, wrap)
        if key not in self.made:
            count = sum(1 for r, _, _ in self.made if r == role)
            name = self.names[role] + (f" {count + 1}" if count else "")
            style = self._style(name, role, number_format, wrap)
            self.book.add_named_style(style)
            self.made[key] = name
            self.arrays[name] = style.as_tuple()
        return self.made[key]

    def apply(self, cell: Any, name: str) -> None:
        """Give a cell a named style made here; what ``cell.style = name`` does, without
        openpyxl's search of the workbook's style names on every cell."""
        set_style(cell, self.arrays[name])

    def _style(self, name: str, role: str, number_format: str, wrap: bool) -> NamedStyle:
        style = NamedStyle(
            name=name,
            number_format=number_format,
            protection=Protection(locked=role not in {"edit", "carried"}),
        )
        style.alignment = Alignment(vertical="top", wrap_text=wrap)
        style.font = _font()
        if role in {"edit", "locked", "carried"}:
            fill = {"edit": YELLOW, "locked": GREY, "carried": CARRIED_ORANGE}[role]
            style.fill = PatternFill("solid", fgColor=fill)
            style.border = self.border
        elif role in {"header", "group"}:
            style.font = _font(bold=True)
            style.fill = PatternFill(
                "solid", fgColor=HEADER_BLUE if role == "header" else GROUP_BLUE
            )
            style.border = self.border
            style.alignment = Alignment(
                vertical="center",
                wrap_text=True,
                horizontal="center" if role == "header" else "left",
            )
        elif role == "title":
            style.font = _font(bold=True, size=16)
        elif role == "heading":
            style.font = _font(bold=True, size=12)
        return style


def _font(*, bold: bool = False, size: int = textwidth.FONT_SIZE, color: str | None = None) -> Font:
    """Every cell names its font: LibreOffice would otherwise show a serif font. Calibri is
    Excel's own; LibreOffice shows it as Carlito, which has the same widths."""
    return Font(name=textwidth.FONT, size=size, bold=bold, color=color)


# -- the instructions sheet -------------------------------------------------------------------

# One line of each kind that has a cell in the first column (see :meth:`_Styles.prepare`).
_FIRST_CELLS = (
    Line("text", label="1."),
    *(
        Line("text", sample=kind, sample_text="x")
        for kind in ("edit", "locked", "conflict", "carried")
    ),
    Line("status", sample_text="x"),
)


def _write_instructions(
    ws: Any, styles: _Styles, lines: Sequence[Line], texts: Mapping[str, Any]
) -> str:
    """Lay the instructions out; returns where the party's hand-in choice is (sheet!cell)."""
    ws.title = SHEET_INSTRUCTIONS
    status_cell = ""
    ws.sheet_view.showGridLines = False
    ws.sheet_view.tabSelected = True
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = INSTRUCTION_WIDTH
    for row, line in enumerate(lines, start=1):
        if line.role == "blank":
            continue
        cell = ws.cell(row, 2)
        cell.style = styles.get(text_role(line), wrap=True)
        put(cell, line.text)
        ws.row_dimensions[row].height = instruction_height(line)
        if first_cell(line):
            _first_cell(ws.cell(row, 1), styles, line)
        if line.role == "status":
            validation = status_validation(texts)
            ws.add_data_validation(validation)
            validation.add(f"A{row}")
            status_cell = f"{SHEET_INSTRUCTIONS}!A{row}"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return status_cell


def text_role(line: Line) -> str:
    """The named style of a line's text."""
    return "text" if line.role == "status" else line.role


def instruction_height(line: Line) -> int:
    """The height of a line's row: as many lines as its text takes in the wide column."""
    height = {"title": 22, "heading": 17}.get(line.role, 15)
    return height * math.ceil(len(line.text) * 1.1 / INSTRUCTION_WIDTH) + 2


def first_cell(line: Line) -> bool:
    """Whether the line has a cell in the first column: a step number, a legend sample or the
    hand-in choice."""
    return line.label is not None or line.sample is not None or line.role == "status"


def _first_cell(cell: Any, styles: _Styles, line: Line) -> None:
    """The cell left of a line: its step number, a coloured legend sample, or the party's own
    "concept / ingeleverd" choice (a yellow, unlocked cell)."""
    if line.label is not None:
        put(cell, line.label)
        cell.alignment = Alignment(horizontal="right", vertical="top")
    if line.sample is not None:
        _legend_sample(cell, styles, line)
    if line.role == "status":
        cell.style = styles.get("edit")
        put(cell, line.sample_text)
        cell.protection = Protection(locked=False)
        cell.alignment = Alignment(horizontal="center", vertical="center")


def status_validation(texts: Mapping[str, Any]) -> DataValidation:
    """The list of the hand-in choice."""
    info = texts["instructions"]["status"]
    return DataValidation(
        type="list",
        formula1='"' + ",".join(HAND_IN_CHOICES) + '"',
        allow_blank=False,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle=_clip(info["prompt_title"], TITLE_LIMIT),
        prompt=_clip(info["prompt"], PROMPT_LIMIT),
        errorStyle="stop",
        errorTitle=_clip(texts["validation"]["error_title"], TITLE_LIMIT),
        error=info["error"],
    )


def _legend_sample(cell: Any, styles: _Styles, line: Line) -> None:
    """A coloured sample cell of the legend; locked, like everything on this sheet."""
    cell.style = styles.get(line.sample if line.sample in {"edit", "carried"} else "locked")
    put(cell, line.sample_text)
    if line.sample == "conflict":
        cell.fill = PatternFill("solid", fgColor=CONFLICT_RED)
        cell.font = _font(color=CONFLICT_TEXT)
    cell.protection = Protection(locked=True)


# -- the check sheet --------------------------------------------------------------------------

# As wide as the feedback workbook's list, whose columns the in-Excel check fills in.
_CHECK_WIDTHS = (14, 20, 10, 28, 28, 90)


def _write_check_sheet(book: Workbook, texts: Mapping[str, str]) -> None:
    """The sheet the "Controleer mijn invoer" script writes to; unprotected, empty until then."""
    ws = book.create_sheet(SHEET_CHECK)
    ws.sheet_view.showGridLines = False
    for index, width in enumerate(_CHECK_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    put(ws.cell(1, 1), texts["intro"].format(sheet_instructions=SHEET_INSTRUCTIONS))


# -- the lists sheet --------------------------------------------------------------------------


def _list_key(column: Column) -> str | None:
    if column.field.type == "yes_no":
        return "yes_no"
    if column.field.type in {"choice", "multiple_choice"}:
        return column.field.choices
    return None


def dropdown_lists(
    catalogue: Catalogue, region: Region, sheets: Iterable[DataSheet]
) -> dict[str, list[str]]:
    """The values of every dropdown in the workbook, by list name (region lists by name)."""
    lists: dict[str, list[str]] = {}
    for sheet in sheets:
        for column in sheet.columns:
            key = _list_key(column)
            if key is None or key in lists:
                continue
            values = catalogue.choices(column.field, region.lists())
            lists[key] = sorted(values, key=str.casefold) if key.startswith("@") else values
    return lists


def _list_references(lists: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Where each list stands on the lists sheet: one column per list, values from row 2."""
    refs = {}
    for index, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        last = 1 + max(len(values), 1)
        refs[key] = f"{quote_sheetname(SHEET_LISTS)}!${letter}$2:${letter}${last}"
    return refs


def _write_lists(book: Workbook, lists: Mapping[str, Sequence[str]]) -> None:
    ws = book.create_sheet(SHEET_LISTS)
    ws.sheet_state = "hidden"
    for index, (key, values) in enumerate(lists.items(), start=1):
        put(ws.cell(1, index), key)
        for offset, value in enumerate(values):
            put(ws.cell(2 + offset, index), value)
        ws.column_dimensions[get_column_letter(index)].width = 40


# -- data sheets ------------------------------------------------------------------------------


def _write_data_sheet(
    book: Workbook,
    styles: _Styles,
    texts: Mapping[str, Any],
    sheet: DataSheet,
    region: Region,
    lists: Mapping[str, str],
    *,
    cells: bool = True,
    rules: bool = True,
) -> Any:
    """One data sheet; without ``cells`` only its frame (the region sheet comes ready-made),
    without ``rules`` no validations and no conditional formats (the direct writer adds them)."""
    ws = book.create_sheet(sheet.layout.name)
    _write_headers(ws, styles, sheet.columns)
    if cells:
        for number, index, name, value in _data_cells(sheet, styles, region):
            cell = Cell(ws, row=number, column=index)
            styles.apply(cell, name)
            if value is not None:  # a new cell is already empty
                put(cell, value)
            add_cell(ws, cell)
        for number, height in row_heights(sheet, region).items():
            ws.row_dimensions[number].height = height
    if rules:
        _add_validations(ws, texts["validation"], sheet, lists)
        _add_sum_checks(ws, sheet)
        _add_stoplight_colours(ws, sheet)
    last_row = max(FIRST_DATA_ROW + len(sheet.rows) - 1, HEADER_ROW)
    last_column = get_column_letter(len(sheet.columns))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{last_row}"
    # By reference: ws.cell() would add an empty cell to the sheet.
    ws.freeze_panes = f"{get_column_letter(_frozen_columns(sheet) + 1)}{FIRST_DATA_ROW}"
    if sheet.editable_cells:
        ws.sheet_properties.tabColor = YELLOW
    _print_setup(ws)
    return ws


def _data_cells(
    sheet: DataSheet, styles: _Styles, region: Region
) -> Iterator[tuple[int, int, str, Any]]:
    """Row, column, style name and shown value of every data cell, row by row."""
    wrap = sheet.layout.entity == "agreement"
    names: dict[tuple[int, bool], str] = {}
    for offset, (row, editable) in enumerate(zip(sheet.rows, sheet.editable_rows(), strict=True)):
        number = FIRST_DATA_ROW + offset
        for index, column in enumerate(sheet.columns, start=1):
            key = (index, column.key in editable)
            name = names.get(key)
            if name is None:
                name = names[key] = styles.data(
                    column, key[1], wrap and column.field.type == "text"
                )
            if (offset, column.key) in sheet.carried:
                name = styles.get("carried", NUMBER_FORMATS.get(column.field.type, "General"))
            yield number, index, name, shown_value(column, row.get(column.key), region)


class _NotDirect(Exception):
    """A value the direct writer does not write as openpyxl would; openpyxl writes the sheet."""


def _data_rows_xml(
    sheet: DataSheet,
    styles: _Styles,
    region: Region,
    known: dict[str, list[tuple[bool, str]]] | None = None,
) -> str:
    """The data rows of a sheet as the XML openpyxl writes for them, character for character.

    openpyxl spends most of a workbook's time on these cells; written here directly, with the
    style numbers :meth:`_Styles.prepare` fixed (the same cells as :func:`_data_cells`).
    ``known`` keeps each row's cells without their style and place, by row id, for the next
    sheet with these columns that shows the row (see :attr:`SharedSheet.cells`). ``_NotDirect`` when a value needs openpyxl.
    """
    wrap = sheet.layout.entity == "agreement"
    plan = []
    for index, column in enumerate(sheet.columns, start=1):
        wrapped = wrap and column.field.type == "text"
        mine, theirs = styles.data(column, True, wrapped), styles.data(column, False, wrapped)
        plan.append(
            (
                column.key,
                get_column_letter(index),
                (styles.ids[theirs], styles.quoted[theirs]),
                (styles.ids[mine], styles.quoted[mine]),
            )
        )
    heights = row_heights(sheet, region)
    carried = sheet.carried
    id_column = ID_COLUMN[sheet.layout.entity]
    parts: list[str] = []
    for offset, (row, editable) in enumerate(zip(sheet.rows, sheet.editable_rows(), strict=True)):
        number = FIRST_DATA_ROW + offset
        height = heights.get(number)
        # the attributes openpyxl writes for a row height
        parts.append(
            f'<row r="{number}" ht="{safe_string(height)}" customHeight="1">'
            if height is not None
            else f'<row r="{number}">'
        )
        row_id = row.get(id_column)
        bodies = known.get(str(row_id)) if known is not None else None
        if bodies is None:
            bodies = _row_bodies(sheet, row, region)
            if known is not None and row_id is not None:
                known[str(row_id)] = bodies
        suffix = str(number)
        for (column_key, letter, locked, edit), (quoted, body) in zip(plan, bodies, strict=True):
            if carried and (offset, column_key) in carried:
                column = sheet.columns[[c.key for c in sheet.columns].index(column_key)]
                name = styles.get("carried", NUMBER_FORMATS.get(column.field.type, "General"))
                style = styles.quoted[name] if quoted else styles.ids[name]
            else:
                style = (edit if column_key in editable else locked)[quoted]
            parts.append(f'<c r="{letter}{suffix}" s="{style}"{body}')
        parts.append("</row>")
    return "".join(parts)


def _row_bodies(sheet: DataSheet, row: Mapping[str, Any], region: Region) -> list[tuple[bool, str]]:
    """Each cell of a row after its style number, and whether its style is the quoted one."""
    out = []
    for column in sheet.columns:
        value = row.get(column.key)
        if value is not None:
            value = shown_value(column, value, region)
        out.append(cell_body(value, column.field.type == "date"))
    return out


def cell_body(value: Any, is_date: bool) -> tuple[bool, str]:
    """A cell after its style number as openpyxl writes it, and whether its text keeps a quote
    prefix (then its style is the quoted one)."""
    if value is None:
        return False, ' t="n" />'
    if isinstance(value, str):
        return text_body(value)
    if isinstance(value, bool):
        return False, f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float) and math.isfinite(value):
        return False, f' t="n"><v>{safe_string(value)}</v></c>'
    if isinstance(value, dt.date) and is_date:
        return False, f' t="n"><v>{safe_string(to_excel(value))}</v></c>'
    raise _NotDirect(repr(value))


@functools.lru_cache(maxsize=65_536)  # the same texts come back in every party's sheets
def text_body(value: str) -> tuple[bool, str]:
    """Whether the text keeps a quote prefix, and its cell after the style number."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)[:TEXT_LIMIT]
    if not text:
        return looks_like_formula(value), ' t="inlineStr" />'
    space = ' xml:space="preserve"' if text.strip() and text != text.strip() else ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return looks_like_formula(value), f' t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def _write_headers(ws: Any, styles: _Styles, columns: Sequence[Column]) -> None:
    header, group = styles.get("header"), styles.get("group")
    start = 1
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(HEADER_ROW, index)
        cell.style = header
        put(cell, column.label)
        ws.cell(GROUP_ROW, index).style = group
        ws.column_dimensions[get_column_letter(index)].width = column_width(column)
        is_last = index == len(columns) or columns[index].field.group != column.field.group
        if is_last:
            put(ws.cell(GROUP_ROW, start), columns[start - 1].field.group)
            if index > start:
                # The range only: openpyxl's merge_cells would also replace the covered cells
                # and give them border-only formats of their own. These keep the group style.
                first, last = get_column_letter(start), get_column_letter(index)
                ws.merged_cells.add(MergedCellRange(ws, f"{first}{GROUP_ROW}:{last}{GROUP_ROW}"))
            start = index + 1
    lines = max((textwidth.lines(c.label, column_width(c), bold=True) for c in columns), default=1)
    ws.row_dimensions[HEADER_ROW].height = max(3, lines) * LINE_POINTS + 3


def column_width(column: Column) -> float:
    """The catalogue's width, widened where a word of the header would not fit: headers wrap
    between words only."""
    longest = max(
        (textwidth.width_for(word, bold=True) for word in column.label.split()), default=0.0
    )
    return max(float(column.field.width), longest)


def row_heights(sheet: DataSheet, region: Region) -> dict[int, float]:
    """Heights of the rows whose wrapped text needs more than one line (the agreements):
    LibreOffice keeps a row at one line when the file gives no height."""
    if sheet.layout.entity != "agreement":
        return {}
    wrapped = [(c, column_width(c)) for c in sheet.columns if c.field.type == "text"]
    heights: dict[int, float] = {}
    for offset, row in enumerate(sheet.rows):
        lines = 1
        for column, width in wrapped:
            value = shown_value(column, row.get(column.key), region)
            if isinstance(value, str) and value:
                lines = max(lines, textwidth.lines(value, width))
        if lines > 1:
            heights[FIRST_DATA_ROW + offset] = min(lines, MAX_ROW_LINES) * LINE_POINTS
    return heights


def _frozen_columns(sheet: DataSheet) -> int:
    keys = [c.key for c in sheet.columns]
    through = FROZEN_THROUGH.get(sheet.layout.entity)
    return keys.index(through) + 1 if through in keys else 1


def _print_setup(ws: Any) -> None:
    ws.print_title_rows = f"{GROUP_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def row_blocks(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive row numbers as (first, last) blocks: 3, 4, 5, 9 → (3, 5), (9, 9)."""
    blocks: list[tuple[int, int]] = []
    for row in sorted(rows):
        if blocks and blocks[-1][1] == row - 1:
            blocks[-1] = (blocks[-1][0], row)
        else:
            blocks.append((row, row))
    return blocks


def _editable_rows(sheet: DataSheet, key: str) -> list[int]:
    return [FIRST_DATA_ROW + i for i, keys in enumerate(sheet.editable_rows()) if key in keys]


# -- data validation --------------------------------------------------------------------------


def _add_validations(
    ws: Any, texts: Mapping[str, str], sheet: DataSheet, lists: Mapping[str, str]
) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        carried = {o: c for (o, key), c in sheet.carried.items() if key == column.key}
        for offset, (year, dwellings) in sorted(carried.items()):
            # A carried cell keeps the column's rule but says where its number came from.
            validation = _validation(column, texts, lists, f"{letter}{FIRST_DATA_ROW + offset}")
            validation.promptTitle = _clip(texts["carried_title"].format(year=year), TITLE_LIMIT)
            validation.prompt = _clip(
                texts["carried"].format(year=year, dwellings=formatting.number(dwellings)),
                PROMPT_LIMIT,
            )
            validation.add(f"{letter}{FIRST_DATA_ROW + offset}")
            ws.add_data_validation(validation)
        rows = [r for r in _editable_rows(sheet, column.key) if r - FIRST_DATA_ROW not in carried]
        blocks = row_blocks(rows)
        if not blocks:
            continue
        ranges = [f"{letter}{first}:{letter}{last}" for first, last in blocks]
        if column.field.type == "year_quarter":
            # A custom formula refers to the first cell of its range: one rule per block.
            for (first, _), cell_range in zip(blocks, ranges, strict=True):
                validation = _validation(column, texts, lists, f"{letter}{first}")
                validation.add(cell_range)
                ws.add_data_validation(validation)
        else:
            validation = _validation(column, texts, lists, None)
            for cell_range in ranges:
                validation.add(cell_range)
            ws.add_data_validation(validation)


def _validation(
    column: Column, texts: Mapping[str, str], lists: Mapping[str, str], anchor: str | None
) -> DataValidation:
    """The data validation of a column: its rule, input message and stop alert."""
    f = column.field
    rule: dict[str, Any] = {}
    error = ""
    key = _list_key(column)
    low, high = f.min, f.max
    if key is not None:
        rule = {"type": "list", "formula1": lists[key]}
        error = texts["list"]
    elif f.type in {"whole", "year", "decimal"}:
        low = low if low is not None else (1900 if f.type == "year" else -1e9)
        high = high if high is not None else (2100 if f.type == "year" else 1e9)
        kind = "decimal" if f.type == "decimal" else "whole"
        rule = {
            "type": kind,
            "operator": "between",
            "formula1": _number(low),
            "formula2": _number(high),
        }
        error = texts[f.type].format(min=formatting.plain(low), max=formatting.plain(high))
    elif f.type == "date":
        rule = {
            "type": "date",
            "operator": "between",
            "formula1": _number(to_excel(ANY_DATE[0])),
            "formula2": _number(to_excel(ANY_DATE[1])),
        }
        error = texts["date"]
    elif f.type == "year_quarter" and anchor is not None:
        low = low if low is not None else 1900
        high = high if high is not None else 2100
        rule = {"type": "custom", "formula1": _year_quarter_formula(anchor, low, high)}
        error = texts["year_quarter"].format(min=_number(low), max=_number(high))
    elif f.max_length is not None:
        rule = {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(f.max_length)}
        error = texts["text"].format(max_length=f.max_length)
    return DataValidation(
        **rule,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=bool(error),
        promptTitle=_clip(column.label, TITLE_LIMIT),
        prompt=_clip(f.help, PROMPT_LIMIT),
        errorStyle="stop",
        errorTitle=_clip(texts["error_title"], TITLE_LIMIT),
        error=error or None,
    )


def _year_quarter_formula(cell: str, low: float, high: float) -> str:
    year = f"VALUE(LEFT({cell},4))"
    return (
        f'AND(LEN({cell})=7,MID({cell},5,2)="-K",ISNUMBER(FIND(RIGHT({cell},1),"1234")),'
        f"{year}>={_number(low)},{year}<={_number(high)})"
    )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- live sum checks --------------------------------------------------------------------------


def _add_sum_checks(ws: Any, sheet: DataSheet) -> None:
    """Colour the total red (and the parts light red) while a row does not add up."""
    letters = {c.key: get_column_letter(i) for i, c in enumerate(sheet.columns, start=1)}
    totals = [c.key for c in sheet.columns if "total" in c.field.tags]
    if not totals:
        return
    total = totals[0]
    for rule in SUM_RULES:  # the same table the validation's sum rules come from
        parts = sum_parts(rule, list(sheet.columns))
        if not parts:
            continue
        for first, last in row_blocks(_editable_rows(sheet, total)):
            formula = _sum_formula(
                letters[total], [letters[k] for k in parts], first, rule.when_filled
            )
            ws.conditional_formatting.add(
                f"{letters[total]}{first}:{letters[total]}{last}", sum_rule(formula, part=False)
            )
            part_ranges = " ".join(
                f"{a}{first}:{b}{last}" for a, b in _letter_runs(parts, sheet.columns)
            )
            ws.conditional_formatting.add(part_ranges, sum_rule(formula, part=True))


def sum_rule(formula: str, *, part: bool) -> FormulaRule:
    """Red on the total (light red on the parts) while the formula says a row does not add up."""
    if part:
        return FormulaRule(formula=[formula], fill=_solid(CONFLICT_PART))
    return FormulaRule(formula=[formula], fill=_solid(CONFLICT_RED), font=Font(color=CONFLICT_TEXT))


def stoplight_rule(value: str) -> CellIsRule:
    fill, text = STOPLIGHT_COLOURS[value]
    return CellIsRule(
        operator="equal",
        formula=[f'"{value}"'],
        fill=_solid(fill),
        font=Font(color=text, bold=True),
    )


def _solid(colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=colour, bgColor=colour)


def stoplight_columns(sheet: DataSheet) -> list[int]:
    """The columns (1-based) coloured by their stoplight value; none on the region sheet: it
    stays plain values, so feedback can copy it back as received."""
    if sheet.layout.name == SHEET_MONITOR:
        return []
    return [i for i, c in enumerate(sheet.columns, start=1) if c.field.choices == "stoplight"]


def _add_stoplight_colours(ws: Any, sheet: DataSheet) -> None:
    """Colour a stoplight cell by its value (green, yellow, red), in Excel and LibreOffice."""
    last = max(FIRST_DATA_ROW + len(sheet.rows) - 1, FIRST_DATA_ROW)
    for index in stoplight_columns(sheet):
        letter = get_column_letter(index)
        for value in STOPLIGHT_COLOURS:
            ws.conditional_formatting.add(
                f"{letter}{FIRST_DATA_ROW}:{letter}{last}", stoplight_rule(value)
            )


def _sum_formula(total: str, parts: Sequence[str], row: int, when_filled: bool) -> str:
    cells = ",".join(f"${p}{row}" for p in parts)
    filled = f"COUNTA({cells})>0," if when_filled else ""
    return f"AND(ISNUMBER(${total}{row}),{filled}SUM({cells})<>${total}{row})"


def _letter_runs(keys: Sequence[str], columns: Sequence[Column]) -> list[tuple[str, str]]:
    """Columns of the keys as runs of adjacent letters: [(P, X), (AB, AB)]."""
    positions = [i for i, c in enumerate(columns, start=1) if c.key in keys]
    return [(get_column_letter(a), get_column_letter(b)) for a, b in row_blocks(positions)]


# -- metadata and protection ------------------------------------------------------------------


def _write_metadata(
    book: Workbook, layout: WorkbookLayout, extra: Mapping[str, str], *, cells: bool = True
) -> None:
    ws = book.create_sheet(SHEET_META)
    ws.sheet_state = "veryHidden"
    if not cells:
        return
    for number, values in enumerate(metadata(layout, extra), start=1):
        for index, value in enumerate(values, start=1):
            put(ws.cell(number, index), value)


def metadata(layout: WorkbookLayout, extra: Mapping[str, str]) -> list[list[str]]:
    """The rows of the metadata sheet: the plan, and where the hand-in choice is."""
    return metadata_rows({**layout.to_metadata(), **{k: v for k, v in extra.items() if v}})


def _protect(ws: Any, password: str) -> None:
    """Protect a sheet; filtering, column widths and cell formats stay free (locked cells do the
    work; the in-Excel check colours the cells it has a finding for)."""
    ws.protection = SheetProtection(
        sheet=True,
        autoFilter=False,
        formatCells=False,
        formatColumns=False,
        selectLockedCells=False,
        selectUnlockedCells=False,
    )
    if password:
        ws.protection.password = password
