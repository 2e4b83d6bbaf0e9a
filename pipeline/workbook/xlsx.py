"""The one module that uses openpyxl's private API (openpyxl is pinned to 3.1.5 for it).

Each use saves real time on a region's workbooks and is small enough to replace by the public
API (at that cost) if openpyxl changes: a style set without openpyxl's name search, a cell added
without the bounds bookkeeping of ``ws.cell``, openpyxl's own sheet parser driven directly, cell
formats numbered before any cell is written (so every party workbook numbers them alike), and
the package written without temporary files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from copy import copy
from typing import Any
from warnings import warn
from xml.etree.ElementTree import iterparse

from openpyxl.cell.text import Text
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet import _reader as openpyxl_reader
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS


def set_style(cell: Any, array: Any) -> None:
    """Give ``cell`` a style already resolved to openpyxl's style array."""
    cell._style = copy(array)


def add_cell(ws: Any, cell: Any) -> None:
    """Put a cell made with ``Cell(ws, row=, column=)`` into its worksheet."""
    ws._add_cell(cell)


@contextmanager
def sheet_parser(book: Any, ws: Any) -> Iterator[Any]:
    """openpyxl's parser over one read-only worksheet's XML, as its read-only worksheet uses it.

    ``parser.parse()`` yields ``(row, cells)`` for the rows present in the file only; after
    parsing, ``parser.protection`` holds the sheet protection (which the read-only worksheet
    does not expose).
    """
    with ws._get_source() as source:
        yield WorkSheetParser(
            source,
            ws._shared_strings,
            data_only=False,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )


def register_style(book: Any, array: Any) -> int:
    """Give a style array its number in the workbook's cell formats (``cellXfs``) now, as
    writing a cell with it would; returns that number."""
    return int(book._cell_styles.add(array))


def register_differential_style(book: Any, dxf: Any) -> int:
    """Give a conditional format's style its number (``dxfId``) now, as writing the rule would."""
    return int(book._differential_styles.add(dxf))


def style_number(book: Any, array: Any) -> int | None:
    """The number a style array has in the workbook's cell formats, or None when it has none
    (without numbering it)."""
    return int(book._cell_styles.index(array)) if array in book._cell_styles else None


def style_of(cell: Any) -> Any:
    """A cell's style array."""
    return cell._style


def style_count(book: Any) -> int:
    """How many cell formats the workbook has numbered so far."""
    return len(book._cell_styles)


class _MemoryWriter(ExcelWriter):  # type: ignore[misc]
    """openpyxl's package writer keeping each sheet's XML in memory instead of a temporary
    file (``ExcelWriter.write_worksheet`` of openpyxl 3.1.5, otherwise unchanged)."""

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        out = io.BytesIO()
        writer = WorksheetWriter(ws, out=out)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], out.getvalue())
        self.manifest.append(ws)


def save(book: Any) -> bytes:
    """The workbook as a zip, with the document times the book carries (``Workbook.save``
    would stamp the current time) and no temporary files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        _MemoryWriter(book, archive).write_data()
    return buffer.getvalue()


def drop_conditional_format(ws: Any, rule_range: Any) -> None:
    """Remove the conditional-formatting rules of one range (openpyxl has no public call)."""
    del ws.conditional_formatting._cf_rules[rule_range]


# -- reading a returned file's data sheets faster ---------------------------------------------

_VALUE = openpyxl_reader.VALUE_TAG
_FORMULA = openpyxl_reader.FORMULA_TAG
_INLINE = openpyxl_reader.INLINE_STRING
_ROW = openpyxl_reader.ROW_TAG
_TEXT = f"{{{SHEET_MAIN_NS}}}t"


class FastSheetParser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's worksheet parser on the C XML parser: the same rows and cells, faster.

    openpyxl parses a sheet through defusedxml, whose pure-Python handlers cost most of reading
    a submission. The reader only parses a part after the intake has checked every part of the
    package (no DTD or entity declaration, no zip bomb), so the standard library's C parser is
    safe here. Cells come out exactly as ``WorkSheetParser.parse_cell`` gives them
    (``tests/test_reader_fast.py`` compares the two on our own, Excel- and LibreOffice-saved
    workbooks); the rest of the sheet (protection, properties, formatting) goes through
    openpyxl's own handlers, so what openpyxl refuses is refused here too.
    """

    def parse(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """openpyxl's ``parse``, element for element, on ``xml.etree``'s C iterparse."""
        r = openpyxl_reader
        dispatcher = {
            r.COL_TAG: self.parse_column_dimensions,
            r.PROT_TAG: self.parse_sheet_protection,
            r.EXT_TAG: self.parse_extensions,
            r.CF_TAG: self.parse_formatting,
            r.LEGACY_TAG: self.parse_legacy,
            r.ROW_BREAK_TAG: self.parse_row_breaks,
            r.COL_BREAK_TAG: self.parse_col_breaks,
            r.CUSTOM_VIEWS_TAG: self.parse_custom_views,
        }
        properties = {
            r.PRINT_TAG: ("print_options", r.PrintOptions),
            r.MARGINS_TAG: ("page_margins", r.PageMargins),
            r.PAGE_TAG: ("page_setup", r.PrintPageSetup),
            r.HEADER_TAG: ("HeaderFooter", r.HeaderFooter),
            r.FILTER_TAG: ("auto_filter", r.AutoFilter),
            r.VALIDATION_TAG: ("data_validations", r.DataValidationList),
            r.PROPERTIES_TAG: ("sheet_properties", r.WorksheetProperties),
            r.VIEWS_TAG: ("views", r.SheetViewList),
            r.FORMAT_TAG: ("sheet_format", r.SheetFormatProperties),
            r.SCENARIOS_TAG: ("scenarios", r.ScenarioList),
            r.TABLE_TAG: ("tables", r.TablePartList),
            r.HYPERLINK_TAG: ("hyperlinks", r.HyperlinkList),
            r.MERGE_TAG: ("merged_cells", r.MergeCells),
        }
        for _, element in iterparse(self.source):
            tag = element.tag
            if tag in dispatcher:
                dispatcher[tag](element)
                element.clear()
            elif tag in properties:
                name, kind = properties[tag]
                setattr(self, name, kind.from_tree(element))
                element.clear()
            elif tag == _ROW:
                row = self.parse_row(element)
                element.clear()
                yield row

    def parse_cell(self, element: Any) -> dict[str, Any]:
        """openpyxl's ``parse_cell`` with the cell's children looked at once."""
        data_type = element.get("t", "n")
        coordinate = element.get("r")
        style_id = element.get("s", 0)
        if style_id:
            style_id = int(style_id)
        value_element = formula = inline = None
        for child in element:
            tag = child.tag
            if tag == _VALUE:
                value_element = child if value_element is None else value_element
            elif tag == _FORMULA:
                formula = child if formula is None else formula
            elif tag == _INLINE:
                inline = child if inline is None else inline
        value: Any = None
        if data_type != "inlineStr" and value_element is not None:
            value = value_element.text or None
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        if not self.data_only and formula is not None:
            data_type = "f"
            value = self.parse_formula(element)
        elif value is not None:
            if data_type == "n":
                value = openpyxl_reader._cast_number(value)
                if style_id in self.date_formats:
                    data_type = "d"
                    try:
                        value = from_excel(
                            value, self.epoch, timedelta=style_id in self.timedelta_formats
                        )
                    except (OverflowError, ValueError):
                        warn(
                            f"Cell {coordinate} is marked as a date but the serial value "
                            f"{value} is outside the limits for dates. The cell will be treated "
                            "as an error.",
                            stacklevel=2,
                        )
                        data_type = "e"
                        value = "#VALUE!"
            elif data_type == "s":
                value = self.shared_strings[int(value)]
            elif data_type == "b":
                value = bool(int(value))
            elif data_type == "str":
                data_type = "s"
            elif data_type == "d":
                value = from_ISO8601(value)
        elif data_type == "inlineStr" and inline is not None:
            data_type = "s"
            value = self._inline(inline)
        return {
            "row": row,
            "column": column,
            "value": value,
            "data_type": data_type,
            "style_id": style_id,
        }

    def _inline(self, inline: Any) -> Any:
        """An inline string's text; the usual ``<is><t>..</t></is>`` read directly."""
        if not self.rich_text and not inline.attrib and len(inline) == 1 and inline[0].tag == _TEXT:
            return inline[0].text or ""  # Text.from_tree(...).content: "" for an empty <t/>
        if self.rich_text:
            return openpyxl_reader.parse_richtext_string(inline)
        return Text.from_tree(inline).content


@contextmanager
def fast_sheet_parser(book: Any, ws: Any, *, data_only: bool = False) -> Iterator[FastSheetParser]:
    """:func:`sheet_parser` with :class:`FastSheetParser`: the same rows, cells and protection
    (``data_only``: a formula's cell as the value last calculated, as openpyxl's option)."""
    with ws._get_source() as source:
        yield FastSheetParser(
            source,
            ws._shared_strings,
            data_only=data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )


def cell_parser(
    shared_strings: Any,
    *,
    date_formats: Any,
    timedelta_formats: Any,
    epoch: Any,
) -> FastSheetParser:
    """openpyxl's ``parse_cell`` for cells taken one at a time from one sheet (its state, the
    shared formulas met so far, is the sheet's): a parser without a source."""
    return FastSheetParser(
        None,
        shared_strings,
        data_only=False,
        epoch=epoch,
        date_formats=date_formats,
        timedelta_formats=timedelta_formats,
    )


def local_name(tag: Any) -> str:
    """An element's tag without its namespace ("" for a comment or processing instruction)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
