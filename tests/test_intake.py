"""Intake: every file of the robustness corpus gets one clear verdict, quickly, without a crash.

The corpus lives outside the repository (``../shared/corpus``); it is read in place.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from conftest import CORPUS

from pipeline.core import messages
from pipeline.core.config import Config
from pipeline.workbook.intake import MAX_ZIP_ENTRIES, Package, sniff
from pipeline.workbook.package import Entry, entries, write
from pipeline.workbook.reader import read_submission

if not CORPUS.is_dir():
    pytest.skip(f"robustness corpus not found at {CORPUS}", allow_module_level=True)

FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix not in {".md", ".tsv"})
# A corpus file must be turned away within this time (bombs included).

EXPECTED = {
    "poi/protected_passtika.xlsx": "encrypted-workbook",
    "poi/protected_passtika.xlsb": "encrypted-workbook",
    "poi/protect.xlsx": "encrypted-workbook",
    "calamine/pass_protected.xlsx": "encrypted-workbook",
    "poi/password.xls": "encrypted-workbook",
    "sheetjs/password_2002_40_xor.xls": "encrypted-workbook",
    "poi/SampleSS.xls": "old-xls-format",
    "poi/testEXCEL_95.xls": "old-xls-format",
    "calamine/capitalized_wbook_stream.xls": "old-xls-format",
    "synthetic/xls_renamed.xlsx": "old-xls-format",
    "calamine/issue_594_dos.ods": "ods-format",
    "calamine/pass_protected.ods": "ods-format",
    "poi/Simple.xlsb": "xlsb-format",
    "calamine/issue_666_panic.xlsb": "xlsb-format",
    "synthetic/truncated_half.xlsx": "damaged-workbook",
    "synthetic/truncated_tail64.xlsx": "damaged-workbook",
    "poi/clusterfuzz-testcase-minimized-XLSX2CSVFuzzer-5636439151607808.xlsx": "damaged-workbook",
    "synthetic/csv_as.xlsx": "not-a-workbook",
    "synthetic/html_table_as.xls": "not-a-workbook",
    "poi/SampleSS.xml": "not-a-workbook",
    "sheetjs/Attendance.numbers": "not-a-workbook",
    "closedxml/~$LoadPivotTables.xlsx": "not-a-workbook",
    "python-calamine/empty_file.xlsx": "empty-file",
    "synthetic/zip_path_traversal.xlsx": "unsafe-workbook",
    "synthetic/zip_50k_entries.xlsx": "unsafe-workbook",
    "poi/duplicate-filename.xlsx": "unsafe-workbook",
    "poi/poc-xmlbomb.xlsx": "unsafe-workbook",
    "poi/SampleSS.xlsx": "not-issued-by-planmonitor",
    "synthetic/xlsx_renamed.xls": "not-issued-by-planmonitor",
    "synthetic/formula_injection.xlsx": "not-issued-by-planmonitor",
    "poi/SampleSS.strict.xlsx": "strict-open-xml",
    "poi/57893-many-merges.xlsx": "not-issued-by-planmonitor",
}
KIND = {
    "synthetic/csv_as.xlsx": "tekst of CSV",
    "synthetic/html_table_as.xls": "een HTML-pagina",
    "poi/SampleSS.xml": "Excel 2003",
    "sheetjs/Attendance.numbers": "Apple Numbers",
    "closedxml/~$LoadPivotTables.xlsx": "vergrendelbestand",
}
MACROS = ["poi/SimpleMacro.xlsm", "synthetic/xlsm_renamed.xlsx", "poi/xlmmacro.xlsm"]


def name(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


@pytest.mark.parametrize("path", FILES, ids=name)
def test_corpus_file_gets_one_clear_verdict(config: Config, path: Path) -> None:
    result = read_submission(path, config)

    assert result.submission is None  # no corpus file carries our metadata
    blocking = [f for f in result.findings if f.blocking]
    assert len(blocking) == 1
    assert blocking[0].code in messages.TEMPLATES
    assert blocking[0].file == path.name
    assert result.sha256 and len(result.sha256) == 64


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_corpus_file_verdict(config: Config, relative: str) -> None:
    result = read_submission(CORPUS / relative, config)

    assert [f.code for f in result.findings if f.blocking] == [EXPECTED[relative]]
    if relative in KIND:
        assert KIND[relative] in result.findings[-1].message


@pytest.mark.parametrize("path", sorted((CORPUS / "bombs").glob("*.xlsx")), ids=name)
def test_bomb_rejected_before_parsing(path: Path) -> None:
    data = path.read_bytes()
    tracemalloc.start()
    result = sniff(data, path.name, max_file_bytes=25_000_000, max_uncompressed_bytes=300_000_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert [f.code for f in result.findings] == ["unsafe-workbook"]
    assert not result.readable
    assert peak < 20 * len(data) + 5_000_000  # refused from the zip directory, never inflated


@pytest.mark.parametrize("relative", MACROS)
def test_macro_workbook_is_a_warning(relative: str) -> None:
    path = CORPUS / relative
    result = sniff(
        path.read_bytes(), path.name, max_file_bytes=25_000_000, max_uncompressed_bytes=300_000_000
    )

    assert [(f.code, f.severity) for f in result.findings] == [("macro-workbook", "warning")]
    assert result.readable and result.has_macros


def test_plain_workbook_passes_intake() -> None:
    path = CORPUS / "poi" / "SampleSS.xlsx"
    result = sniff(
        path.read_bytes(), path.name, max_file_bytes=25_000_000, max_uncompressed_bytes=300_000_000
    )

    assert result.findings == () and result.readable and not result.has_macros


def zipped(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for entry, content in entries.items():
            archive.writestr(entry, content)
    return buffer.getvalue()


MINIMAL = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types><Override ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b"</Types>",
    "xl/workbook.xml": b"<workbook/>",
}


def verdict(data: bytes, *, budget: int = 300_000_000) -> list[str]:
    result = sniff(data, "werkmap.xlsx", max_file_bytes=25_000_000, max_uncompressed_bytes=budget)
    return [f.code for f in result.findings]


def test_sniff_budget_and_ratio() -> None:
    assert verdict(zipped(MINIMAL)) == []
    big = {**MINIMAL, "xl/worksheets/sheet1.xml": b"<a>" + b" " * 3_000_000 + b"</a>"}
    assert verdict(zipped(big)) == ["unsafe-workbook"]  # whitespace compresses > 200:1
    assert verdict(zipped(big, zipfile.ZIP_STORED)) == []
    assert verdict(zipped(big, zipfile.ZIP_STORED), budget=1_000_000) == ["unsafe-workbook"]


def test_sniff_doctype_in_any_parsed_part() -> None:
    for entry in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.dat", "docProps/app.xml"):
        data = zipped({**MINIMAL, entry: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'})
        assert verdict(data) == ["unsafe-workbook"], entry
    svg = zipped({**MINIMAL, "xl/media/image1.svg": b"<!DOCTYPE svg><svg/>"})
    assert verdict(svg) == []


def test_sniff_doctype_in_utf16_and_among_other_exclamation_marks() -> None:
    declaration = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'
    for encoding in ("utf-16-le", "utf-16-be"):
        data = zipped({**MINIMAL, "docProps/app.xml": declaration.encode(encoding)})
        assert verdict(data) == ["unsafe-workbook"], encoding
    marks = b"<a f=\"'Lijsten'!$A$1\">Let op! " * 1000 + b"</a>"
    assert verdict(zipped({**MINIMAL, "docProps/app.xml": marks})) == []
    late = marks[:-4] + b"<!DOCTYPE a></a>"
    assert verdict(zipped({**MINIMAL, "docProps/app.xml": late})) == ["unsafe-workbook"]


def test_sniff_doctype_split_over_chunks() -> None:
    # The inflater hands out 1 MiB chunks: put the declaration across the boundary.
    content = b"<a>" + b"x" * (1024 * 1024 - 7) + b"<!DOCTYPE a>"
    data = zipped({**MINIMAL, "xl/worksheets/sheet1.xml": content}, zipfile.ZIP_STORED)
    assert verdict(data) == ["unsafe-workbook"]


def test_sniff_structure_problems() -> None:
    assert verdict(zipped({"xl/workbook.xml": b"<workbook/>"})) == ["damaged-workbook"]
    assert verdict(zipped({"notes.txt": b"hallo"})) == ["not-a-workbook"]
    assert verdict(
        zipped(
            {"[Content_Types].xml": MINIMAL["[Content_Types].xml"], "word/document.xml": b"<w/>"}
        )
    ) == ["not-a-workbook"]
    many = {**MINIMAL, **{f"x/{i}": b"" for i in range(MAX_ZIP_ENTRIES + 1)}}
    assert verdict(zipped(many)) == ["unsafe-workbook"]
    assert verdict(zipped({**MINIMAL, "/etc/passwd": b""})) == ["unsafe-workbook"]
    assert verdict(zipped({**MINIMAL, "C:\\evil.txt": b""})) == ["unsafe-workbook"]


def test_sniff_lying_size_header() -> None:
    data = bytearray(zipped({**MINIMAL, "xl/worksheets/sheet1.xml": b"<a>" + b"1" * 5000}))
    central = data.rfind(b"PK\x01\x02")
    size_at = central + 24  # uncompressed size in the central directory entry
    data[size_at : size_at + 4] = (100).to_bytes(4, "little")
    assert verdict(bytes(data)) == ["unsafe-workbook"]


def test_sniff_small_files() -> None:
    assert verdict(b"") == ["empty-file"]
    assert (
        sniff(b"x" * 11, "a.xlsx", max_file_bytes=10, max_uncompressed_bytes=10).findings[0].code
        == "file-too-large"
    )
    assert verdict(b"%PDF-1.7 ...") == ["not-a-workbook"]
    assert verdict(bytes(range(256)) * 4) == ["damaged-workbook"]  # binary junk named .xlsx


def test_unread_parts_are_judged_from_their_start_and_sizes() -> None:
    """``Package.unread_safe``: honest parts pass, incompressible media included; a DOCTYPE
    before the root element, a part whose compressed bytes cannot fit its stated size, and a
    part whose start is no XML do not."""
    noise = bytes((i * 7919 + (i >> 8) * 104729) % 256 for i in range(300_000))
    honest = zipped({**MINIMAL, "xl/media/image1.png": noise, "docProps/app.xml": b"<a/>"})
    assert Package(honest, "w.xlsx").unread_safe()
    doctype = zipped({**MINIMAL, "docProps/app.xml": b'<?xml version="1.0"?><!DOCTYPE a><a/>'})
    assert not Package(doctype, "w.xlsx").unread_safe()
    late = zipped({**MINIMAL, "docProps/app.xml": b"<a>" + b"x" * 10_000 + b"<!DOCTYPE a></a>"})
    assert Package(late, "w.xlsx").unread_safe()  # not XML there: no parser takes it
    headless = zipped({**MINIMAL, "docProps/app.xml": b"<!-- " + b"x" * 10_000 + b" --><a/>"})
    assert not Package(headless, "w.xlsx").unread_safe()  # the root too far in to tell
    hidden = b"<!-- <a " + b"x" * 2_000 + b" --><!DOCTYPE a><a/>"
    assert not Package(zipped({**MINIMAL, "docProps/app.xml": hidden}), "w.xlsx").unread_safe()
    members = {e.name: e for e in entries(honest)}
    big = members["xl/media/image1.png"]
    members[big.name] = Entry(big.name, big.compressed, big.crc, 1_000)  # lies about its size
    assert not Package(write(members.values()), "w.xlsx").unread_safe()
