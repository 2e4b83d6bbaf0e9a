"""Feedback written as XML directly gives the workbook the plain way (openpyxl) gives.

``write_feedback`` writes the list of findings, and the marks in the party's own workbook, as XML
into frames made once per process; ``plain=True`` is the openpyxl way it replaces. Both are read
back with openpyxl and compared value by value and format by format (``described``).
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import openpyxl
import pytest
from test_feedback import findings_for, submission  # noqa: F401  (fixture)

from pipeline.core.config import Config
from pipeline.core.findings import Finding, finding
from pipeline.workbook.feedback import TEXTS, write_feedback
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
        (side.style, None if side.color is None else side.color.value)
        for side in (b.left, b.right, b.top, b.bottom, b.diagonal)
    )


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
        c.style,
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
