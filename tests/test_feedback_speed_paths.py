"""A sheet that gets no mark goes out as it came, unless it holds what the plain way changes.

``marking`` copies such a sheet's compressed bytes when a scan of its XML shows its cells are
plain (``_Marked._plain``), and parses it (or leaves the file to the plain way) when not sure.
Each test puts one thing the scan must see into a sheet without findings and compares the
feedback written directly with the plain way's (``_same``), or asserts it goes the plain way.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_feedback import findings_for, submission  # noqa: F401  (fixture)
from test_feedback_direct import KEY, _direct, _same, both, described
from test_feedback_fast import excel_saved

from pipeline.core.config import Config
from pipeline.core.layout import SHEET_AGREEMENTS, SHEET_META
from pipeline.workbook import package
from pipeline.workbook.marker import is_own_feedback

# Each case writes the feedback the plain way too (openpyxl, the whole demo workbook): seconds
# a case, so the module runs with the slow tests (CI runs them).
pytestmark = pytest.mark.slow

# A sheet without findings that is signed (its values read for the marker) and one that is not.
UNMARKED = [SHEET_AGREEMENTS, SHEET_META]


def _changed(data: bytes, sheet: str, change: Any) -> bytes:
    members = {e.name: e for e in package.entries(data)}
    part = package.sheet_part(members, sheet)
    assert part is not None
    xml = change(members[part].content().decode("utf-8"))
    members[part] = package.deflated(part, xml.encode("utf-8"))
    return package.write(members.values())


def _cell(xml: str, cell: str) -> str:
    """``xml`` with ``cell`` added at the end of its first row."""
    return xml.replace("</row>", cell + "</row>", 1)


def _part(data: bytes, sheet: str) -> package.Entry:
    members = {e.name: e for e in package.entries(data)}
    part = package.sheet_part(members, sheet)
    assert part is not None
    return members[part]


@pytest.mark.parametrize("sheet", UNMARKED)
def test_an_unmarked_plain_sheet_goes_out_as_it_came(
    submission: bytes,  # noqa: F811
    config: Config,
    sheet: str,
) -> None:
    fast = _same(submission, findings_for(config), signature=("P001", KEY))
    assert _part(fast, sheet).compressed == _part(submission, sheet).compressed
    assert is_own_feedback(fast, "P001", KEY)


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="ZZ1"><f>1/4</f><v>0.25</v></c>',
        '<c r="ZZ1" t="str"><f>"=a"</f><v>=a</v></c>',
        '<c r="ZZ1"><f>A1</f><v /></c>',
        '<c r="ZZ1" t="str"><f>HYPERLINK("http://x","x")</f><v>x</v></c>',
        '<c r="ZY1"><f t="shared" ref="ZY1:ZZ1" si="0">A1+1</f><v>3</v></c>'
        '<c r="ZZ1"><f t="shared" si="0"/><v>4</v></c>',
    ],
    ids=["number", "text like a formula", "empty value", "a link", "shared"],
)
def test_an_unmarked_sheet_with_a_formula_has_its_values_as_the_plain_way_gives_them(
    submission: bytes,  # noqa: F811
    config: Config,
    cell: str,
) -> None:
    """Written directly (a signed sheet: its values are read for the marker too)."""
    sheet = SHEET_AGREEMENTS
    data = _changed(submission, sheet, lambda xml: _cell(xml, cell))
    fast = _same(data, findings_for(config), signature=("P001", KEY))
    assert "<f" not in _part(fast, sheet).content().decode()
    assert is_own_feedback(fast, "P001", KEY)


@pytest.mark.parametrize("sheet", UNMARKED)
@pytest.mark.parametrize(
    "cell",
    [
        '<c r="ZZ1" t="e"><v>#N/A</v></c>',
        "<c t='e' r='ZZ1'><v>#N/A</v></c>",
        '<c r="ZZ1"><f t="array" ref="ZZ1">A1:A2*2</f><v>2</v></c>',
    ],
    ids=["error", "error in single quotes", "array formula"],
)
def test_an_unmarked_sheet_with_an_error_or_array_formula_goes_the_plain_way(
    submission: bytes,  # noqa: F811
    config: Config,
    sheet: str,
    cell: str,
) -> None:
    data = _changed(submission, sheet, lambda xml: _cell(xml, cell))
    with pytest.raises(AssertionError, match="not direct"):
        _direct(data, findings_for(config))
    fast, plain = both(data, findings_for(config))
    assert described(fast) == described(plain)


@pytest.mark.parametrize("sheet", UNMARKED)
@pytest.mark.parametrize(
    "cell",
    [
        '<c r="ZZ1" t="inlineStr"><is><t>=1+1</t></is></c>',
        '<c r="ZZ1" t="inlineStr"><is><t>&#61;1+1</t></is></c>',
        '<c r="ZZ1" t="inlineStr"><is><t xml:space="preserve">+31 6</t></is></c>',
        '<c r="ZZ1" t="inlineStr"><is><t><![CDATA[=1+1]]></t></is></c>',
        '<c r="ZZ1" t="inlineStr"><is><r><t>-</t></r><r><t>5</t></r></is></c>',
    ],
    ids=["equals", "character reference", "plus", "cdata", "rich text"],
)
def test_text_like_a_formula_in_an_unmarked_sheet_gets_the_text_prefix(
    submission: bytes,  # noqa: F811
    config: Config,
    sheet: str,
    cell: str,
) -> None:
    data = _changed(submission, sheet, lambda xml: _cell(xml, cell))
    fast = _same(data, findings_for(config), signature=("P001", KEY))
    added = {c[0]: c for c in described(fast)[sheet]["cells"]}["ZZ1"]
    assert added[10] is True  # quotePrefix, as sanitise gives it
    assert _part(fast, sheet).compressed != _part(data, sheet).compressed


@pytest.mark.parametrize("sheet", UNMARKED)
@pytest.mark.parametrize(
    "change",
    [
        lambda xml: xml.replace("<sheetView ", '<sheetView tabSelected="1" ', 1),
        lambda xml: xml.replace("<sheetView ", "<sheetView tabSelected='true' ", 1),
    ],
    ids=["1", "true"],
)
def test_an_unmarked_selected_sheet_is_selected_no_longer(
    submission: bytes,  # noqa: F811
    config: Config,
    sheet: str,
    change: Any,
) -> None:
    data = _changed(submission, sheet, change)
    found = described(_same(data, findings_for(config), signature=("P001", KEY)))
    assert [n for n in found["sheets"] if found[n]["selected"]] == [found["sheets"][0]]


def test_a_text_that_names_the_tab_attribute_stays_as_it_was(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    text = 'zie sheetView tabSelected="1"'
    data = _changed(
        submission,
        SHEET_META,
        lambda xml: _cell(xml, f'<c r="ZZ1" t="inlineStr"><is><t>{text}</t></is></c>'),
    )
    fast = _same(data, findings_for(config))
    assert {c[0]: c for c in described(fast)[SHEET_META]["cells"]}["ZZ1"][2] == text


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="ZZ1" t="d"><v>2026-01-01</v></c>',
        '<c r="ZZ1" s="999"><v>1</v></c>',
        '<c r="ZZ1" t="n"><v>veel</v></c>',
        '<c r="ZZ1" t="b"><v>x</v></c>',
    ],
    ids=["date as text", "style out of range", "text as a number", "text as a boolean"],
)
def test_an_unmarked_sheet_the_parser_refuses_is_not_copied(
    submission: bytes,  # noqa: F811
    config: Config,
    cell: str,
) -> None:
    """What the parse refuses or fails on is not passed by the scan: the file goes the plain
    way (whatever openpyxl makes of it, or the list only)."""
    data = _changed(submission, SHEET_META, lambda xml: _cell(xml, cell))
    with pytest.raises(Exception):  # noqa: B017  (NotDirect, or the parser's own error)
        _direct(data, findings_for(config))


def test_an_unmarked_date_is_read_as_the_plain_way_reads_it(
    submission: bytes,  # noqa: F811
    config: Config,
) -> None:
    """A number in a date format: the scan leaves it to the parser."""
    styles = {e.name: e for e in package.entries(submission)}["xl/styles.xml"].content()
    from pipeline.workbook.stylesheet import StyleSheet

    dated = sorted(StyleSheet(styles.decode("utf-8")).date_formats)
    assert dated
    data = _changed(
        submission,
        SHEET_AGREEMENTS,
        lambda xml: _cell(xml, f'<c r="ZZ1" s="{dated[0]}"><v>46000</v></c>'),
    )
    fast = _same(data, findings_for(config), signature=("P001", KEY))
    assert is_own_feedback(fast, "P001", KEY)


@pytest.mark.parametrize("sheet", UNMARKED)
def test_an_excel_saved_unmarked_sheet_with_shared_strings(
    submission: bytes,  # noqa: F811
    config: Config,
    sheet: str,
) -> None:
    """Shared strings: a plain sheet is copied; one string like a formula, anywhere in the
    table, and the sheet that uses it gets the prefix."""
    saved = excel_saved(submission)
    fast = _same(saved, findings_for(config), signature=("P001", KEY))
    assert _part(fast, sheet).compressed == _part(saved, sheet).compressed
    assert is_own_feedback(fast, "P001", KEY)
    tricky = excel_saved(
        _changed(
            submission,
            sheet,
            lambda xml: _cell(xml, '<c r="ZZ1" t="inlineStr"><is><t>@som</t></is></c>'),
        )
    )
    fast = _same(tricky, findings_for(config), signature=("P001", KEY))
    assert {c[0]: c for c in described(fast)[sheet]["cells"]}["ZZ1"][10] is True
    assert is_own_feedback(fast, "P001", KEY)
