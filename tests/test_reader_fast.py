"""The reader's fast paths give exactly what openpyxl's own reading gives.

``read_submission`` reads a submission from its parts (``cells.SheetCells``, no openpyxl
load), and with openpyxl only when that reading is unsure; ``xlsx.FastSheetParser`` (openpyxl's
parser on the C XML parser) replaces openpyxl's defusedxml-driven parse within openpyxl's
reading. These tests run them over every sheet of our own issued workbook, of an edited
submission, of a copy saved the way Excel saves (shared strings), of a LibreOffice-saved copy
(slow suite), of files the fast reading leaves to openpyxl and of hostile files, and compare
every row and cell, the sheet protection and the whole ``read_submission`` result with
openpyxl's plain reading (``plain=True``). ``tests/test_cells.py`` compares the cells alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from party_workbooks import issued
from soffice import convert
from test_feedback import submission  # noqa: F401  (fixture)
from test_feedback_fast import excel_saved

from pipeline.core.config import Config
from pipeline.core.layout import SHEET_MONITOR, SHEET_NEW, SHEET_OWN, monitor_hash, plan
from pipeline.core.submission import ReadResult
from pipeline.state.database import State
from pipeline.workbook import package, reader
from pipeline.workbook.party import build_party_workbook
from pipeline.workbook.reader import read_submission
from pipeline.workbook.xlsx import FastSheetParser, fast_sheet_parser, sheet_parser

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _plain_value(value: Any) -> Any:
    """A cell value made comparable: formula objects by what they hold."""
    if hasattr(value, "ref") and hasattr(value, "text"):  # ArrayFormula
        return ("array", value.ref, value.text)
    if type(value).__name__ == "DataTableFormula":
        return ("table", dict(value))
    return (type(value).__name__, value)


def _rows(parser: Any) -> list[Any]:
    return [
        (number, [{**c, "value": _plain_value(c["value"])} for c in cells])
        for number, cells in parser.parse()
    ]


def parsed(data: bytes, fast: bool) -> dict[str, Any]:
    """Every sheet's rows and cells, protection and properties, by one parser or the other."""
    out: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, keep_links=False)
        for name in book.sheetnames:
            with (fast_sheet_parser if fast else sheet_parser)(book, book[name]) as parser:
                out[name] = (
                    _rows(parser),
                    getattr(parser, "protection", None),
                    parser.sheet_properties if hasattr(parser, "sheet_properties") else None,
                    parser.data_validations if hasattr(parser, "data_validations") else None,
                    len(parser.formatting),
                )
        book.close()
    return out


def _assert_same_parse(data: bytes) -> None:
    fast, plain = parsed(data, True), parsed(data, False)
    assert list(fast) == list(plain)
    for name in plain:
        assert fast[name] == plain[name], name


def _assert_same_read(data: bytes, config: Config, *, answered: bool = True) -> None:
    """``read_submission`` gives what openpyxl's reading gives; ``answered``: from the file's
    parts (``reader._read_fast``), not by falling back to openpyxl."""
    digest = hashlib.sha256(data).hexdigest()
    direct = reader._read_fast(data, "werkmap.xlsx", digest, config, None)
    assert (direct is not None) == answered
    fast = read_submission(Path("werkmap.xlsx"), config, data=data)
    plain = read_submission(Path("werkmap.xlsx"), config, data=data, plain=True)
    assert_same_result(fast, plain)
    if direct is not None:
        assert_same_result(direct, plain)


def assert_same_result(fast: ReadResult, plain: ReadResult) -> None:
    """Two readings of one file agree in every finding, value (and its type) and flag."""
    assert (fast.file_name, fast.sha256, fast.findings) == (
        plain.file_name,
        plain.sha256,
        plain.findings,
    )
    assert (fast.submission is None) == (plain.submission is None)
    if fast.submission is None or plain.submission is None:
        return
    a, b = fast.submission, plain.submission
    assert (a.file_name, a.sha256, a.layout, a.has_macros) == (
        b.file_name,
        b.sha256,
        b.layout,
        b.has_macros,
    )
    assert list(a.sheets) == list(b.sheets)
    for name, sheet in b.sheets.items():
        other = a.sheets[name]
        assert other.layout == sheet.layout
        assert other.values.equals(sheet.values), name
        assert list(other.values.index) == list(sheet.values.index)
        assert [list(map(type, r)) for r in other.values.itertuples()] == [
            list(map(type, r)) for r in sheet.values.itertuples()
        ]
        assert (other.header, other.formulas, other.protected, other.cut_off) == (
            sheet.header,
            sheet.formulas,
            sheet.protected,
            sheet.cut_off,
        )


def test_our_issued_workbook_parses_the_same(config: Config, state: State) -> None:
    _, data = issued(config, state)
    _assert_same_parse(data)
    _assert_same_read(data, config)


def test_an_edited_submission_parses_the_same(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    _assert_same_parse(submission)
    _assert_same_read(submission, config)


def test_an_excel_saved_copy_with_shared_strings_parses_the_same(
    config: Config, state: State
) -> None:
    region, monitor = state.region(), state.monitor(config.round)
    layout = plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        region.party("P010"),
        issued_at="2026-10-01T09:00:00+00:00",
        new_rows=config.new_project_rows,
        base_hash=monitor_hash(monitor),
    )
    saved = excel_saved(build_party_workbook(layout, config, region, monitor).data)
    assert b"sharedStrings" in saved
    _assert_same_parse(saved)
    _assert_same_read(saved, config)


def _sheet(rows: str, tail: str = "") -> bytes:
    return f'<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData>{tail}</worksheet>'.encode()


AWKWARD = _sheet(
    '<row r="1">'
    '<c r="A1" t="s"><v>1</v></c>'  # shared string
    '<c r="B1" t="inlineStr"><is><t>plain</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t/></is></c>'  # empty inline string
    '<c r="D1" t="inlineStr"><is><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r></is></c>'
    '<c r="E1" t="inlineStr"><is><t xml:space="preserve">  spaced  </t></is></c>'
    '<c r="F1" t="inlineStr"><is><t>one</t><rPh sb="0" eb="1"><t>x</t></rPh></is></c>'
    '<c r="G1" t="inlineStr"></c>'  # no <is>
    '<c r="H1" t="b"><v>1</v></c>'
    '<c r="I1" t="e"><v>#N/A</v></c>'
    '<c r="J1" t="str"><v>text result</v></c>'
    '<c r="K1" t="d"><v>2026-03-31T00:00:00</v></c>'
    '<c r="L1" s="1"><v>46000</v></c>'  # date style
    '<c r="M1" s="2"><v>0.5</v></c>'  # time delta style
    '<c r="N1"><v>12</v></c>'
    '<c r="O1"><v>12.50</v></c>'
    '<c r="P1"><v>1E3</v></c>'
    '<c r="Q1"><v></v></c>'
    '<c r="R1" s="1"><v>99999999</v></c>'  # a date out of range: an error value
    "</row>"
    '<row r="2">'
    '<c r="A2"><f>SUM(B2:C2)</f><v>3</v></c>'
    '<c r="B2"><f t="shared" ref="B2:B4" si="0">A2*2</f><v>6</v></c>'
    '<c r="C2"><f t="array" ref="C2:C3">A2:A3*2</f><v>1</v></c>'
    '<c r="D2"><f t="dataTable" ref="D2:D3" dt2D="0" dtr="0" r1="A1"/><v>1</v></c>'
    '<c r="E2"><f/><v>5</v></c>'
    "</row>"
    '<row r="3"><c r="B3"><f t="shared" si="0"/><v>1</v></c></row>'
    '<row><c><v>7</v></c><c t="inlineStr"><is><t>no refs</t></is></c></row>'
    '<row r="9" spans="1:2" ht="30" customHeight="1"><c r="B9"><v>1</v></c></row>',
    '<sheetProtection sheet="1" formatCells="0"/>'
    '<dataValidations count="1"><dataValidation type="list" sqref="A1"><formula1>"a,b"</formula1>'
    "</dataValidation></dataValidations>",
)


@pytest.mark.parametrize("rich_text", [False, True])
def test_every_kind_of_cell_parses_the_same(rich_text: bool) -> None:
    def run(kind: type[Any]) -> tuple[list[Any], Any, Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parser = kind(
                io.BytesIO(AWKWARD),
                ["zero", "one"],
                date_formats={1, 2},
                timedelta_formats={2},
                rich_text=rich_text,
            )
            rows = [
                (n, [{**c, "value": _plain_value(c["value"])} for c in cells])
                for n, cells in parser.parse()
            ]
        return rows, parser.protection, parser.data_validations

    fast, plain = run(FastSheetParser), run(openpyxl.worksheet._reader.WorkSheetParser)
    assert fast == plain
    values = {c["column"]: c["value"] for c in fast[0][0][1]}
    assert values[2] == ("str", "plain") and values[3] == ("str", "")
    assert values[12][0] == "datetime" and values[18] == ("str", "#VALUE!")
    assert fast[0][1][1][1]["data_type"] == "f"


def test_a_damaged_sheet_fails_as_with_openpyxl() -> None:
    broken = _sheet('<row r="1"><c r="A1"><v>1</v></c>', "")  # not well-formed
    for kind in (FastSheetParser, openpyxl.worksheet._reader.WorkSheetParser):
        with pytest.raises(Exception) as caught:
            list(kind(io.BytesIO(broken), []).parse())
        assert "mismatched tag" in str(caught.value) or "ParseError" in type(caught.value).__name__


def test_dates_come_back_as_datetimes() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # R1 is out of range for a date
        rows = list(FastSheetParser(io.BytesIO(AWKWARD), ["a", "b"], date_formats={1}).parse())
    assert rows[0][1][11]["value"] == dt.datetime(2025, 12, 9)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_libreoffice_saved_copy_parses_the_same(
    submission: bytes,  # noqa: F811
    config: Config,
    tmp_path: Path,
) -> None:
    source = tmp_path / "in" / "werkmap.xlsx"
    source.parent.mkdir()
    source.write_bytes(submission)
    convert([source], tmp_path / "out", tmp_path / "profile")
    saved = (tmp_path / "out" / "werkmap.xlsx").read_bytes()
    assert b"sharedStrings" in saved
    _assert_same_parse(saved)
    _assert_same_read(saved, config)


def _with_part(data: bytes, part_of: str, change: Any) -> bytes:
    """The package with the part of sheet ``part_of`` changed (``change(entry) -> Entry``)."""
    members = {e.name: e for e in package.entries(data)}
    part = package.sheet_part(members, part_of)
    assert part is not None
    members[part] = change(members[part])
    return package.write(members.values())


def _rewritten(data: bytes, sheet: str, rewrite: Any) -> bytes:
    def change(entry: package.Entry) -> package.Entry:
        return package.deflated(entry.name, rewrite(entry.content()))

    return _with_part(data, sheet, change)


def test_a_sheet_in_a_form_the_fast_reading_does_not_know_is_read_by_openpyxl(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    """Attributes in another order (as some writers put them): the fast reading is unsure, so
    the file is read the plain way, with the same result."""
    reordered = _rewritten(
        submission,
        SHEET_OWN,
        lambda xml: re.sub(
            rb'<c r="([A-Z]+[0-9]+)" s="([0-9]+)" t="([a-zA-Z]+)"', rb'<c r="\1" t="\3" s="\2"', xml
        ),
    )
    assert reordered != submission
    _assert_same_read(reordered, config, answered=False)
    result = read_submission(Path("werkmap.xlsx"), config, data=reordered)
    assert result.submission is not None


def test_a_file_that_is_not_a_submission_is_answered_by_openpyxls_reading(
    config: Config, state: State
) -> None:
    _, data = issued(config, state)
    without_meta = _rewritten(data, "planmonitor", lambda xml: xml.replace(b'"columns"', b'"x"'))
    for other in (without_meta, data[: len(data) // 2], b"", b"a;b\n"):
        fast = read_submission(Path("werkmap.xlsx"), config, data=other)
        plain = read_submission(Path("werkmap.xlsx"), config, data=other, plain=True)
        assert_same_result(fast, plain)
        assert fast.submission is None


def test_a_doctype_in_a_part_never_read_still_refuses_the_file(
    config: Config, state: State
) -> None:
    _, data = issued(config, state)
    hostile = _rewritten(
        data,
        SHEET_MONITOR,
        lambda xml: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + xml,
    )
    _assert_same_read(hostile, config, answered=False)
    result = read_submission(Path("werkmap.xlsx"), config, data=hostile)
    assert [f.code for f in result.findings] == ["unsafe-workbook"]


def test_a_region_sheet_that_lies_about_its_size_still_refuses_the_file(
    config: Config, state: State
) -> None:
    _, data = issued(config, state)

    def bomb(entry: package.Entry) -> package.Entry:
        inflated = package.deflated(
            entry.name, b"<worksheet>" + b" " * 20_000_000 + b"</worksheet>"
        )
        return package.Entry(entry.name, inflated.compressed, inflated.crc, 1_000)

    hostile = _with_part(data, SHEET_MONITOR, bomb)
    _assert_same_read(hostile, config, answered=False)
    result = read_submission(Path("werkmap.xlsx"), config, data=hostile)
    assert [f.code for f in result.findings] == ["unsafe-workbook"]


def test_damage_where_the_fast_reading_never_looks_does_not_stop_it(
    config: Config, state: State
) -> None:
    """The region sheet is read by no one: a wrong checksum there leaves the party's own
    sheets as they are. The fast reading reads them; only openpyxl's reading, which inflates
    every part, calls the file damaged (the one way the two differ, by design)."""
    _, data = issued(config, state)

    def damaged(entry: package.Entry) -> package.Entry:
        return package.Entry(entry.name, entry.compressed, entry.crc ^ 1, entry.size)

    broken = _with_part(data, SHEET_MONITOR, damaged)
    fast = read_submission(Path("werkmap.xlsx"), config, data=broken)
    plain = read_submission(Path("werkmap.xlsx"), config, data=broken, plain=True)
    assert [f.code for f in plain.findings] == ["damaged-workbook"]
    assert fast.submission is not None
    same = read_submission(Path("werkmap.xlsx"), config, data=data)
    assert same.submission is not None
    for name, sheet in same.submission.sheets.items():
        assert fast.submission.sheets[name].values.equals(sheet.values)


def test_a_flood_of_pasted_rows_is_cut_off_as_by_openpyxl(config: Config, state: State) -> None:
    _, data = issued(config, state)
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Plan %d</t></is></c></row>' % (r, r, r)
        for r in range(200, 200 + config.max_new_projects + 50)
    )
    flooded = _rewritten(
        data, SHEET_NEW, lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>")
    )
    _assert_same_read(flooded, config)
    result = read_submission(Path("werkmap.xlsx"), config, data=flooded)
    assert result.submission is not None
    assert result.submission.sheets[SHEET_NEW].cut_off is not None


def test_a_sheet_stored_as_one_read_before_is_not_parsed_again(
    config: Config, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parties send the agreements and new-project sheets back as issued: the second time the
    same stored bytes come, their rows are taken from the first reading, with the same result
    (a pasted flood cut off at the same row, protection as openpyxl sees it there)."""
    _, data = issued(config, state)
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Plan %d</t></is></c></row>' % (r, r, r)
        for r in range(200, 200 + config.max_new_projects + 50)
    )
    flooded = _rewritten(
        data, SHEET_NEW, lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>")
    )
    parsed: list[bytes] = []
    real = reader.SheetCells

    def counted(xml: bytes, *args: Any, **kwargs: Any) -> Any:
        parsed.append(xml)
        return real(xml, *args, **kwargs)

    monkeypatch.setattr(reader, "SheetCells", counted)
    for workbook, again in ((data, 1), (flooded, 2)):  # the metadata (and the cut-off sheet)
        reader._PARSED.clear()
        parsed.clear()
        read_submission(Path("werkmap.xlsx"), config, data=workbook)
        first = len(parsed)
        assert first == 4
        read_submission(Path("werkmap.xlsx"), config, data=workbook)
        assert len(parsed) - first == again
        _assert_same_read(workbook, config)
    saved = excel_saved(data)  # shared strings: the values are the file's own, nothing kept
    reader._PARSED.clear()
    _assert_same_read(saved, config)
    assert not reader._PARSED


def test_a_flood_of_empty_rows_is_read_the_same_and_not_kept(config: Config, state: State) -> None:
    _, data = issued(config, state)
    rows = b"".join(b'<row r="%d"><c r="A%d" s="1"/></row>' % (r, r) for r in range(200, 20_200))
    flooded = _rewritten(
        data, SHEET_NEW, lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>")
    )
    reader._PARSED.clear()
    for _ in range(2):  # parsed, then taken from the first reading
        _assert_same_read(flooded, config)
    assert all(len(known.rows) < 1_000 for known in reader._PARSED.values())
