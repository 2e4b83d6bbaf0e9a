"""Feedback without round-tripping the region sheet: the same workbook as the plain way.

``write_feedback`` sets the read-only *Regiomonitor* sheet aside before openpyxl opens the
submission and puts it back as received. These tests compare that with the plain way (openpyxl
loads and saves everything) on our own workbook, on a copy saved the way Excel saves (strings in
a shared-strings part, in Excel's order) and, in the slow suite, on a copy LibreOffice saved.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from soffice import convert
from test_feedback import findings_for, submission  # noqa: F401  (fixture)

from pipeline.core.config import Config
from pipeline.core.layout import SHEET_MONITOR, SHEET_OWN, monitor_hash, plan
from pipeline.state.database import State
from pipeline.workbook import package
from pipeline.workbook.aside import set_aside_monitor as _set_aside
from pipeline.workbook.feedback import TEXTS, write_feedback
from pipeline.workbook.party import build_party_workbook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def content(data: bytes) -> dict[str, Any]:
    """What a reader sees of every sheet: values, fills, fonts, number formats, protection,
    comments, merged cells, validations, sheet states and the selected sheet."""
    book = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)
    out: dict[str, Any] = {"sheets": book.sheetnames, "active": book.active.title}
    for ws in book.worksheets:
        cells = [
            (
                c.coordinate,
                str(c.value) if c.value is not None else None,
                c.fill.fgColor.rgb,
                c.font.b,
                c.number_format,
                c.protection.locked,
                c.comment.text if c.comment else None,
            )
            for row in ws.iter_rows()
            for c in row
        ]
        out[ws.title] = {
            "cells": cells,
            "state": ws.sheet_state,
            "selected": bool(ws.sheet_view.tabSelected),
            "protected": ws.protection.sheet,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted(str(v.sqref) for v in ws.data_validations.dataValidation),
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
        }
    return out


def monitor_values(data: bytes) -> list[list[Any]]:
    """The region sheet's values as python-calamine reads them."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_name(SHEET_MONITOR).to_python()


def excel_saved(data: bytes) -> bytes:
    """The workbook as Excel stores it: every string in a shared-strings part, numbered in the
    order Excel numbers them (first use, sheet by sheet), and the sheets pointing into it."""
    members = {e.name: e for e in package.entries(data)}
    strings: dict[str, int] = {}
    inline = re.compile(
        r'<c r="([A-Z]+\d+)"( s="\d+")? t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>'
    )

    def shared(found: re.Match[str]) -> str:
        number = strings.setdefault(found.group(3), len(strings))
        return f'<c r="{found.group(1)}"{found.group(2) or ""} t="s"><v>{number}</v></c>'

    for name in sorted(n for n in members if n.startswith("xl/worksheets/sheet")):
        xml = members[name].content().decode("utf-8")
        members[name] = package.deflated(name, inline.sub(shared, xml).encode("utf-8"))
    items = "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in strings)
    sst = f'<sst xmlns="{NS}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    members["xl/sharedStrings.xml"] = package.deflated("xl/sharedStrings.xml", sst.encode())
    rels = members["xl/_rels/workbook.xml.rels"].content().decode()
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    members["xl/_rels/workbook.xml.rels"] = package.deflated(
        "xl/_rels/workbook.xml.rels", rels.encode()
    )
    types = members["[Content_Types].xml"].content().decode()
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    members["[Content_Types].xml"] = package.deflated("[Content_Types].xml", types.encode())
    return package.write(members.values())


def _both_ways(data: bytes, config: Config) -> tuple[bytes, bytes]:
    findings = findings_for(config)
    fast = write_feedback(data, findings, party_name="Partij", round_="2026-H2")
    plain = write_feedback(data, findings, party_name="Partij", round_="2026-H2", set_aside=False)
    return fast, plain


def test_feedback_sets_the_region_sheet_aside_and_gives_the_plain_result(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    assert _set_aside(submission) is not None
    fast, plain = _both_ways(submission, config)
    assert content(fast) == content(plain)
    assert monitor_values(fast) == monitor_values(submission)
    assert content(fast)["active"] == TEXTS["sheet"]


def test_feedback_on_a_workbook_excel_saved_keeps_its_shared_strings(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    saved = excel_saved(submission)
    with zipfile.ZipFile(io.BytesIO(saved)) as archive:
        monitor_xml = archive.read("xl/worksheets/sheet5.xml")
    assert b't="s"' in monitor_xml and b"inlineStr" not in monitor_xml
    assert monitor_values(saved) == monitor_values(submission)  # the copy reads as the original
    fast, plain = _both_ways(saved, config)
    assert content(fast) == content(plain)
    assert monitor_values(fast) == monitor_values(submission)
    with zipfile.ZipFile(io.BytesIO(fast)) as archive:
        assert archive.testzip() is None
        assert "xl/sharedStrings.xml" in archive.namelist()


def test_feedback_on_feedback_keeps_the_region_sheet(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    once, _ = _both_ways(submission, config)
    twice, plain = _both_ways(once, config)
    assert content(twice) == content(plain)
    assert monitor_values(twice) == monitor_values(submission)


def _with_monitor_xml(data: bytes, change: Any) -> bytes:
    members = {e.name: e for e in package.entries(data)}
    part = package.sheet_part(members, SHEET_MONITOR)
    assert part is not None
    xml = change(members[part].content().decode("utf-8"))
    members[part] = package.deflated(part, xml.encode("utf-8"))
    return package.write(members.values())


def test_region_sheet_with_a_formula_goes_through_openpyxl(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    """A party that typed a formula into the region sheet (LibreOffice ignores protection) does
    not get it copied as it is: that sheet is not set aside."""
    hostile = _with_monitor_xml(
        submission, lambda xml: xml.replace("</row>", '<c r="ZZ1"><f>1+1</f><v>2</v></c></row>', 1)
    )
    assert _set_aside(hostile) is None
    fast, plain = _both_ways(hostile, config)
    assert content(fast) == content(plain)


def test_formula_in_a_party_sheet_becomes_its_cached_value_as_the_plain_way_gives_it(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    """A formula the party typed (here a link, as the in-Excel check writes on its sheet) goes
    the plain way; its value is read from the copy with the region sheet set aside, and the
    workbook is the one the whole file through openpyxl gives."""
    members = {e.name: e for e in package.entries(submission)}
    part = package.sheet_part(members, SHEET_OWN)
    assert part is not None
    xml = members[part].content().decode("utf-8")
    link = '<c r="ZZ2" t="str"><f>HYPERLINK("#A1","A1")</f><v>A1</v></c></row>'
    members[part] = package.deflated(part, xml.replace("</row>", link, 1).encode("utf-8"))
    with_formula = package.write(members.values())
    assert _set_aside(with_formula) is not None
    fast, plain = _both_ways(with_formula, config)
    assert content(fast) == content(plain)
    assert monitor_values(fast) == monitor_values(submission)
    own = openpyxl.load_workbook(io.BytesIO(fast))[SHEET_OWN]
    assert own["ZZ2"].value == "A1" and own["ZZ2"].data_type == "s"
    listing = openpyxl.load_workbook(io.BytesIO(fast))[TEXTS["sheet"]]
    texts = " ".join(str(c.value) for row in listing.iter_rows() for c in row if c.value)
    assert "HYPERLINK" in texts


def test_region_sheet_selected_when_saved_is_not_selected_in_the_feedback(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    selected = _with_monitor_xml(
        submission,
        lambda xml: xml.replace(
            '<sheetView workbookViewId="0">', '<sheetView tabSelected="1" workbookViewId="0">', 1
        ),
    )
    fast, plain = _both_ways(selected, config)
    found = content(fast)
    assert found == content(plain)
    assert [n for n in found["sheets"] if found[n]["selected"]] == [TEXTS["sheet"]]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_feedback_on_a_workbook_libreoffice_saved(
    submission: bytes,  # noqa: F811
    config: Config,
    tmp_path: Path,
) -> None:
    source = tmp_path / "in" / "werkmap.xlsx"
    source.parent.mkdir()
    source.write_bytes(submission)
    out = tmp_path / "out"
    convert([source], out, tmp_path / "profile")
    saved = (out / "werkmap.xlsx").read_bytes()
    fast, plain = _both_ways(saved, config)
    assert content(fast) == content(plain)
    assert monitor_values(fast) == monitor_values(saved)
    # and LibreOffice opens the feedback it gets back
    feedback = tmp_path / "fb" / "terugkoppeling.xlsx"
    feedback.parent.mkdir()
    feedback.write_bytes(fast)
    convert([feedback], tmp_path / "csv", tmp_path / "profile", to="csv")
    assert (tmp_path / "csv" / "terugkoppeling.csv").stat().st_size > 0


def test_feedback_on_an_issued_workbook(config: Config, state: State) -> None:
    """Our own workbook as issued: the region sheet that was copied in is put back as it was."""
    region, monitor = state.region(), state.monitor(config.round)
    layout = plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        region.party("P001"),
        issued_at="2026-10-01T09:00:00+00:00",
        new_rows=config.new_project_rows,
        base_hash=monitor_hash(monitor),
    )
    issued = build_party_workbook(layout, config, region, monitor).data
    fast, plain = _both_ways(issued, config)
    assert content(fast) == content(plain)
    assert monitor_values(fast) == monitor_values(issued)
    members = {e.name: e for e in package.entries(issued)}
    back = {e.name: e for e in package.entries(fast)}
    sent, returned = (
        package.sheet_part(members, SHEET_MONITOR),
        package.sheet_part(back, SHEET_MONITOR),
    )
    assert sent is not None and returned is not None
    assert back[returned].compressed == members[sent].compressed
