"""The reader's sheet parser on the C XML parser gives exactly what openpyxl's own parser gives.

``xlsx.FastSheetParser`` replaces openpyxl's defusedxml-driven parse of the data sheets. These
tests run both over every sheet of our own issued workbook, of an edited submission, of a copy
saved the way Excel saves (shared strings), of a LibreOffice-saved copy (slow suite) and of a
sheet written by hand with every kind of cell, and compare every row and cell, the sheet
protection and the whole ``read_submission`` result.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from party_workbooks import issued
from test_feedback import submission  # noqa: F401  (fixture)
from test_feedback_fast import excel_saved

from pipeline.core.config import Config
from pipeline.core.layout import monitor_hash, plan
from pipeline.state.database import State
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


def _assert_same_read(data: bytes, config: Config) -> None:
    fast = read_submission(Path("werkmap.xlsx"), config, data=data)
    plain = read_submission(Path("werkmap.xlsx"), config, data=data, plain=True)
    assert fast.findings == plain.findings
    assert (fast.submission is None) == (plain.submission is None)
    if fast.submission is None or plain.submission is None:
        return
    assert list(fast.submission.sheets) == list(plain.submission.sheets)
    for name, sheet in plain.submission.sheets.items():
        other = fast.submission.sheets[name]
        assert other.values.equals(sheet.values), name
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
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    saved = (tmp_path / "out" / "werkmap.xlsx").read_bytes()
    assert b"sharedStrings" in saved
    _assert_same_parse(saved)
    _assert_same_read(saved, config)
