"""The hand-in choice read cheaply (``hand_in_status``) gives what openpyxl's whole-workbook read
(``reader.read_hand_in_status``, the reference) gives: on our own workbook, on copies saved the
way Excel saves (shared strings) and by LibreOffice, on cells typed in every way a sheet can hold
a value, on every file of the robustness corpus; and it never inflates the region sheet.
"""

from __future__ import annotations

import gc
import re
import shutil
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CORPUS
from soffice import convert
from submission_workbooks import issue
from test_feedback_fast import excel_saved

from pipeline.core.config import Config
from pipeline.core.layout import DRAFT, HANDED_IN, SHEET_INSTRUCTIONS, SHEET_META, SHEET_MONITOR
from pipeline.demo.simulation import EditedWorkbook
from pipeline.state.database import State
from pipeline.workbook import build_party_workbook, hand_in_status, package, read_hand_in_status
from pipeline.workbook.intake import sniff

STATUS_CELL = re.compile(r'<c r="A5"( s="\d+")? t="inlineStr"><is><t>[^<]*</t></is></c>')


@pytest.fixture
def submission(config: Config, state: State) -> bytes:
    """A party workbook as issued (the choice on "concept")."""
    region, monitor = state.region(), state.monitor(config.round)
    return build_party_workbook(issue(config, state), config, region, monitor).data


def both(data: bytes) -> str | None:
    """The cheap answer, after checking it is the reference's."""
    cheap = hand_in_status(data)
    assert cheap == read_hand_in_status(data)
    return cheap


def saved(data: bytes, config: Config, status: str | None) -> bytes:
    return EditedWorkbook(data, config.catalogue, config.round).save(status)


def edited(data: bytes, sheet: str, change: Callable[[str], str]) -> bytes:
    """The package with one sheet's XML changed."""
    members = {e.name: e for e in package.entries(data)}
    part = package.sheet_part(members, sheet)
    assert part is not None
    xml = members[part].content().decode("utf-8")
    changed = change(xml)
    assert changed != xml
    members[part] = package.deflated(part, changed.encode("utf-8"))
    return package.write(members.values())


def status_cell(content: str) -> Callable[[str], str]:
    """Replace the status cell (Toelichting!A5) with ``content`` (inside <c r="A5" ...>)."""
    return lambda xml: STATUS_CELL.sub(lambda m: f'<c r="A5"{m.group(1) or ""} {content}</c>', xml)


def test_our_workbook_as_issued_and_as_saved(submission: bytes, config: Config) -> None:
    assert both(submission) == DRAFT
    assert both(saved(submission, config, HANDED_IN)) == HANDED_IN
    assert both(saved(submission, config, " Ingeleverd ")) == HANDED_IN
    assert both(saved(submission, config, "concept")) == DRAFT
    assert both(saved(submission, config, "")) == DRAFT
    assert both(saved(submission, config, "iets anders")) == DRAFT


def test_excel_saved_with_shared_strings(submission: bytes, config: Config) -> None:
    for status, expected in ((HANDED_IN, HANDED_IN), ("concept", DRAFT)):
        data = excel_saved(saved(submission, config, status))
        assert "xl/sharedStrings.xml" in {e.name for e in package.entries(data)}
        assert both(data) == expected


def test_shared_string_with_rich_text_runs_and_escapes(
    submission: bytes,
    config: Config,
) -> None:
    data = excel_saved(saved(submission, config, HANDED_IN))
    members = {e.name: e for e in package.entries(data)}
    strings = members["xl/sharedStrings.xml"].content().decode()
    for replacement, expected in (
        ("<si><r><t>inge</t></r><r><rPr><b/></rPr><t>leverd</t></r></si>", HANDED_IN),
        ("<si><t>inge</t><rPh sb='0' eb='1'><t>x</t></rPh><r><t>leverd</t></r></si>", HANDED_IN),
        ("<si><t>ingex005F_leverd</t></si>", HANDED_IN),  # openpyxl drops that escape
        (
            "<si><t>inge</t><rPh sb='0' eb='1'><t>leverd</t></rPh></si>",
            DRAFT,
        ),  # phonetic text is no text
    ):
        changed = strings.replace('<si><t xml:space="preserve">ingeleverd</t></si>', replacement)
        assert changed != strings
        members["xl/sharedStrings.xml"] = package.deflated("xl/sharedStrings.xml", changed.encode())
        assert both(package.write(members.values())) == expected, replacement


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('t="str"><v>ingeleverd</v>', HANDED_IN),
        ('t="inlineStr"><is><r><t>ingeleverd</t></r></is>', HANDED_IN),
        ('t="inlineStr"><is><t>  INGELEVERD\n</t></is>', HANDED_IN),
        ('t="str"><f>"ingeleverd"</f><v>ingeleverd</v>', DRAFT),  # a formula is its text
        ("><v>1</v>", DRAFT),
        ('t="b"><v>1</v>', DRAFT),
        ('t="e"><v>#N/A</v>', DRAFT),
        ('t="inlineStr">', DRAFT),
        ('t="s"><v>0</v>', None),  # no shared strings at all: openpyxl cannot read it
        ("><v>ingeleverd</v>", None),  # not a number
    ],
)
def test_every_kind_of_cell(submission: bytes, config: Config, cell: str, expected: str) -> None:
    data = edited(saved(submission, config, "concept"), SHEET_INSTRUCTIONS, status_cell(cell))
    assert both(data) == expected


def test_rows_and_cells_without_their_numbers(submission: bytes, config: Config) -> None:
    data = saved(submission, config, HANDED_IN)
    cells = edited(data, SHEET_INSTRUCTIONS, lambda xml: re.sub(r' r="[A-Z]+\d+"', "", xml))
    assert both(cells) == HANDED_IN
    # rows counted from the top: the sheet's empty row 3 is gone, row 5 is another row now
    rows = edited(data, SHEET_INSTRUCTIONS, lambda xml: re.sub(r'<row r="\d+"', "<row", xml))
    assert both(rows) == DRAFT
    assert both(edited(data, SHEET_META, lambda xml: re.sub(r' r="[A-Z]*\d+"', "", xml))) == (
        HANDED_IN
    )


def test_where_the_metadata_points(submission: bytes, config: Config) -> None:
    data = saved(submission, config, HANDED_IN)

    def status_key(value: str) -> Callable[[str], str]:
        return lambda xml: re.sub(
            r"(<t>status_cell</t></is></c>)(.*?)</row>", rf"\1{value}</row>", xml, count=1
        )

    def inline(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    split = inline("B11", "Toelichting!") + inline("C11", "A5")
    # openpyxl reads no further than the sheet's stated dimension (A1:B11)
    assert both(edited(data, SHEET_META, status_key(split))) is None
    wide = edited(data, SHEET_META, lambda xml: xml.replace('ref="A1:B11"', 'ref="A1:C11"'))
    assert both(edited(wide, SHEET_META, status_key(split))) == HANDED_IN
    for value in ("Toelichting!A6", "Toelichting!A5:A6", "Toelichting!A", "Geen blad!A5", "A5"):
        answer = both(edited(data, SHEET_META, status_key(inline("B11", value))))
        assert answer != HANDED_IN, value
    assert both(edited(data, SHEET_META, status_key(""))) is None
    renamed = edited(data, SHEET_META, lambda xml: xml.replace(">status_cell<", ">status_cel<"))
    assert both(renamed) is None


def test_a_file_that_is_no_workbook_of_ours_has_no_choice(submission: bytes) -> None:
    without_meta = edited(submission, SHEET_META, lambda xml: xml.replace("status_cell", "x"))
    assert both(without_meta) is None
    assert both(b"") is None
    assert both(b"naam;gemeente\n") is None
    assert both(submission[: len(submission) // 2]) is None


def test_the_region_sheet_is_never_inflated(submission: bytes, config: Config) -> None:
    """A region sheet that bombs whoever inflates it: the choice is still read, in little
    memory, while the whole intake (what check runs) refuses the file."""
    data = saved(submission, config, HANDED_IN)
    members = {e.name: e for e in package.entries(data)}
    part = package.sheet_part(members, SHEET_MONITOR)
    assert part is not None
    bomb = package.deflated(part, b"<worksheet>" + b" " * 200_000_000 + b"</worksheet>")
    members[part] = package.Entry(part, bomb.compressed, bomb.crc, 1_000)  # lies about its size
    hostile = package.write(members.values())
    limits = {"max_file_bytes": 25_000_000, "max_uncompressed_bytes": 300_000_000}
    assert [f.code for f in sniff(hostile, "w.xlsx", **limits).findings] == ["unsafe-workbook"]
    tracemalloc.start()
    answer = hand_in_status(hostile)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert answer == HANDED_IN
    assert peak < 5_000_000


def test_nothing_of_a_file_stays_in_memory_once_its_choice_is_read(
    submission: bytes, config: Config
) -> None:
    """Collect reads the choice of one file after another: none may stay behind waiting for the
    garbage collector (reference cycles), or memory grows with the number of parties."""
    files = [saved(submission, config, status) for status in (HANDED_IN, "concept")] + [
        excel_saved(saved(submission, config, HANDED_IN))
    ]
    hand_in_status(files[-1])  # what the first call builds once (parsers, patterns) stays
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        for data in files * 4:
            hand_in_status(data)
        left, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        gc.enable()
    # Twelve files read: less than one of them is left (the parsers' own leftovers).
    assert left < min(len(data) for data in files)


CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file()) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_every_corpus_file(path: Path) -> None:
    data = path.read_bytes()
    assert hand_in_status(data, path.name) == read_hand_in_status(data, path.name)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_saved(submission: bytes, config: Config, tmp_path: Path) -> None:
    sources = tmp_path / "in"
    sources.mkdir()
    for status in (HANDED_IN, "concept"):
        (sources / f"{status}.xlsx").write_bytes(saved(submission, config, status))
    out = tmp_path / "out"
    convert(sorted(sources.iterdir()), out, tmp_path / "profile")
    handed_in, draft = (out / f"{HANDED_IN}.xlsx").read_bytes(), (out / "concept.xlsx").read_bytes()
    assert "xl/sharedStrings.xml" in {e.name for e in package.entries(handed_in)}
    assert both(handed_in) == HANDED_IN
    assert both(draft) == DRAFT
