"""``cells.SheetCells`` reads a sheet's cells exactly as openpyxl's parser does, or is unsure.

The oracle is openpyxl's own ``WorkSheetParser`` (defusedxml, element by element). Every row
number, column, value (with its type) and data type is compared, and the sheet protection; the
cells that hold nothing (value None) are left out on both sides, as ``SheetCells`` does not
yield self-closing cells. Sources: a sheet written by hand with every kind of cell, every sheet
of our own issued workbook, of an edited submission and of an Excel-style copy with shared
strings, and every worksheet of the robustness corpus (data we did not make), where the reading
must either equal openpyxl's or refuse with ``Unsure`` (or an error: the reader then reads the
file with openpyxl).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import CORPUS
from openpyxl.utils.datetime import CALENDAR_MAC_1904 as MAC_EPOCH
from openpyxl.worksheet._reader import WorkSheetParser
from party_workbooks import issued
from test_feedback import submission  # noqa: F401  (fixture)
from test_feedback_fast import excel_saved
from test_reader_fast import AWKWARD, NS

from pipeline.core.config import Config
from pipeline.state.database import State
from pipeline.workbook.cells import SheetCells, Unsure, date_styles
from pipeline.workbook.hand_in import Parts
from pipeline.workbook.intake import Package, sniff

DATES, TIMEDELTAS = {1, 2}, {2}


def _plain(value: Any) -> Any:
    if hasattr(value, "ref") and hasattr(value, "text"):  # ArrayFormula
        return ("array", value.ref, value.text)
    if type(value).__name__ == "DataTableFormula":
        return ("table", dict(value))
    return (type(value).__name__, value)


WIDTH = 64  # the columns compared (more than any sheet here uses, but the corpus's widest)


def openpyxl_read(
    xml: bytes, strings: Any, stop: int | None = None, width: int = WIDTH, **formats: Any
) -> Any:
    """Rows as ``SheetCells.rows`` gives them, by openpyxl's parser: (number, the values of
    columns 1 to ``width``, the formula columns), and the protection."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser = WorkSheetParser(io.BytesIO(xml), strings, **formats)
        rows = []
        for number, cells in parser.parse():
            values: list[Any] = [None] * width
            formulas = []
            for c in cells:
                if c["column"] <= width:
                    values[c["column"] - 1] = c["value"]
                    if c["data_type"] == "f":
                        formulas.append(c["column"])
            rows.append((number, [_plain(v) for v in values], formulas))
            if stop is not None and len(rows) == stop:
                break
    protection = getattr(parser, "protection", None)
    return rows, bool(protection is not None and protection.sheet)


def our_read(
    xml: bytes, strings: Any, stop: int | None = None, width: int = WIDTH, **formats: Any
) -> Any:
    sheet = SheetCells(xml, strings, **formats)
    rows = []
    for number, values, formulas in sheet.rows(width):
        rows.append((number, [_plain(v) for v in values], formulas))
        if stop is not None and len(rows) == stop:
            break
    return rows, sheet.protected


def openpyxl_cells(xml: bytes, strings: Any, **formats: Any) -> list[tuple[Any, ...]]:
    """Every cell as ``SheetCells.cells`` gives it, by openpyxl's parser: row, column, value,
    data type and style."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser = WorkSheetParser(io.BytesIO(xml), strings, **formats)
        return [
            (c["row"], c["column"], _plain(c["value"]), c["data_type"], int(c["style_id"] or 0))
            for _, cells in parser.parse()
            for c in cells
        ]


def our_cells(xml: bytes, strings: Any, **formats: Any) -> list[tuple[Any, ...]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = SheetCells(xml, strings, **formats).cells()
        return [(r, c, _plain(v), t, s) for r, c, v, t, s in found]


def _same(xml: bytes, strings: Any = (), stop: int | None = None, **formats: Any) -> None:
    for width in (WIDTH, 3):
        assert our_read(xml, list(strings), stop, width, **formats) == openpyxl_read(
            xml, list(strings), stop, width, **formats
        )
    assert our_cells(xml, list(strings), **formats) == openpyxl_cells(xml, list(strings), **formats)


def _sheet(rows: str, tail: str = "", head: str = "") -> bytes:
    return f'<worksheet xmlns="{NS}">{head}<sheetData>{rows}</sheetData>{tail}</worksheet>'.encode()


# AWKWARD without its row of cells without references (which this reading leaves to openpyxl)
KNOWN = AWKWARD.replace(
    b'<row><c><v>7</v></c><c t="inlineStr"><is><t>no refs</t></is></c></row>', b""
)


def test_every_kind_of_cell_reads_as_with_openpyxl() -> None:
    assert KNOWN != AWKWARD
    formats = {"date_formats": DATES, "timedelta_formats": TIMEDELTAS}
    _same(KNOWN, ["zero", "one"], **formats)
    rows, protected = our_read(KNOWN, ["zero", "one"], **formats)
    values = rows[0][1]
    assert values[0] == ("str", "one") and values[3] == ("str", "rich text")
    assert values[11][0] == "datetime" and values[12][0] == "timedelta"
    assert values[17] == ("str", "#VALUE!") and values[18] == ("NoneType", None)
    assert rows[1][2] == [1, 2, 3, 4, 5]
    assert protected


def test_text_with_entities_line_ends_and_spaces_reads_as_with_openpyxl() -> None:
    _same(
        _sheet(
            '<row r="3">'
            '<c r="A3" t="inlineStr"><is><t>a &amp; b &lt;c&gt; &#233;&#x20AC;</t></is></c>'
            '<c r="B3" t="inlineStr"><is><t>one\r\ntwo\rthree</t></is></c>'
            '<c r="C3" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>'
            '<c r="D3" t="str"><v>&quot;q&quot;</v></c>'
            '<c r="E3" t="inlineStr"><is><t>Eén ë ß 日本</t></is></c>'
            '<c r="F3"><v> 12 </v></c>'
            '<c r="G3"><v>-1.5E-3</v></c>'
            '<c r="H3" t="b"><v>0</v></c>'
            '<c r="I3" t="e"><v>#DIV/0!</v></c>'
            '<c r="J3" t="s"><v>0</v></c>'
            '<c r="K3" t="inlineStr"><v>ignored</v></c>'
            '<c r="L3" t="n"><is><t>ignored</t></is></c>'
            '<c r="M3" t="x"><v>unknown type</v></c>'
            '<c r="N3" s="0"><v>3</v></c>'
            "</row>"
        ),
        ["shared"],
    )


def test_dates_follow_the_style_also_without_one() -> None:
    """openpyxl takes a cell without ``s`` as style 0: a date when format 0 is a date."""
    xml = _sheet('<row r="1"><c r="A1"><v>45000</v></c><c r="B1" s="1"><v>45000.5</v></c></row>')
    _same(xml, date_formats={0}, timedelta_formats=set())
    _same(xml, date_formats={1}, timedelta_formats={1})
    rows, _ = our_read(xml, [], date_formats={0})
    assert rows[0][1][0][0] == "datetime"


def test_rows_without_a_number_follow_the_one_before() -> None:
    _same(
        _sheet(
            '<row r="4"><c r="A4"><v>1</v></c></row><row><c r="A5"><v>2</v></c></row>'
            '<row spans="1:2"><c r="B6"><v>3</v></c></row><row r="9"/><row/>'
            '<row r="12" spans="1:3" ht="20" customHeight="1"><c r="C12"><v>4</v></c></row>'
        )
    )


def test_stopping_in_the_rows_sees_only_the_protection_before_them() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>'
    after = _sheet(rows, '<sheetProtection sheet="1"/>')
    before = _sheet(rows, head='<sheetProtection sheet="1"/>')
    off = _sheet(rows, '<sheetProtection sheet="0" objects="1"/>')
    for xml in (after, before, off):
        for stop in (None, 1, 2):
            _same(xml, stop=stop)
    assert our_read(after, [], None)[1] and not our_read(after, [], 1)[1]
    assert our_read(before, [], 1)[1]


@pytest.mark.parametrize(
    "xml",
    [
        AWKWARD,  # cells without a reference
        _sheet('<row r="1"><c r="A1" t="s" s="1"><v>0</v></c></row>'),  # another order
        _sheet('<row r="1"><c r="A1" s="1" t="n" cm="1"><v>0</v></c></row>'),  # more
        _sheet("<row r='1'><c r='A1'><v>0</v></c></row>"),  # single quotes
        _sheet('<row r="1"><c\nr="A1"><v>0</v></c></row>'),
        _sheet('<row r="1"><!-- <c r="A1"><v>0</v></c> --></row>'),
        _sheet('<row r="1"><c r="A1"><v><![CDATA[1]]></v></c></row>'),
        _sheet('<row r="1"><?pi x?><c r="A1"><v>1</v></c></row>'),
        _sheet('<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>'),  # order
        _sheet('<row r="1"><c r="A1"><v>1</v></c><c r="A1"/></row>'),  # twice
        _sheet('<row r="1.0"><c r="A1"><v>1</v></c></row>'),
        _sheet('<row r="2"><c r="A2"><v>1</v></c></row><row r="2"/>'),  # a row twice
        _sheet('<row r="2"/><row r="1"/>'),  # rows out of order
        _sheet('<row spans="1:1" r="1"><c r="A1"><v>1</v></c></row>'),
        _sheet('<c r="A1"><v>1</v></c><row r="1"/>'),  # a cell outside a row
        _sheet('<row r="1" xmlns="urn:other"><c r="A1"><v>1</v></c></row>'),
        _sheet('<row r="1"><sheetProtection sheet="1"/></row>'),
        f'<x:worksheet xmlns:x="{NS}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v>'
        "</x:c></x:row></x:sheetData></x:worksheet>".encode(),
        f'<worksheet xmlns="{NS}" xmlns:x="{NS}"><sheetData><row r="1"><x:c r="A1"><x:v>1'
        "</x:v></x:c></row></sheetData></worksheet>".encode(),
        b'<?xml version="1.0" encoding="ISO-8859-1"?>' + _sheet('<row r="1"/>'),
        _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>\ufffe</t></is></c></row>'),  # no XML
        _sheet('<row r="1" spans="\x01"><c r="A1"><v>1</v></c></row>'),  # no XML either
        _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>\xe9</t></is></c></row>').replace(
            "é".encode(), b"\xe9"
        ),
    ],
)
def test_what_this_reading_is_not_sure_of_it_leaves_to_openpyxl(xml: bytes) -> None:
    with pytest.raises(Unsure):
        list(SheetCells(xml, ["s"]).rows(WIDTH))


def test_a_malformed_cell_fails_as_with_openpyxl() -> None:
    broken = _sheet('<row r="1"><c r="A1"><v>1</f></c></row>')
    with pytest.raises(Exception):  # noqa: B017  (the reader falls back on any error)
        list(SheetCells(broken, []).rows(WIDTH))
    with pytest.raises(Exception):  # noqa: B017
        openpyxl_read(broken, [])


def _sheets_of(data: bytes) -> list[tuple[str, bytes, Any, Any]]:
    """(name, XML, shared strings, formats) of every worksheet, as openpyxl opens them."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, keep_links=False)
        formats = {
            "date_formats": book._date_formats,
            "timedelta_formats": book._timedelta_formats,
            "epoch": book.epoch,
        }
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for ws in book.worksheets:
                out.append(
                    (ws.title, archive.read(ws._worksheet_path), ws._shared_strings, formats)
                )
        book.close()
    return out


def _assert_all_sheets_read_the_same(data: bytes) -> None:
    sheets = _sheets_of(data)
    assert sheets
    for name, xml, strings, formats in sheets:
        assert our_read(xml, strings, **formats) == openpyxl_read(xml, strings, **formats), name
        expected = openpyxl_cells(xml, strings, **formats)
        assert our_cells(xml, strings, **formats) == expected, name


def test_our_issued_workbook_reads_the_same(config: Config, state: State) -> None:
    _assert_all_sheets_read_the_same(issued(config, state)[1])


def test_an_edited_submission_reads_the_same(submission: bytes) -> None:  # noqa: F811
    _assert_all_sheets_read_the_same(submission)


def test_an_excel_saved_copy_reads_the_same(config: Config, state: State) -> None:
    saved = excel_saved(issued(config, state)[1])
    assert b"sharedStrings" in saved
    _assert_all_sheets_read_the_same(saved)


def _styles(data: bytes) -> bytes | None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        return archive.read("xl/styles.xml") if "xl/styles.xml" in names else None


def test_date_styles_are_openpyxls(config: Config, state: State) -> None:
    data = issued(config, state)[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert date_styles(_styles(data)) == (book._date_formats, book._timedelta_formats)
    assert book._date_formats  # the date columns
    assert date_styles(None) == (frozenset(), frozenset())


CORPUS_BOOKS = sorted(CORPUS.rglob("*.xls[xm]")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS_BOOKS, reason="robustness corpus not found")
def test_every_corpus_worksheet_reads_as_with_openpyxl_or_is_left_to_it() -> None:
    compared = unsure = compared_cells = 0
    styled = 0
    for path in CORPUS_BOOKS:
        data = path.read_bytes()
        limits = {"max_file_bytes": 25_000_000, "max_uncompressed_bytes": 300_000_000}
        if not sniff(data, path.name, **limits).readable:
            continue
        try:
            sheets = _sheets_of(data)
        except Exception:  # openpyxl cannot open it: the reader gives damaged-workbook
            continue
        for name, xml, strings, formats in sheets:
            try:
                expected = openpyxl_read(xml, strings, **formats)
            except Exception:  # openpyxl refuses the sheet: so does the reader
                continue
            try:
                ours = our_read(xml, strings, **formats)
            except Exception:  # Unsure, or an error: the reader reads the file with openpyxl
                unsure += 1
                continue
            assert ours == expected, f"{path.relative_to(CORPUS)} {name}"
            compared += 1
            try:
                cells = our_cells(xml, strings, **formats)
            except Unsure:
                continue
            assert cells == openpyxl_cells(xml, strings, **formats), f"{path} {name}"
            compared_cells += 1
        styles = _styles(data)
        if styles is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
                except Exception:  # openpyxl cannot open it
                    continue
            dates, timedeltas = date_styles(styles)
            assert (dates, timedeltas) == (set(book._date_formats), set(book._timedelta_formats))
            styled += 1
    assert compared >= 50 and compared_cells >= 40 and styled >= 20, (
        compared,
        compared_cells,
        unsure,
        styled,
    )


@pytest.mark.skipif(not CORPUS_BOOKS, reason="robustness corpus not found")
def test_the_parts_of_every_corpus_book_are_found_as_by_openpyxl() -> None:
    """Sheet names, the 1904 date system and every shared string, as openpyxl reads them."""
    compared = strings = dated = 0
    for path in CORPUS_BOOKS:
        data = path.read_bytes()
        limits = {"max_file_bytes": 25_000_000, "max_uncompressed_bytes": 300_000_000}
        if not sniff(data, path.name, **limits).readable:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, keep_links=False)
        except Exception:  # openpyxl cannot open it: the reader says damaged
            continue
        try:
            parts = Parts(Package(data, path.name))
        except Exception:  # the reader then reads the file with openpyxl
            continue
        assert [name for name, _, _ in parts.sheets] == book.sheetnames, path
        assert (book.epoch == MAC_EPOCH) == parts.date1904, path
        table = book.worksheets[0]._shared_strings if book.worksheets else []
        for index, text in enumerate(table):
            assert parts.strings[index] == text, (path, index)
            strings += 1
        dated += parts.date1904
        compared += 1
        book.close()
    assert compared >= 60 and strings >= 1_000 and dated >= 3, (compared, strings, dated)


def test_corpus_books_are_found() -> None:
    if CORPUS.is_dir():
        assert len(CORPUS_BOOKS) > 20
    else:
        assert Path(CORPUS).exists() is False
