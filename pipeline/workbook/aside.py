"""The region sheet set aside: a submission without the rows of its *Regiomonitor* sheet, for
openpyxl to open quickly, and that sheet put back as it was received afterwards.

The region sheet is most of a party workbook and nobody edits it; opening and saving it with
openpyxl costs most of the time of anything done to a returned workbook. It is taken out before
and copied back after, compressed as it came, with the shared strings it refers to when Excel
or LibreOffice saved the file. A region sheet with anything but plain values (formulas, links,
validations, conditional formats, parts of its own) is not set aside: it goes through openpyxl.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, replace

from defusedxml import DefusedXmlException, ElementTree

from ..core import SHEET_MONITOR
from . import package

_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
_SHARED_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*\bt=\"s\"")
_TAB_SELECTED = re.compile(rb"""\s+tabSelected=["'](?:1|true)["']""")
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
# Parts of a sheet that refer to styles, links or formulas: such a sheet is not set aside.
_NOT_PLAIN = (b"dxfId", b"<hyperlink", b":hyperlink", b"dataValidation", b"conditionalFormatting")
STRINGS_PART = "xl/sharedStrings.xml"
_STRINGS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_STRINGS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


@dataclass(frozen=True)
class Aside:
    """A submission without the rows of its region sheet, and what to put back afterwards."""

    reduced: bytes  # the package with an empty region sheet, for openpyxl
    sheet: package.Entry  # the region sheet as received (not selected)
    strings: package.Entry | None  # the shared strings it refers to (a file Excel saved)


def set_aside_monitor(data: bytes) -> Aside | None:
    """Take the rows out of the region sheet; None when the file has no plain one to take."""
    try:
        members = {e.name: e for e in package.entries(data)}
        part = package.sheet_part(members, SHEET_MONITOR)
        book = package.workbook_part(members)
    except (package.PackageError, ElementTree.ParseError, DefusedXmlException):
        return None
    if part is None or book is None or package.rels_name(part) in members:
        return None  # no region sheet, or one with parts of its own (comments, drawings)
    xml = members[part].content()
    found = _SHEET_DATA.search(xml)
    if found is None:
        return None
    start, prefix = found.start(), found.group(1)
    end = found.end()
    if not found.group(2):
        close = xml.find(b"</" + prefix + b"sheetData>", end)
        if close < 0:
            return None
        end = close + len(prefix) + len(b"</sheetData>")
    head = _TAB_SELECTED.sub(b"", xml[:start])  # the list of findings is the selected sheet
    frame = head + b"<" + prefix + b"sheetData/>" + xml[end:]
    if _FORMULA.search(xml, start, end) or any(word in frame for word in _NOT_PLAIN):
        return None  # anything but values goes through openpyxl (and what cleans it)
    sheet = members[part]
    if len(head) != start:
        sheet = package.deflated(part, head + xml[start:])
    strings = None
    if _SHARED_CELL.search(xml, start, end):
        strings_part = package.related_part(members, book, "sharedStrings")
        if strings_part is None:
            return None
        strings = members[strings_part]
    reduced = package.write(
        package.deflated(part, frame) if name == part else entry for name, entry in members.items()
    )
    return Aside(reduced, sheet, strings)


def put_back(data: bytes, aside: Aside) -> bytes:
    """The saved feedback with the region sheet as received (and its shared strings).

    openpyxl keeps the order of the cell formats it read and writes every string of its own
    inline, so the region sheet's style and string numbers still point where they did.
    """
    members = {e.name: e for e in package.entries(data)}
    part = package.sheet_part(members, SHEET_MONITOR)
    book = package.workbook_part(members)
    if part is None or book is None:
        raise RuntimeError("the saved workbook lost its region sheet")
    members[part] = replace(aside.sheet, name=part)
    if aside.strings is not None:
        if STRINGS_PART in members:
            raise RuntimeError("openpyxl wrote shared strings")
        members[STRINGS_PART] = replace(aside.strings, name=STRINGS_PART)
        rels = package.rels_name(book)
        target = posixpath.relpath(STRINGS_PART, posixpath.dirname(book))
        relation = (
            f'<Relationship Id="rIdPlanmonitorStrings" Type="{_STRINGS_TYPE}" Target="{target}"/>'
        )
        members[rels] = _inserted(members[rels], "</Relationships>", relation)
        override = f'<Override PartName="/{STRINGS_PART}" ContentType="{_STRINGS_CONTENT}"/>'
        types = "[Content_Types].xml"
        members[types] = _inserted(members[types], "</Types>", override)
    return package.write(members.values())


def _inserted(entry: package.Entry, before: str, text: str) -> package.Entry:
    xml = entry.content().decode("utf-8")
    if before not in xml:
        raise RuntimeError(f"{entry.name} has no {before}")
    head, _, tail = xml.rpartition(before)
    return package.deflated(entry.name, f"{head}{text}{before}{tail}".encode())
