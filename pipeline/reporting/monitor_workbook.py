"""The shared monitor workbook: the whole region after a merge, read-only for everyone.

A rendering of the state, never its source: projects, agreements, totals per subregion and
municipality, and what changed this round and by whom.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..core import Config, Entity, Monitor, Region
from ..state import Change
from ..workbook import put, shown_value
from . import indicators as ind
from . import sheet_xml

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
DATE_FORMAT = "DD-MM-YYYY"
ENTITY_LABEL = {"project": "Project", "agreement": "Afspraak"}


@dataclass(frozen=True)
class Table:
    """One sheet's table: its header, rows of shown values and column widths."""

    header: list[str]
    rows: list[list[Any]]
    widths: list[int]

    @property
    def ref(self) -> str:
        """Where the table is, header included (its autofilter and the sheet's dimension)."""
        return f"A1:{get_column_letter(max(len(self.header), 1))}{len(self.rows) + 1}"


# The big tables: in a real round thousands of rows each, written as XML (see sheet_xml).
DIRECT = ("Projecten", "Afspraken", "Wijzigingen")


def write_monitor_workbook(
    config: Config,
    region: Region,
    monitor: Monitor,
    changes: list[Change],
    *,
    plain: bool = False,
) -> bytes:
    """The monitor after merging ``config.round``, as an .xlsx.

    The big tables' rows are written as XML into a frame openpyxl renders with everything else;
    ``plain`` writes every cell with openpyxl, the reference the fast way is tested against (and
    what writes a workbook holding a value the fast way does not write as openpyxl would).
    """
    tables = {
        "Projecten": _records(config, region, monitor, "project"),
        "Afspraken": _records(config, region, monitor, "agreement"),
        "Totalen": _totals(config, region, monitor),
        "Wijzigingen": _changes(config, region, changes),
    }
    if not plain:
        book = _book(config, region, monitor, changes, tables, frame=True)
        styles = sheet_xml.row_styles(book, DATE_FORMAT)
        try:
            rows = {t: (tables[t].ref, sheet_xml.rows_xml(tables[t].rows, styles)) for t in DIRECT}
        except sheet_xml.NotDirect:
            pass  # a value only openpyxl writes: every cell the plain way
        else:
            return sheet_xml.saved_with_rows(book, rows)
    book = _book(config, region, monitor, changes, tables, frame=False)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _book(
    config: Config,
    region: Region,
    monitor: Monitor,
    changes: list[Change],
    tables: dict[str, Table],
    *,
    frame: bool,
) -> Workbook:
    """The workbook; as a ``frame``, without the rows of the big tables."""
    workbook = Workbook()
    about = workbook.active
    assert about is not None
    about.title = "Toelichting"
    _about(about, config, region, monitor, changes)
    for title, table in tables.items():
        sheet = workbook.create_sheet(title)
        _table(sheet, table, rows=not (frame and title in DIRECT))
        if title == "Totalen":
            _total_styles(sheet)
    for sheet in workbook.worksheets:
        sheet.protection.sheet = True
        if config.sheet_password:
            sheet.protection.password = config.sheet_password
        sheet.protection.autoFilter = False
        sheet.protection.sort = False
    workbook.security.lockStructure = True  # type: ignore[union-attr]
    return workbook


def _records(config: Config, region: Region, monitor: Monitor, entity: Entity) -> Table:
    # the columns of the stand after the round: no year that has ended
    columns = config.catalogue.columns(entity, config.round.next())
    rows = [
        [shown_value(c, r.get(c.key), region) for c in columns] for r in monitor.records(entity)
    ]
    return Table([c.label for c in columns], rows, [c.field.width for c in columns])


def _about(
    sheet: Worksheet, config: Config, region: Region, monitor: Monitor, changes: list[Change]
) -> None:
    active = ind.active(monitor.projects, ind.ProjectFields.from_catalogue(config.catalogue))
    lines = [
        (f"Planmonitor {region.name}", TITLE_FONT),
        (f"Stand na ronde {config.round}", Font(bold=True)),
        (f"Gemaakt op {dt.date.today().strftime('%d-%m-%Y')} door planmonitor.", None),
        ("", None),
        (
            "Deze werkmap is alleen-lezen. Wijzigingen geeft u door in uw eigen werkmap van de "
            "volgende ronde.",
            None,
        ),
        ("", None),
        (
            f"Projecten: {len(active)} actief, {len(monitor.projects) - len(active)} ingetrokken",
            None,
        ),
        (f"Afspraken: {len(monitor.agreements)}", None),
        (f"Wijzigingen deze ronde: {len(changes)} cellen", None),
        ("", None),
        (
            "Werkbladen: Projecten (alle projecten), Afspraken, Totalen (per subregio en gemeente), "
            "Wijzigingen (wat deze ronde is veranderd, door wie).",
            None,
        ),
    ]
    for number, (text, font) in enumerate(lines, start=1):
        cell = sheet.cell(number, 1, text)
        if font is not None:
            cell.font = font
    sheet.column_dimensions["A"].width = 110


def _table(sheet: Worksheet, table: Table, *, rows: bool = True) -> None:
    """The table with its styled header, frozen first row and column, filter and widths;
    without ``rows``, only what is not its rows (the filter still over all of them)."""
    sheet.append(table.header)
    for cell in sheet[1]:
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if rows:
        for number, row in enumerate(table.rows, start=2):
            for column, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(number, column)
                put(cell, value)  # text stays text, never a formula
                if isinstance(value, dt.date):
                    cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = table.ref
    for index, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[1].height = 45


def _totals(config: Config, region: Region, monitor: Monitor) -> Table:
    """Totals per municipality, subregion and region, computed by the report's indicator
    functions over the stand after the round (so they are the report's numbers)."""
    fields = ind.ProjectFields.from_catalogue(config.catalogue)
    years = config.timeline.context(config.round.next()).planned_years
    norm = config.targets.plan_capacity_norm
    header = [
        "Subregio",
        "Gemeente",
        "Projecten",
        "Woningen totaal",
        "Harde plancapaciteit",
        "Zachte plancapaciteit",
        "Planstatus onbekend",
        *[f"Oplevering {y}" for y in years],
        "Oplevering later",
        "Oplevering jaar onbekend",
    ]
    table = monitor.projects

    def figures(part: pd.DataFrame) -> list[int]:
        active = ind.active(part, fields)
        planned = ind.completions(part, fields, {}, years)
        capacity = ind.plan_capacity(part, fields, {}, norm, years)
        return [
            len(active),
            ind.whole(ind.numbers(active, fields.total).sum()),
            capacity.hard,
            capacity.soft,
            capacity.unknown,
            *(y.planned for y in planned.years),
            planned.later,
            planned.unknown_year,
        ]

    codes = ind.texts(table, ind.MUNICIPALITY).map(lambda c: None if c is None else str(c))
    places: dict[str, tuple[str, str]] = {}
    for code in sorted({c for c in codes if c is not None}):
        try:
            place = region.municipality(code)
            places[code] = (place.subregion, place.name)
        except KeyError:
            places[code] = ("(onbekend)", code)
    rows: list[list[Any]] = []
    for subregion in sorted({s for s, _ in places.values()}):
        members = sorted((name, code) for code, (s, name) in places.items() if s == subregion)
        for name, code in members:
            rows.append([subregion, name, *figures(table[codes == code])])
        inside = codes.isin([code for _, code in members])
        rows.append([subregion, "Totaal subregio", *figures(table[inside])])
    rows.append(["Regio", "Totaal regio", *figures(table)])
    return Table(header, rows, [24, 22] + [12] * (len(header) - 2))


def _total_styles(sheet: Worksheet) -> None:
    """Totals bold, figures with thousands separators."""
    for row in sheet.iter_rows(min_row=2):
        if str(row[1].value).startswith("Totaal"):
            for cell in row:
                cell.font = Font(bold=True)
        for cell in row[2:]:
            cell.number_format = "#,##0"


def _changes(config: Config, region: Region, changes: list[Change]) -> Table:
    labels = {
        c.key: c.label
        for e in ("project", "agreement")
        for c in config.catalogue.columns(e, config.round)
    }  # type: ignore[arg-type]
    columns = {
        c.key: c
        for e in ("project", "agreement")
        for c in config.catalogue.columns(e, config.round)
    }  # type: ignore[arg-type]
    header = [
        "Ontvangen",
        "Partij",
        "Soort",
        "Id",
        "Veld",
        "Oude waarde",
        "Nieuwe waarde",
        "Bestand (SHA-256)",
    ]
    rows: list[list[Any]] = []
    for change in changes:
        column = columns.get(change.field)
        old, new = change.old, change.new
        if column is not None:
            old, new = shown_value(column, old, region), shown_value(column, new, region)
        try:
            party = region.party(change.party).name
        except KeyError:
            party = change.party
        rows.append(
            [
                change.at[:19].replace("T", " "),
                party,
                ENTITY_LABEL.get(change.entity, change.entity),
                change.row_id,
                labels.get(change.field, change.field),
                old,
                new,
                change.submission[:16],
            ]
        )
    return Table(header, rows, [19, 30, 10, 11, 24, 24, 24, 18])
