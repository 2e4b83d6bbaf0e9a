"""Feedback written as XML directly gives the workbook the plain way (openpyxl) gives.

``write_feedback`` writes the list of findings, and the marks in the party's own workbook, as XML
into frames made once per process; ``plain=True`` is the openpyxl way it replaces. Both are read
back with openpyxl and compared value by value and format by format (``described``).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import CORPUS
from openpyxl.comments import Comment
from test_check_fast import _submissions
from test_feedback import findings_for, submission  # noqa: F401  (fixture)
from test_feedback_fast import excel_saved
from test_merge import session  # noqa: F401  (fixture)

from pipeline.core.config import Config
from pipeline.core.findings import Finding, finding
from pipeline.core.layout import SHEET_MONITOR, SHEET_NEW, SHEET_OWN
from pipeline.demo.simulation import MISTAKES
from pipeline.stages.check import check_bytes
from pipeline.stages.session import Session
from pipeline.validation import SHEET_CHECK
from pipeline.workbook import lite, marking, package
from pipeline.workbook.feedback import AUTHOR, ERROR_FILL, STATE_SHEET, TEXTS, write_feedback
from pipeline.workbook.marker import PROPERTY, is_own_feedback

KEY = b"k" * 32


def _font(f: Any) -> tuple[Any, ...]:
    colour = f.color
    return (
        f.name,
        f.b,
        f.i,
        f.u,
        f.strike,
        f.sz,
        f.vertAlign,
        None if colour is None else (colour.type, colour.value, colour.tint),
    )


def _fill(f: Any) -> tuple[Any, ...]:
    if f.tagname != "patternFill":
        return (f.tagname, repr(f))
    return (
        f.patternType,
        (f.fgColor.type, f.fgColor.value, f.fgColor.tint),
        (f.bgColor.type, f.bgColor.value, f.bgColor.tint),
    )


def _border(b: Any) -> tuple[Any, ...]:
    return tuple(
        None if side is None else (side.style, None if side.color is None else side.color.value)
        for side in (b.left, b.right, b.top, b.bottom, b.diagonal)
    )


def _style_name(c: Any) -> str | None:
    """The cell's named style; openpyxl fails on some numberings LibreOffice writes."""
    try:
        return str(c.style)
    except IndexError:
        return None


def _cell(c: Any) -> tuple[Any, ...]:
    a, p = c.alignment, c.protection
    return (
        c.coordinate,
        type(c.value).__name__,
        str(c.value) if c.value is not None else None,
        c.data_type,
        _font(c.font),
        _fill(c.fill),
        _border(c.border),
        (a.horizontal, a.vertical, a.wrap_text, a.indent, a.text_rotation, a.shrink_to_fit),
        (p.locked, p.hidden),
        c.number_format,
        c.quotePrefix,
        _style_name(c),
        None if c.hyperlink is None else (c.hyperlink.location, c.hyperlink.target),
        None if c.comment is None else (c.comment.text, c.comment.author),
    )


def described(data: bytes) -> dict[str, Any]:
    """Everything openpyxl reads of a workbook that a party could see or that planmonitor
    relies on: every cell's value, type and format, every sheet's set-up, the workbook's
    names, protection and custom properties (not the document's times)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)
    out: dict[str, Any] = {
        "sheets": book.sheetnames,
        "active": book.active.title,
        "names": sorted((n, d.attr_text) for n, d in book.defined_names.items()),
        "protection": repr(book.security),
        "custom": sorted((p.name, p.value) for p in book.custom_doc_props),
        "creator": book.properties.creator,
    }
    for ws in book.worksheets:
        setup = ws.page_setup
        out[ws.title] = {
            "cells": [_cell(c) for row in ws.iter_rows() for c in row],
            "state": ws.sheet_state,
            "selected": bool(ws.sheet_view.tabSelected),
            "protection": repr(ws.protection),
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted(
                (str(v.sqref), v.type, v.formula1, v.formula2, v.allow_blank, v.prompt)
                for v in ws.data_validations.dataValidation
            ),
            "formats": sorted(
                (str(r.sqref), rule.type, tuple(rule.formula or ()), rule.dxfId, rule.priority)
                for r in ws.conditional_formatting
                for rule in r.rules
            ),
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "print": (ws.print_title_rows, ws.print_title_cols, ws.print_area),
            "page": (setup.orientation, setup.fitToWidth, setup.fitToHeight, setup.paperSize),
            "fit": ws.sheet_properties.pageSetUpPr.fitToPage
            if ws.sheet_properties.pageSetUpPr
            else None,
            "tab": repr(ws.sheet_properties.tabColor),
            "columns": sorted(
                (k, d.width, d.hidden, d.min, d.max) for k, d in ws.column_dimensions.items()
            ),
            "rows": sorted(
                (k, d.height, d.hidden) for k, d in ws.row_dimensions.items() if d.height
            ),
            "names": sorted((n, d.attr_text) for n, d in ws.defined_names.items()),
        }
    return out


def both(data: bytes, findings: list[Finding], **kw: Any) -> tuple[bytes, bytes]:
    """The feedback written directly and the plain way."""
    args = {"party_name": "Gemeente Bergen & Dal <ook>", "round_": "2026-H2", **kw}
    return (
        write_feedback(data, findings, **args),
        write_feedback(data, findings, plain=True, **args),
    )


# -- a workbook with only the list ----------------------------------------------------------------

UNREADABLE = [
    finding("not-a-workbook", file="export.xlsx", kind="tekst of CSV"),
    finding("value-not-in-list", sheet="Mijn projecten", cell="D6", field="Subregio", value="-x"),
    finding("not-a-number", sheet="Bevindingen", cell="B2", field="=veld", value=-12.5),
    Finding("own", "warning", "+ een bericht dat als formule begint", cell="ZZ", value=True),
]


@pytest.mark.parametrize("signature", [None, ("P001", KEY)])
@pytest.mark.parametrize("findings", [[], UNREADABLE[:1], UNREADABLE], ids=["clean", "1", "4"])
def test_a_list_only_workbook_is_the_plain_one(
    findings: list[Finding], signature: tuple[str, bytes] | None
) -> None:
    fast, plain = both(b"", findings, signature=signature)
    assert described(fast) == described(plain)
    assert described(fast)["sheets"] == [TEXTS["sheet"]]


def test_a_list_only_workbook_is_signed_for_its_party() -> None:
    fast, _ = both(b"", [], signature=("P001", KEY))
    assert described(fast)["custom"][0][0] == PROPERTY
    assert is_own_feedback(fast, "P001", KEY)
    assert not is_own_feedback(fast, "P002", KEY)
    assert not is_own_feedback(fast, "P001", b"x" * 32)


def test_the_list_says_what_each_file_needs(config: Config) -> None:
    """Two files in a row through the same frame: each gets its own party, texts and rows."""
    first, _ = both(b"", UNREADABLE, party_name="A")
    second, _ = both(b"", [], party_name="B")
    one, two = described(first)[TEXTS["sheet"]], described(second)[TEXTS["sheet"]]
    assert "van A," in one["cells"][0][2] and "van B," in two["cells"][0][2]
    assert len(one["cells"]) > len(two["cells"])
    assert one["filter"] == "A6:F10" and two["filter"] is None


# -- the submission marked up -------------------------------------------------------------------


def _direct(data: bytes, findings: list[Finding], **kw: Any) -> bytes:
    """The feedback as written directly; fails when the file would go the plain way."""
    args: dict[str, Any] = {"party_name": "Gemeente Bergen & Dal <ook>", "round_": "2026-H2"}
    try:
        return marking._Marked(data).write(
            findings, **{"script": None, "signature": None, **args, **kw}
        )
    except marking.NotDirect as reason:
        raise AssertionError(f"not direct: {reason}") from None


def _same(data: bytes, findings: list[Finding], **kw: Any) -> bytes:
    """Feedback written directly, checked against the plain way; returns it."""
    direct = _direct(data, findings, **kw)
    fast, plain = both(data, findings, **kw)
    assert described(fast) == described(direct)
    assert described(fast) == described(plain)
    return fast


def test_feedback_on_a_submission_is_the_plain_one(submission: bytes, config: Config) -> None:  # noqa: F811
    """Our own workbook (built by the layout contract) with marks, a text that starts like a
    formula (it gets Excel's text prefix, as sanitise gives it) and findings without a cell."""
    fast = _same(submission, findings_for(config), signature=("P001", KEY))
    found = described(fast)
    assert found["sheets"][0] == TEXTS["sheet"] and found["sheets"][-1] == STATE_SHEET
    own = {c[0]: c for c in found[SHEET_OWN]["cells"]}
    assert own["Q4"][5][1][1] == ERROR_FILL and own["Q4"][13][1] == AUTHOR
    assert own["B5"][10] is True  # quotePrefix: the text stays text
    assert is_own_feedback(fast, "P001", KEY)


def test_feedback_on_every_demo_mistake_is_the_plain_one(session: Session) -> None:  # noqa: F811
    """The demo's parties' hand-ins (each mistake, projects added and withdrawn, another
    party's cell changed), checked, then their feedback both ways; then the party sends the
    feedback back unchanged and gets feedback on the feedback."""
    config, state = session.config, session.state
    key = session.archive.key()
    marked = 0
    for party_id, name, data in _submissions(session):
        report = check_bytes(config, state, data, name, party_id, session.archive)
        if report.validation is None or not report.findings:
            continue
        marked += 1
        kw = {"signature": (party_id, key), "script": report.script}
        fast = _same(data, report.findings, **kw)
        assert is_own_feedback(fast, party_id, key)
        again = _same(fast, report.findings, **kw)
        assert is_own_feedback(again, party_id, key)
        plain_twice = write_feedback(
            write_feedback(data, report.findings, plain=True, **_named(kw)),
            report.findings,
            plain=True,
            **_named(kw),
        )
        assert described(again) == described(plain_twice)
        assert lite.embedded(fast) == lite.embedded(again) == report.script
    assert marked >= len(MISTAKES) - 1  # a mistake may fall on a row left as it was


def _named(kw: dict[str, Any]) -> dict[str, Any]:
    return {"party_name": "Gemeente Bergen & Dal <ook>", "round_": "2026-H2", **kw}


def test_feedback_on_an_excel_saved_workbook_keeps_its_shared_strings(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    saved = excel_saved(submission)
    fast = _same(saved, findings_for(config))
    members = {e.name: e for e in package.entries(fast)}
    assert "xl/sharedStrings.xml" in members
    sent = {e.name: e for e in package.entries(saved)}
    region = package.sheet_part(sent, SHEET_MONITOR)
    assert region is not None and members[region].compressed == sent[region].compressed


def test_feedback_on_feedback_restores_the_party_own_comment(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    """A comment of the party's own at a marked cell is kept in the undo sheet and given back
    when the next feedback no longer marks that cell; cells marked before come back clean."""
    book = openpyxl.load_workbook(io.BytesIO(submission))
    book[SHEET_OWN]["D6"].comment = Comment("Eigen notitie", "Jan")
    book[SHEET_OWN]["E7"].comment = Comment("Nog een", "Piet")
    buffer = io.BytesIO()
    book.save(buffer)
    first_findings = [
        finding("not-a-whole-number", sheet=SHEET_OWN, cell="Q4", field="Totaal", value="veel"),
        finding("value-not-in-list", sheet=SHEET_OWN, cell="D6", field="Subregio", value="x"),
        finding("value-not-in-list", sheet=SHEET_NEW, cell="C3", field="Gemeente", value="x"),
    ]
    first = _same(buffer.getvalue(), first_findings)
    second = _same(
        first, [finding("not-a-number", sheet=SHEET_OWN, cell="G3", field="X", value="oost")]
    )
    own = {c[0]: c for c in described(second)[SHEET_OWN]["cells"]}
    assert own["D6"][13] == ("Eigen notitie", "Jan") and own["E7"][13] == ("Nog een", "Piet")
    assert own["Q4"][13] is None and own["Q4"][5] == own["Q5"][5]
    assert own["G3"][5][1][1] == ERROR_FILL
    third = _same(second, [])  # nothing left to mark: the undo sheet goes, the list stays
    assert STATE_SHEET not in described(third)["sheets"]


def test_a_submission_with_formulas_is_written_directly_as_the_plain_way_writes_it(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    """A party's own formula is replaced by its value and listed, and marked: written
    directly, the workbook the plain way gives."""
    book = openpyxl.load_workbook(io.BytesIO(submission))
    book[SHEET_OWN]["R4"] = "=1+1"
    buffer = io.BytesIO()
    book.save(buffer)
    fast = _same(buffer.getvalue(), findings_for(config))
    listed = [c[2] or "" for c in described(fast)[TEXTS["sheet"]]["cells"]]
    assert any("'=1+1'" in text for text in listed)
    own = {c[0]: c for c in described(fast)[SHEET_OWN]["cells"]}
    assert own["R4"][3] != "f" and own["R4"][13] is not None  # no formula; a comment on it


def test_a_formula_at_a_cell_with_a_finding_is_marked_once(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    """The cell's own finding says enough: no second line for its formula (the plain way)."""
    book = openpyxl.load_workbook(io.BytesIO(submission))
    book[SHEET_OWN]["Q4"] = "=2*3"
    buffer = io.BytesIO()
    book.save(buffer)
    fast = _same(buffer.getvalue(), findings_for(config))
    listed = " ".join(c[2] or "" for c in described(fast)[TEXTS["sheet"]]["cells"])
    assert "2*3" not in listed


def test_a_formula_in_the_undo_sheet_goes_the_plain_way(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    once = _same(submission, findings_for(config))
    book = openpyxl.load_workbook(io.BytesIO(once))
    book[STATE_SHEET]["F1"] = "=1+1"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(AssertionError, match="not direct"):
        _direct(buffer.getvalue(), findings_for(config))
    fast, plain = both(buffer.getvalue(), findings_for(config))
    assert described(fast) == described(plain)


def test_the_in_excel_checks_links_are_taken_out_without_a_word(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    """The in-Excel check writes a link per finding on its own sheet: the copy holds the
    cell's text, and the list says nothing of it. A formula the party typed is listed once,
    with its "=" as the party typed it."""
    book = openpyxl.load_workbook(io.BytesIO(submission))
    if SHEET_CHECK not in book.sheetnames:  # issued without the in-Excel check's sheet
        book.create_sheet(SHEET_CHECK, 1)
    book[SHEET_CHECK]["C7"] = '=HYPERLINK("#\'Mijn projecten\'!D6","D6")'
    book[SHEET_OWN]["R4"] = "=1+1"
    buffer = io.BytesIO()
    book.save(buffer)
    fast = _same(buffer.getvalue(), findings_for(config))
    listed = " ".join(c[2] or "" for c in described(fast)[TEXTS["sheet"]]["cells"])
    assert "!D6" not in listed and "'Controle'" not in listed
    assert "('=1+1')" in listed and "==" not in listed
    check = openpyxl.load_workbook(io.BytesIO(fast))[SHEET_CHECK]
    assert check["C7"].data_type != "f" and not str(check["C7"].value or "").startswith("=")


@pytest.mark.parametrize(
    "change",
    [
        lambda xml: xml.replace("</row>", '<c r="ZZ1" t="e"><v>#N/A</v></c></row>', 1),
        lambda xml: xml.replace("</sheetData>", '</sheetData><drawing r:id="x"/>', 1),
        lambda xml: xml.replace("<sheetView ", '<sheetView tabSelected="1" ', 1),
    ],
    ids=["error value", "a drawing", "selected"],
)
def test_what_is_not_written_directly_is_written_the_plain_way(
    submission: bytes,  # noqa: F811
    config: Config,
    change: Any,
) -> None:
    """An error value becomes text, a drawing is dropped (plain); a selected sheet is written
    directly but no longer selected. Either way: the plain workbook."""
    members = {e.name: e for e in package.entries(submission)}
    part = package.sheet_part(members, SHEET_NEW)
    assert part is not None
    xml = change(members[part].content().decode("utf-8"))
    members[part] = package.deflated(part, xml.encode("utf-8"))
    data = package.write(members.values())
    fast, plain = both(data, findings_for(config))
    found = described(fast)
    assert found == described(plain)
    if len(found["sheets"]) > 1:  # (openpyxl cannot open the one with a drawing: a list only)
        assert [n for n in found["sheets"] if found[n]["selected"]] == [TEXTS["sheet"]]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_feedback_on_a_workbook_libreoffice_saved(
    submission: bytes,  # noqa: F811
    config: Config,
    tmp_path: Path,
) -> None:
    """LibreOffice adds a drawing part to every sheet, the region sheet too: the plain way
    writes that feedback (and it is the plain workbook); LibreOffice opens it."""
    saved = libreoffice_saved(submission, tmp_path)
    with pytest.raises(AssertionError, match="not direct"):
        _direct(saved, findings_for(config))
    fast = write_feedback(saved, findings_for(config), party_name="P", round_="2026-H2")
    plain = write_feedback(
        saved, findings_for(config), party_name="P", round_="2026-H2", plain=True
    )
    assert described(fast) == described(plain)


def libreoffice_saved(data: bytes, folder: Path) -> bytes:
    source = folder / "in" / "werkmap.xlsx"
    source.parent.mkdir(parents=True)
    source.write_bytes(data)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(folder / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return (folder / "out" / "werkmap.xlsx").read_bytes()


# (57893-many-merges: 50,000 merged ranges, minutes through openpyxl in a test run)
CORPUS_BOOKS = sorted(
    p for p in CORPUS.rglob("*.xlsx") if "bombs" not in p.parts and "many-merges" not in p.name
)


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS_BOOKS, reason="robustness corpus not found")
def test_feedback_on_workbooks_we_did_not_make_is_the_plain_one() -> None:
    """Every corpus workbook openpyxl opens (Excel, LibreOffice, POI, ClosedXML, SheetJS...),
    marked at an existing cell, an empty one far out and on its last sheet: written directly
    it is the plain workbook; what is not written directly goes the plain way."""
    direct = 0
    for path in CORPUS_BOOKS:
        data = path.read_bytes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                names = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
        except Exception:
            continue
        if not names:
            continue
        findings = [
            Finding("x", "error", "fout hier", sheet=names[0], cell="A1"),
            Finding("y", "warning", "kijk hier", sheet=names[0], cell="C7", row=7),
            Finding("z", "warning", "ver weg", sheet=names[-1], cell="AB300", row=300),
            Finding("w", "error", "zonder cel"),
        ]
        kw: dict[str, Any] = {"party_name": "P", "round_": "R", "signature": ("P", KEY)}
        written = marking.marked_feedback(data, findings, script=None, **kw)
        if written is None:
            continue
        direct += 1
        plain = write_feedback(data, findings, plain=True, **kw)
        assert described(written) == described(plain), path.name
    assert direct >= 15
