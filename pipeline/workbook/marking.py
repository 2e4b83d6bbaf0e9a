"""Feedback written into the submission's own package: marks, list and undo sheet as XML.

The plain way (``feedback.write_feedback(..., plain=True)``) opens the whole submission with
openpyxl, makes it inert (``sanitise``), undoes an earlier feedback, marks the cells, adds the
list and saves it all again. Here the same workbook is written by editing only what changes:
the XML of the sheets that get (or lose) marks, their comments, the styles (the fills and the
list's formats added to the workbook's own, whoever saved it), the workbook's list of sheets,
its relationships and content types; the list and the very hidden undo sheet are written into
frames the plain writer rendered once per process. Every other part is copied as it was
compressed: the region sheet is never inflated (its compressed bytes are compared with ones
already checked in this process, and checked once when new).

A formula becomes the text of the value Excel last calculated for it, listed and marked as
``sanitise`` and the plain way do it (``_Marked._take_out``). Whatever else the plain way would
change that is not written here exactly — an error value, an array formula, a link, a rule that
reaches outside, a part or element openpyxl would drop, text that needs Excel's text prefix —
raises :class:`NotDirect` and the plain way writes that file.
tests/test_feedback_direct.py compares the two ways cell by cell and format by format.
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from io import BytesIO
from typing import Any
from xml.parsers import expat

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
from openpyxl.packaging.core import DocumentProperties
from openpyxl.packaging.custom import CustomPropertyList
from openpyxl.reader.strings import read_string_table
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900
from openpyxl.worksheet.merge import MergeCells
from openpyxl.xml.functions import fromstring, tostring

from ..core import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    FIRST_DATA_ROW,
    SHEET_MONITOR,
    Finding,
    looks_like_formula,
)
from . import lite, marker, package
from .cells import Cell, SheetCells, Unsure
from .intake import Package, sniff
from .listing import (
    AUTHOR,
    COMMENT_WIDTH,
    STATE_SHEET,
    TEXTS,
    comment_height,
    core_properties_xml,
    listing_frame_members,
    listing_xml,
    valid_cell,
)
from .sanitise import Removed, reaches_outside, removal_findings, shown_text
from .stylesheet import NotDirect, StyleSheet, attribute, set_attributes
from .xlsx import fast_sheet_parser


def marked_feedback(
    data: bytes,
    findings: list[Finding],
    *,
    party_name: str,
    round_: str,
    signature: tuple[str, bytes] | None,
    script: lite.LiteScript | None,
) -> bytes | None:
    """The feedback workbook, as ``write_feedback``'s plain way writes it; None when this file
    is one for the plain way."""
    try:
        return _Marked(data).write(
            findings, party_name=party_name, round_=round_, signature=signature, script=script
        )
    except Exception:  # NotDirect, or a file this code did not foresee: the plain way is
        return None  # always right (the tests call _Marked itself, where nothing is caught)


# -- the package --------------------------------------------------------------------------------

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL_WORKSHEET = f"{_DOC_REL}/worksheet"
_REL_COMMENTS = f"{_DOC_REL}/comments"
_REL_VML = f"{_DOC_REL}/vmlDrawing"
_REL_PRINTER = f"{_DOC_REL}/printerSettings"
_REL_CUSTOM = f"{_DOC_REL}/custom-properties"
_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_TYPES = "[Content_Types].xml"
_ROOT_RELS = "_rels/.rels"
_CORE = "docProps/core.xml"
_APP = "docProps/app.xml"
_CUSTOM = "docProps/custom.xml"
# What a workbook package may hold for the feedback to be written here (by relationship type);
# anything else (drawings, tables, external links, macros, threaded comments...) goes the plain
# way, which drops or rewrites it.
_WORKBOOK_PARTS = {"worksheet", "styles", "sharedStrings", "theme"}
# Parts openpyxl does not write again: the feedback leaves them out as well.
_LEFT_OUT = {"calcChain", "thumbnail"}
_SHEET_PARTS = {_REL_COMMENTS, _REL_VML, _REL_PRINTER}
_ROOT_PARTS = {
    "officeDocument",
    "core-properties",
    "extended-properties",
    "custom-properties",
    "webextensiontaskpanes",
}
# Every element a sheet may hold outside its cells (openpyxl reads and writes each of them).
_SHEET_ELEMENTS = frozenset(
    [
        "worksheet",
        "sheetPr",
        "tabColor",
        "outlinePr",
        "pageSetUpPr",
        "dimension",
        "sheetViews",
        "sheetView",
        "pane",
        "selection",
        "sheetFormatPr",
        "cols",
        "col",
        "sheetData",
        "sheetProtection",
        "autoFilter",
        "filterColumn",
        "filters",
        "filter",
        "customFilters",
        "customFilter",
        "mergeCells",
        "mergeCell",
        "conditionalFormatting",
        "cfRule",
        "formula",
        "colorScale",
        "dataBar",
        "iconSet",
        "cfvo",
        "color",
        "dataValidations",
        "dataValidation",
        "formula1",
        "formula2",
        "printOptions",
        "pageMargins",
        "pageSetup",
        "headerFooter",
        "oddHeader",
        "oddFooter",
        "evenHeader",
        "evenFooter",
        "firstHeader",
        "firstFooter",
        "rowBreaks",
        "colBreaks",
        "brk",
        "legacyDrawing",
        "phoneticPr",
        "protectedRanges",
        "protectedRange",
    ]
)
_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)")
_TAB_SELECTED = re.compile(r"""\s+tabSelected=["'](?:1|true)["']""")
_RULE_FORMULA = re.compile(r"<(formula[12]?)>(.*?)</\1>", re.S)
_FORMULA_TAG = re.compile(r"<(?:\w+:)?f[\s>/]")
_MONITOR_UNPLAIN = (b"<f>", b"<f ", b"dxfId", b"<hyperlink", b"dataValidation", b"conditionalF")
_VERIFIED: dict[tuple[int, int], bytes] = {}  # region sheets checked in this process
# A sheet that gets no mark goes out as it came when its cells are seen to be plain without
# parsing them (``_plain``): only these elements, every start tag in a strict form (no '<',
# '>', '=' or the other quote in a value: each "name=" in a tag is one of its attributes),
# these types, numbers for values, texts that do not start like a formula, no date format.
_PLAIN_TAGS = frozenset({"sheetData", "row", "c", "v", "is", "t"})
_PLAIN_TYPES = frozenset({"n", "s", "inlineStr", "b"})
_STRICT_TAG = re.compile(
    r"""<[A-Za-z_][\w.:-]*(?:\s+[\w.:-]+\s*=\s*(?:"[^"<>=']*"|'[^'<>="]*'))*\s*/?>"""
)
_CELL_TYPE = re.compile(r"""<c\s[^>]*?(?<=\s)t\s*=\s*["']([^"']*)["']""")
_CELL_STYLE = re.compile(r"""<c\s[^>]*?(?<=\s)s\s*=\s*["']([^"']*)["']""")
_FILLED_STYLE = re.compile(r"""<c\s[^>]*?(?<=\s)s\s*=\s*["']([^"']*)["'][^>]*(?<!/)>""")
_CELL_R = re.compile(r"""<c\s[^>]*?(?<=\s)r\s*=\s*["']([^"']*)["']""")
_ROW_REF = re.compile(r"""<row\s[^>]*?(?<=\s)r\s*=\s*["']([^"']*)["']""")
_SHARED_INDEX = re.compile(r"""<c\s[^>]*?(?<=\s)t\s*=\s*["']s["'][^>]*>\s*<v>(\d+)</v>""")
_VALUE = re.compile(r"<v>([^<]*)</v>")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_PLAIN_REF = re.compile(r"[A-Z]{1,3}[1-9]\d{0,6}")
_TEXT = re.compile(r"<t\b[^>]*>([^<]*)</t>")
_ROWS: dict[tuple[Any, ...], tuple[tuple[Any, ...], ...]] = {}  # values of unparsed sheets


@dataclass
class _Cell:
    value: Any
    data_type: str
    style: int


@dataclass
class _Sheet:
    name: str
    part: str
    rel_id: str
    attributes: str  # of its <sheet> element in workbook.xml, verbatim
    xml: str = ""
    cells: dict[tuple[int, int], _Cell] = field(default_factory=dict)
    covered: set[tuple[int, int]] = field(default_factory=set)  # merged, not the first cell
    rels: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, type, target, raw
    comments: dict[tuple[int, int], tuple[str, str | None, int, int]] = field(default_factory=dict)
    unquoted: list[tuple[int, int]] = field(default_factory=list)  # text like a formula
    removed: list[Removed] = field(default_factory=list)  # formulas taken out, in cell order
    changed: bool = False  # its XML is written again
    marked: bool = False  # its cells or comments change
    parsed: bool = False  # its cells are read (else it goes out as it came, but for its tab)


class _Marked:
    def __init__(self, data: bytes) -> None:
        if not sniff(
            data,
            "",
            max_file_bytes=DEFAULT_MAX_FILE_BYTES,
            max_uncompressed_bytes=DEFAULT_MAX_UNCOMPRESSED_BYTES,
            parts=False,
        ).readable:
            raise NotDirect("the package")
        self.package = Package(data, "")
        self.members = {e.name: e for e in package.entries(data)}
        root = _rels(self._read(_ROOT_RELS))
        self.left_out = {  # (relationship id, part) of the parts openpyxl leaves out
            (rel_id, target)
            for rel_id, kind, target, _ in root
            if kind.rsplit("/", 1)[-1] in _LEFT_OUT
        }
        for _, kind, target, _ in root:
            if kind.rsplit("/", 1)[-1] not in _ROOT_PARTS | _LEFT_OUT:
                raise NotDirect(f"a package part {target}")
        book = package.workbook_part(self.members)
        if book is None:
            raise NotDirect("no workbook part")
        self.book_part = book
        self.book_xml = self._read(book)
        self.book_rels = _rels(self._read(package.rels_name(book)), posixpath.dirname(book))
        self.left_out |= {
            (rel_id, target)
            for rel_id, kind, target, _ in self.book_rels
            if kind.rsplit("/", 1)[-1] in _LEFT_OUT
        }
        for _, kind, target, _ in self.book_rels:
            if kind.rsplit("/", 1)[-1] not in _WORKBOOK_PARTS | _LEFT_OUT:
                raise NotDirect(f"a workbook part {target}")
        targets = {rel_id: target for rel_id, _, target, _ in self.book_rels}
        styles = package.related_part(self.members, book, "styles")
        if styles is None:
            raise NotDirect("no styles")
        self.styles_part = styles
        self.styles = StyleSheet(self._read(styles))
        strings = package.related_part(self.members, book, "sharedStrings")
        self.strings = (
            read_string_table(BytesIO(self.package.read(strings))) if strings is not None else []
        )
        self._strings_plain: bool | None = None
        if _has_element(self.book_xml, "externalReferences") or _has_element(
            self.book_xml, "pivotCaches"
        ):
            raise NotDirect("external references")
        self.epoch = (
            CALENDAR_MAC_1904
            if re.search(r"""<workbookPr\b[^>]*\bdate1904=["'](?:1|true)""", self.book_xml)
            else CALENDAR_WINDOWS_1900
        )
        self.sheets: list[_Sheet] = []
        for attributes, name, rel_id in _sheet_elements(self.book_xml):
            part = targets.get(rel_id)
            if part is None or part not in self.members:
                raise NotDirect(f"sheet {name} has no part")
            self.sheets.append(_Sheet(name, part, rel_id, attributes))
        known = self._known_parts()
        for name in self.members:
            if name not in known and not name.startswith("xl/webextensions/"):
                raise NotDirect(f"a part {name}")

    def _read(self, part: str) -> str:
        if part not in self.members:
            raise NotDirect(f"no part {part}")
        return self.package.read(part).decode("utf-8")

    def _known_parts(self) -> set[str]:
        known = {_TYPES, _ROOT_RELS, self.book_part, package.rels_name(self.book_part)}
        known |= {target for _, _, target, _ in _rels(self._read(_ROOT_RELS))}
        known |= {target for _, _, target, _ in self.book_rels}
        for sheet in self.sheets:
            rels_part = package.rels_name(sheet.part)
            if rels_part in self.members:
                known.add(rels_part)
                sheet.rels = _rels(self._read(rels_part), posixpath.dirname(sheet.part))
                for _, kind, target, _ in sheet.rels:
                    if kind not in _SHEET_PARTS:
                        raise NotDirect(f"sheet {sheet.name} has a part {kind}")
                    known.add(target)
        return known

    # -- reading the sheets ---------------------------------------------------------------------

    def _load(self, sheet: _Sheet) -> None:
        """Inflate, check and parse one sheet (never the region sheet)."""
        self._check(sheet)
        self._parse(sheet)

    def _check(self, sheet: _Sheet) -> None:
        """Inflate one sheet and check what stands outside its cells; a selected sheet is
        selected no longer (the list is)."""
        sheet.xml = self._read(sheet.part)
        xml = sheet.xml
        if not xml.lstrip().startswith(("<worksheet", "<?xml")) or f'xmlns="{_NS}"' not in xml:
            raise NotDirect(f"sheet {sheet.name} is not in the default namespace")
        start, end = xml.find("<sheetData"), xml.find("</sheetData>")
        outside = xml[:start] + xml[end:] if start >= 0 and end >= 0 else xml
        for tag in _TAG.findall(outside):
            if tag not in _SHEET_ELEMENTS and not tag.startswith("?"):
                raise NotDirect(f"sheet {sheet.name} has {tag}")
        for _, formula in _RULE_FORMULA.findall(outside):
            if reaches_outside(html.unescape(formula)):
                raise NotDirect(f"sheet {sheet.name} has a rule that reaches outside")
        if re.search(r'<c\b[^>]*\st="d"', xml[start:end] if start >= 0 else ""):
            raise NotDirect(f"sheet {sheet.name} has a date as text (openpyxl writes a time)")
        if _TAB_SELECTED.search(outside):  # not in the cells: a text may say tabSelected="1"
            if start >= 0 and end >= 0:
                head, tail = _TAB_SELECTED.sub("", xml[:start]), _TAB_SELECTED.sub("", xml[end:])
                sheet.xml = head + xml[start:end] + tail
            else:
                sheet.xml = _TAB_SELECTED.sub("", xml)
            sheet.changed = True

    def _plain(self, sheet: _Sheet) -> bool:
        """Are the cells of a checked sheet (no comments) seen, without parsing them, to be
        what ``_parse`` reads without a change, a refusal or an error? False when not sure."""
        if any(kind in (_REL_COMMENTS, _REL_VML) for _, kind, _, _ in sheet.rels):
            return False
        xml = sheet.xml
        start, end = xml.find("<sheetData"), xml.find("</sheetData>")
        if start < 0 or end < 0:
            return False
        rows = xml[start:end]
        if any(w in rows for w in ("<!", "<?", "&#", "xmlns")) or ILLEGAL_CHARACTERS_RE.search(
            rows
        ):
            return False  # a comment, CDATA, a character reference, a namespace: not plain
        tags = _TAG.findall(rows)
        if not set(tags) <= _PLAIN_TAGS or len(_STRICT_TAG.findall(rows)) != len(tags):
            return False
        types = _CELL_TYPE.findall(rows)
        styles = set(_CELL_STYLE.findall(rows))
        if not set(types) <= _PLAIN_TYPES or not all(s.isdigit() for s in styles):
            return False
        if max(map(int, styles), default=0) >= len(self.styles.cell_xfs):
            return False
        dated = self.styles.date_formats | self.styles.timedelta_formats
        if {int(s) for s in styles} & dated and any(
            int(s) in dated for s in set(_FILLED_STYLE.findall(rows))
        ):
            return False  # a date, or a number out of a date's range: read by the parser
        values = _VALUE.findall(rows)
        if len(values) != len(re.findall(r"<v[\s/>]", rows)) or not all(
            _NUMBER.fullmatch(v) for v in set(values)
        ):
            return False
        if "s" in types:
            shared = _SHARED_INDEX.findall(rows)
            if not self._plain_strings() or len(shared) != types.count("s"):
                return False
            if max(map(int, shared), default=0) >= len(self.strings):
                return False
        texts = _TEXT.findall(rows)
        if len(texts) + len(re.findall(r"<t\b[^>]*/>", rows)) != len(re.findall(r"<t[\s/>]", rows)):
            return False
        if any(looks_like_formula(html.unescape(t)) for t in set(texts)):
            return False
        refs = _CELL_R.findall(rows)
        if not all(_PLAIN_REF.fullmatch(r) for r in refs) or not all(
            r.isdigit() for r in _ROW_REF.findall(rows)
        ):
            return False
        try:  # well-formed, as the parser would find it (the intake refused declarations)
            expat.ParserCreate().Parse(xml.encode("utf-8"), True)
        except expat.ExpatError:
            return False
        return True

    def _plain_strings(self) -> bool:
        """Is every shared string one that ``_parse`` takes as it is?"""
        if self._strings_plain is None:
            self._strings_plain = all(
                isinstance(s, str)
                and not ILLEGAL_CHARACTERS_RE.search(s)
                and not looks_like_formula(s)
                for s in self.strings
            )
        return self._strings_plain

    def _parse(self, sheet: _Sheet) -> None:
        """Read a checked sheet's cells, merged ranges and comments."""
        sheet.parsed = True
        xml = sheet.xml
        start, end = xml.find("<sheetData"), xml.find("</sheetData>")
        outside = xml[:start] + xml[end:] if start >= 0 and end >= 0 else xml
        # The parser gets the cells and merged ranges only: the rest is checked above.
        merges = re.search(r"<mergeCells\b.*?</mergeCells>", outside, re.S)
        rows = xml[start:end] + "</sheetData>" if start >= 0 and end >= 0 else ""
        root = xml[: xml.index(">", xml.index("<worksheet")) + 1]  # with its namespaces
        body = f"{root}{rows}{merges.group(0) if merges else ''}</worksheet>"
        source = _Source(body.encode("utf-8"), self.strings, self.epoch, self.styles)
        quoted = self.styles.quoted
        count = len(self.styles.cell_xfs)
        try:
            cells, merged = self._cells(source, merges.group(0) if merges else "", root)
        except Unsure:
            cells, merged = self._parsed_cells(source)
        formulas: list[tuple[int, int, str, int]] = []
        for row, column, value, kind, style in cells:
            if kind == "f" and isinstance(value, str) and style < count:
                formulas.append((row, column, value, style))
                continue
            if kind in ("f", "e") or style >= count:
                raise NotDirect(f"sheet {sheet.name} has an error value or an array formula")
            if kind == "s" and value is not None:
                if not isinstance(value, str) or ILLEGAL_CHARACTERS_RE.search(value):
                    raise NotDirect(f"sheet {sheet.name} has text that changes")
                if looks_like_formula(value) and style not in quoted:
                    sheet.unquoted.append((row, column))
            sheet.cells[(row, column)] = _Cell(value, kind, style)
        for cell_range in merged.mergeCell if merged else []:
            low_col, low_row, high_col, high_row = range_boundaries(cell_range.ref)
            for row in range(low_row, high_row + 1):
                for column in range(low_col, high_col + 1):
                    if (row, column) != (low_row, low_col):
                        sheet.covered.add((row, column))  # openpyxl reads None there
        for _, kind, target, _ in sheet.rels:
            if kind == _REL_COMMENTS:
                comments = CommentSheet.from_tree(fromstring(self._read(target)))
                for ref, comment in comments.comments:
                    key = _position(ref)
                    if key not in sheet.covered:  # openpyxl drops a comment under a merge
                        sheet.comments[key] = (comment.content, comment.author, 79, 144)
            elif kind == _REL_VML:
                self._read(target)  # through the intake's checks: it goes out again
        if formulas:
            self._take_out(sheet, formulas, source)

    def _take_out(
        self, sheet: _Sheet, formulas: list[tuple[int, int, str, int]], source: _Source
    ) -> None:
        """Each formula becomes the text of the value Excel last calculated for it, read as
        openpyxl reads the file with ``data_only=True``, as ``sanitise`` leaves the cell."""
        from .party import TEXT_LIMIT, text_body

        if sheet.name in (STATE_SHEET, TEXTS["sheet"]):
            raise NotDirect(f"a formula in sheet {sheet.name}")
        with warnings.catch_warnings(), fast_sheet_parser(source, source, data_only=True) as p:
            warnings.simplefilter("ignore")  # a date out of range: an error value
            shown = {(c["row"], c["column"]): c["value"] for _, row in p.parse() for c in row}
        quoted = self.styles.quoted
        for row, column, formula, style in sorted(formulas):
            key, ref = (row, column), _reference((row, column))
            text = shown_text(shown.get(key))
            if text is not None:
                text = ILLEGAL_CHARACTERS_RE.sub("", text)
                if not text or len(text) > TEXT_LIMIT:
                    raise NotDirect(f"the value of the formula in {ref} as text")
                if looks_like_formula(text) and style not in quoted:
                    sheet.unquoted.append(key)
            start, end = _cell_tag(sheet.xml, ref)
            close = sheet.xml.index("</c>", end) + len("</c>")
            head = f'<c r="{ref}"' + (f' s="{style}"' if style else "")
            if text is not None:
                cell = head + text_body(text)[1]
                sheet.cells[key] = _Cell(text, "s", style)
            elif style or key in sheet.comments:
                cell = head + " />"
                sheet.cells[key] = _Cell(None, "n", style)
            else:  # empty, without a format or a comment: openpyxl does not write it
                cell = ""
                sheet.cells.pop(key, None)
            sheet.xml = sheet.xml[:start] + cell + sheet.xml[close:]
            sheet.removed.append(Removed(sheet.name, ref, formula))
        sheet.changed = True

    def _cells(self, source: _Source, merges: str, root: str) -> tuple[list[Cell], Any]:
        """The cells and merged ranges of a sheet's cells and merges (``source``), read as
        openpyxl's parser reads them: its cells by ``SheetCells``, which raises ``Unsure`` for
        anything it does not read with certainty, once the parser would find them well-formed."""
        try:
            expat.ParserCreate().Parse(source.data, True)
        except expat.ExpatError:
            raise Unsure("not well-formed") from None
        styles = self.styles
        found = SheetCells(
            source.data,
            self.strings,
            date_formats=styles.date_formats,
            timedelta_formats=styles.timedelta_formats,
            epoch=self.epoch,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a date out of range: an error value, as below
            cells = list(found.cells())
        if not merges:
            return cells, None
        element = fromstring(f"{root}{merges}</worksheet>").find(f"{{{_NS}}}mergeCells")
        return cells, MergeCells.from_tree(element)

    def _parsed_cells(self, source: _Source) -> tuple[list[Cell], Any]:
        """``_cells`` by openpyxl's own sheet parser: any sheet it can read."""
        cells: list[Cell] = []
        with warnings.catch_warnings(), fast_sheet_parser(source, source) as parser:
            warnings.simplefilter("ignore")  # a date out of range: an error value
            for _, row in parser.parse():
                cells.extend(
                    (c["row"], c["column"], c["value"], c["data_type"], int(c["style_id"] or 0))
                    for c in row
                )
            return cells, parser.merged_cells

    def _check_monitor(self, sheet: _Sheet) -> None:
        """The region sheet goes out as it came: plain values only, checked once per process
        for each compressed form."""
        if sheet.rels:
            raise NotDirect("the region sheet has parts of its own")
        entry = self.members[sheet.part]
        key = (entry.crc, entry.size)
        if _VERIFIED.get(key) == entry.compressed:
            return
        xml = self.package.read(sheet.part)  # the intake's checks, once
        if any(word in xml for word in _MONITOR_UNPLAIN) or _TAB_SELECTED.search(
            xml[: xml.find(b"<sheetData")].decode("utf-8", "replace")
        ):
            raise NotDirect("the region sheet is not plain values")
        if len(_VERIFIED) >= 4:
            _VERIFIED.clear()
        _VERIFIED[key] = entry.compressed

    # -- the feedback -------------------------------------------------------------------------

    def write(
        self,
        findings: list[Finding],
        *,
        party_name: str,
        round_: str,
        signature: tuple[str, bytes] | None,
        script: lite.LiteScript | None,
    ) -> bytes:
        dropped = {s.name for s in self.sheets if s.name in (TEXTS["sheet"], STATE_SHEET)}
        if any(f.sheet == STATE_SHEET or "$" in (f.cell or "") for f in findings):
            raise NotDirect("a finding in the undo sheet, or at a cell written with $")
        old_state = next((s for s in self.sheets if s.name == STATE_SHEET), None)
        # The cells of a sheet with findings or earlier marks are read; any other sheet goes
        # out as it came when it is seen to be plain (its values are read when signed).
        parse = {f.sheet for f in findings}
        if old_state is not None:
            self._load(old_state)
            parse |= {c.value for (_, column), c in old_state.cells.items() if column == 1}
        for sheet in self.sheets:
            if sheet.name == SHEET_MONITOR:
                self._check_monitor(sheet)
            elif sheet.name != TEXTS["sheet"] and sheet is not old_state:
                self._check(sheet)
                if sheet.name in parse or not self._plain(sheet):
                    self._parse(sheet)
        for sheet in self.sheets:
            if sheet.name == TEXTS["sheet"] and _FORMULA_TAG.search(self._read(sheet.part)):
                raise NotDirect("a formula in an earlier list")  # the plain way lists it
        removed = [r for sheet in self.sheets for r in sheet.removed]
        findings = findings + removal_findings(removed, findings)
        kept = [s for s in self.sheets if s.name not in dropped]
        for sheet in kept:  # sanitise: text that starts like a formula keeps Excel's prefix
            for key in sheet.unquoted:
                self._set_style(sheet, key, self.styles.quoted_copy(sheet.cells[key].style))
        by_name = {s.name: s for s in kept}
        if old_state is not None:
            self._undo(old_state, by_name)
        marks = _marks(findings, by_name)
        state_rows: list[str] = []
        for number, ((name, ref), (severity, messages)) in enumerate(marks.items(), start=1):
            state_rows.append(self._mark(by_name[name], ref, severity, messages, number))
        sheets = [TEXTS["sheet"]] + [s.name for s in kept] + ([STATE_SHEET] if marks else [])
        listing_styles = self.styles.listing()

        def found(f: Finding) -> Any:
            sheet = by_name.get(f.sheet or "")
            if sheet is None or not valid_cell(f.cell):
                return f.value
            key = _position(str(f.cell))
            if key in sheet.covered:
                return f.value
            cell = sheet.cells.get(key)
            return None if cell is None else cell.value

        listing = listing_xml(
            findings,
            party_name=party_name,
            round_=round_,
            sheets=sheets,
            found=found,
            styles=listing_styles,
            selected=True,
        )
        return self._package(kept, dropped, listing, state_rows, findings, signature, script)

    def _undo(self, state: _Sheet, sheets: Mapping[str, _Sheet]) -> None:
        """Take away the fills and comments of an earlier feedback (``_undo_previous``)."""
        rows: dict[int, dict[int, _Cell]] = {}
        for (row, column), cell in state.cells.items():
            if column <= 5:
                rows.setdefault(row, {})[column] = cell
        for row in sorted(rows):
            cells = rows[row]

            def value(column: int, cells: dict[int, _Cell] = cells) -> Any:
                found = cells.get(column)
                return None if found is None else found.value

            name, ref = value(1), value(2)
            if name not in sheets or not valid_cell(ref):
                continue
            sheet, key = sheets[name], _position(ref)
            if key in sheet.covered:
                raise NotDirect("an earlier mark under a merge")
            saved = cells.get(5)
            fill = self.styles.fill_of(saved.style if saved is not None else 0)
            self._set_fill(sheet, key, self.styles.copied_fill(fill))
            text, author = value(3), value(4)
            if text is None:
                sheet.comments.pop(key, None)
            else:
                sheet.comments[key] = (str(text), str(author or ""), 79, 144)
            sheet.marked = True

    def _mark(
        self, sheet: _Sheet, key: tuple[int, int], severity: str, messages: list[str], row: int
    ) -> str:
        """Mark one cell (``_mark_cells``) and return its row of the undo sheet."""
        cell = sheet.cells.get(key)
        saved = self.styles.state_xf(self.styles.fill_of(cell.style) if cell is not None else 0)
        text = "\n\n".join(messages)
        old = sheet.comments.get(key)
        cells = [_text_cell(f"A{row}", sheet.name), _text_cell(f"B{row}", _reference(key))]
        if old is not None:
            cells.append(_text_cell(f"C{row}", old[0]))
            if old[1] is not None:
                cells.append(_text_cell(f"D{row}", old[1]))
            text = f"{text}\n\n{TEXTS['separator']}\n{old[0]}"
        if saved is not None:  # a cell without a fill of its own gets no format: not written
            cells.append(f'<c r="E{row}" s="{saved}" t="n" />')
        self._set_fill(sheet, key, self.styles.mark_fill(severity))
        sheet.comments[key] = (text, AUTHOR, comment_height(text), COMMENT_WIDTH)
        sheet.marked = True
        return f'<row r="{row}">{"".join(cells)}</row>'

    def _set_fill(self, sheet: _Sheet, key: tuple[int, int], fill: int) -> None:
        cell = sheet.cells.get(key)
        self._set_style(sheet, key, self.styles.with_fill(cell.style if cell else None, fill))

    def _set_style(self, sheet: _Sheet, key: tuple[int, int], style: int) -> None:
        cell = sheet.cells.get(key)
        if cell is None:
            sheet.cells[key] = _Cell(None, "n", style)
            sheet.xml = _insert_cell(sheet.xml, key, style)
        else:
            cell.style = style
            sheet.xml = _restyle_cell(sheet.xml, key, style)
        sheet.changed = True

    def _values(self, sheet: _Sheet) -> Iterator[Sequence[Any]]:
        """A data sheet's rows for the marker; those of a sheet not parsed are read now, or
        known from the same compressed bytes read in this process (with the same strings,
        styles and dates)."""
        if sheet.parsed:
            yield from _rows(sheet)
            return
        entry = self.members[sheet.part]
        key = (entry.compressed, self.styles.source, tuple(self.strings), self.epoch)
        rows = _ROWS.get(key)
        if rows is None:
            self._parse(sheet)
            if sheet.unquoted or sheet.marked:
                raise NotDirect(f"sheet {sheet.name} is not plain after all")
            rows = tuple(tuple(row) for row in _rows(sheet))
            if len(_ROWS) >= 8:
                _ROWS.clear()
            _ROWS[key] = rows
        yield from rows

    # -- writing the package ------------------------------------------------------------------

    def _package(
        self,
        kept: list[_Sheet],
        dropped: set[str],
        listing: str,
        state_rows: list[str],
        findings: list[Finding],
        signature: tuple[str, bytes] | None,
        script: lite.LiteScript | None,
    ) -> bytes:
        out: dict[str, package.Entry] = dict(self.members)
        removed: set[str] = set()
        added: dict[str, str] = {}  # part name -> content type (an Override)
        for sheet in self.sheets:
            if sheet.name in dropped:
                removed |= {sheet.part, package.rels_name(sheet.part)}
                removed |= {t for _, k, t, _ in sheet.rels if k in (_REL_COMMENTS, _REL_VML)}
        taken = set(self.members)
        for sheet in kept:
            if sheet.marked:
                self._write_comments(sheet, out, removed, added, taken)
            if sheet.changed:
                out[sheet.part] = package.deflated(sheet.part, sheet.xml.encode("utf-8"))
        listing_part = _free(taken, "xl/worksheets/sheet{}.xml")
        added[listing_part] = _WORKSHEET_TYPE
        out[listing_part] = package.deflated(listing_part, listing.encode("utf-8"))
        new_sheets = [(TEXTS["sheet"], listing_part, "visible")]
        if state_rows:
            state_part = _free(taken, "xl/worksheets/sheet{}.xml")
            added[state_part] = _WORKSHEET_TYPE
            out[state_part] = package.deflated(state_part, _state_xml(state_rows).encode("utf-8"))
            new_sheets.append((STATE_SHEET, state_part, "veryHidden"))
        book_rels, new_ids = _workbook_rels(
            self._read(package.rels_name(self.book_part)),
            {s.rel_id for s in self.sheets if s.name in dropped} | {i for i, _ in self.left_out},
            [(part, self.book_part) for _, part, _ in new_sheets],
        )
        out[package.rels_name(self.book_part)] = package.deflated(
            package.rels_name(self.book_part), book_rels.encode("utf-8")
        )
        book = _workbook_xml(
            self.book_xml,
            self.sheets,
            kept,
            list(zip(new_sheets, new_ids, strict=True)),
            len(findings),
        )
        out[self.book_part] = package.deflated(self.book_part, book.encode("utf-8"))
        out[self.styles_part] = package.deflated(
            self.styles_part, self.styles.xml().encode("utf-8")
        )
        frame = {e.name: e for e in listing_frame_members()}
        out[_APP] = replace(frame[_APP], name=_APP)
        props = (
            DocumentProperties.from_tree(fromstring(self._read(_CORE)))
            if _CORE in self.members
            else DocumentProperties()
        )
        out[_CORE] = package.deflated(_CORE, core_properties_xml(props))
        root_rels = self._read(_ROOT_RELS)
        for rel_id, part in self.left_out:
            removed.add(part)
            root_rels = re.sub(
                rf'<Relationship\b[^>]*\bId="{re.escape(rel_id)}"[^>]*/>', "", root_rels
            )
        if signature is not None:
            party, key = signature
            custom = (
                CustomPropertyList.from_tree(fromstring(self._read(_CUSTOM)))
                if _CUSTOM in self.members
                else CustomPropertyList()
            )
            values = {s.name: self._values(s) for s in kept}  # each read when signed
            marker.signed(custom, marker.signature(key, party, values))
            if _CUSTOM not in self.members:
                added[_CUSTOM] = _CUSTOM_TYPE
                root_rels = _with_relationship(root_rels, _REL_CUSTOM, _CUSTOM)
            out[_CUSTOM] = package.deflated(_CUSTOM, tostring(custom.to_tree()))
        for name in (_APP, _CORE):
            if name not in self.members:
                raise NotDirect(f"no {name}")  # openpyxl writes both; here they are replaced
        out[_ROOT_RELS] = package.deflated(_ROOT_RELS, root_rels.encode("utf-8"))
        out[_TYPES] = package.deflated(
            _TYPES, _content_types(self._read(_TYPES), removed, added).encode("utf-8")
        )
        order = [n for n in self.members if n not in removed] + [
            n for n in out if n not in self.members
        ]
        entries = [out[n] for n in order]
        parts = lite.entries(script) if script is not None else []
        return package.write(lite.embed_entries(entries, parts))

    def _write_comments(
        self,
        sheet: _Sheet,
        out: dict[str, package.Entry],
        removed: set[str],
        added: dict[str, str],
        taken: set[str],
    ) -> None:
        """The sheet's comments part and its drawing written again, as openpyxl writes them."""
        old = [(i, k, t) for i, k, t, _ in sheet.rels if k in (_REL_COMMENTS, _REL_VML)]
        for _, _, target in old:
            removed.add(target)
            out.pop(target, None)
        rels = [raw for _, kind, _, raw in sheet.rels if kind not in (_REL_COMMENTS, _REL_VML)]
        xml = re.sub(r"<legacyDrawing\b[^>]*/>", "", sheet.xml)
        if sheet.comments:
            records = []
            for (row, column), (text, author, height, width) in sorted(sheet.comments.items()):
                record = CommentRecord(ref=_reference((row, column)), author=author)
                record.text.t = text
                record.height, record.width = height, width
                records.append(record)
            comments = CommentSheet.from_comments(records)
            comments_part = _free(taken, "xl/comments/comment{}.xml")
            vml_part = _free(taken, "xl/drawings/commentsDrawing{}.vml")
            out[comments_part] = package.deflated(comments_part, tostring(comments.to_tree()))
            out[vml_part] = package.deflated(vml_part, comments.write_shapes(None))
            added[comments_part] = _COMMENTS_TYPE
            added[vml_part] = ""  # a Default for .vml
            ids = {i for i, _, _, _ in sheet.rels}
            comments_id, vml_id = _free_id(ids, "comments"), _free_id(ids, "anysvml")
            rels += [
                _relationship(comments_id, _REL_COMMENTS, "/" + comments_part),
                _relationship(vml_id, _REL_VML, "/" + vml_part),
            ]
            xml = _once(
                xml,
                "</worksheet>",
                f'<legacyDrawing xmlns:r="{_DOC_REL}" r:id="{vml_id}" /></worksheet>',
            )
        sheet.xml, sheet.changed = xml, True
        rels_part = package.rels_name(sheet.part)
        if rels:
            body = f'<Relationships xmlns="{_PKG_REL}">{"".join(rels)}</Relationships>'
            out[rels_part] = package.deflated(rels_part, body.encode("utf-8"))
        elif rels_part in out:
            removed.add(rels_part)
            out.pop(rels_part)


# -- cells ----------------------------------------------------------------------------------------


def _position(ref: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(ref.replace("$", "").upper())
    return row, column_index_from_string(letters)


def _reference(key: tuple[int, int]) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(key[1])}{key[0]}"


def _cell_tag(xml: str, ref: str) -> tuple[int, int]:
    """Where the start tag of the cell ``ref`` is (found by its reference, not by a scan of
    every cell); it must be there once."""
    found = []
    at = xml.find(f' r="{ref}"')
    while at >= 0:
        start = xml.rfind("<", 0, at)
        if xml.startswith("<c", start) and xml[start + 2].isspace() and ">" not in xml[start:at]:
            found.append((start, xml.index(">", at) + 1))
        at = xml.find(f' r="{ref}"', at + 1)
    if len(found) != 1:
        raise NotDirect(f"cell {ref} not found once")
    return found[0]


def _restyle_cell(xml: str, key: tuple[int, int], style: int) -> str:
    start, end = _cell_tag(xml, _reference(key))
    tag = xml[start:end]
    closed = tag.endswith("/>")
    head = tag[: -2 if closed else -1].rstrip()
    head = re.sub(r'\ss="[^"]*"', "", head) + f' s="{style}"'
    return xml[:start] + head + ("/>" if closed else ">") + xml[end:]


_ROW = re.compile(r'<row\b[^>]*?\sr="(\d+)"[^>]*?(/?)>')
_CELL_REF = re.compile(r'<c\b[^>]*?\sr="([A-Z]+)(\d+)"')


def _insert_cell(xml: str, key: tuple[int, int], style: int) -> str:
    """A new empty cell with a format (openpyxl writes ``<c r=".." s=".." t="n" />``)."""
    row, column = key
    cell = f'<c r="{_reference(key)}" s="{style}" t="n" />'
    data_start = xml.find("<sheetData")
    data_end = xml.find("</sheetData>")
    if data_start < 0:
        raise NotDirect("no sheetData")
    if data_end < 0:  # <sheetData/>
        close = xml.index(">", data_start)
        if xml[close - 1] != "/":
            raise NotDirect("sheetData not closed")
        return (
            xml[: close - 1].rstrip()
            + f'><row r="{row}">{cell}</row></sheetData>'
            + xml[close + 1 :]
        )
    rows = list(_ROW.finditer(xml, data_start, data_end))
    if len(rows) != len(re.findall(r"<row[\s>/]", xml[data_start:data_end])):
        raise NotDirect("a row without its number")
    for found in rows:
        number = int(found.group(1))
        if number < row:
            continue
        if number > row:
            return xml[: found.start()] + f'<row r="{row}">{cell}</row>' + xml[found.start() :]
        head = re.sub(r'\sspans="[^"]*"', "", found.group(0))
        if found.group(2):  # <row .../>
            head = head[:-2].rstrip() + ">"
            return xml[: found.start()] + head + cell + "</row>" + xml[found.end() :]
        end = xml.index("</row>", found.end())
        position = end
        refs = list(_CELL_REF.finditer(xml, found.end(), end))
        if len(refs) != len(re.findall(r"<c[\s>/]", xml[found.end() : end])):
            raise NotDirect("a cell without its reference")
        for ref in refs:
            if int(ref.group(2)) != row:
                raise NotDirect("a cell outside its row")
            if column_index_from_string(ref.group(1)) > column:
                position = ref.start()
                break
        return xml[: found.start()] + head + xml[found.end() : position] + cell + xml[position:]
    return xml[:data_end] + f'<row r="{row}">{cell}</row>' + xml[data_end:]


def _text_cell(ref: str, value: str) -> str:
    """A value set with ``cell.value =`` (text; one that starts with '=' would be a formula)."""
    from .party import text_body

    if value.startswith("="):
        raise NotDirect("undo text that openpyxl would take for a formula")
    return f'<c r="{ref}"{text_body(value)[1]}'


def _marks(
    findings: Sequence[Finding], sheets: Mapping[str, _Sheet]
) -> dict[tuple[str, tuple[int, int]], tuple[str, list[str]]]:
    """The cells to mark, as ``_mark_cells`` finds them: severity and messages per cell."""
    marks: dict[tuple[str, tuple[int, int]], tuple[str, list[str]]] = {}
    for f in findings:
        sheet = sheets.get(f.sheet or "")
        if sheet is None or not valid_cell(f.cell):
            continue
        key = _position(str(f.cell))
        if key in sheet.covered:
            continue
        severity, messages = marks.setdefault((sheet.name, key), (f.severity, []))
        if f.blocking:
            severity = "error"
        if f.message not in messages:
            messages.append(f.message)
        marks[(sheet.name, key)] = (severity, messages)
    return {
        (name, key): value
        for (name, key), value in sorted(
            marks.items(), key=lambda item: (item[0][0], _reference(item[0][1]))
        )
    }


def _rows(sheet: _Sheet) -> Iterator[list[Any]]:
    """A data sheet's rows from the first data row, as ``iter_rows(values_only=True)``."""
    rows: dict[int, dict[int, Any]] = {}
    for (row, column), cell in sheet.cells.items():
        if row >= FIRST_DATA_ROW and (row, column) not in sheet.covered:
            rows.setdefault(row, {})[column] = cell.value
    for row in sorted(rows):
        values = rows[row]
        yield [values.get(c) for c in range(1, max(values) + 1)]


# -- the undo sheet -------------------------------------------------------------------------------


@functools.cache
def _state_frame() -> str:
    import openpyxl

    from .xlsx import save

    book = openpyxl.Workbook()
    ws = book.create_sheet(STATE_SHEET)
    ws.sheet_state = "veryHidden"
    ws.sheet_view.tabSelected = False
    members = {e.name: e for e in package.entries(save(book))}
    return members["xl/worksheets/sheet2.xml"].content().decode("utf-8")


def _state_xml(rows: list[str]) -> str:
    xml = _state_frame()
    xml = _once(xml, '<dimension ref="A1:A1" />', f'<dimension ref="A1:E{len(rows)}" />')
    for empty in ("<sheetData />", "<sheetData/>", "<sheetData></sheetData>"):
        if empty in xml:
            return xml.replace(empty, f"<sheetData>{''.join(rows)}</sheetData>", 1)
    raise RuntimeError("unexpected undo sheet frame")


# -- workbook.xml, relationships, content types -------------------------------------------------------


def _sheet_elements(xml: str) -> list[tuple[str, str, str]]:
    """(attributes as written, name, relationship id) of every <sheet> in workbook.xml."""
    if not re.search(rf'<workbook\b[^>]*\sxmlns="{re.escape(_NS)}"', xml):
        raise NotDirect("workbook.xml in a namespace prefix")
    out = []
    for found in re.finditer(r"<sheet\b([^>]*?)/?>", xml):
        attributes = found.group(1)
        name = re.search(r'\bname="([^"]*)"', attributes)
        rel = re.search(r'\b\w+:id="([^"]*)"', attributes)
        if name is None or rel is None:
            raise NotDirect("a sheet without name or part")
        out.append((attributes, html.unescape(name.group(1)), rel.group(1)))
    return out


def _workbook_xml(
    xml: str,
    sheets: list[_Sheet],
    kept: list[_Sheet],
    new: list[tuple[tuple[str, str, str], str]],
    findings: int,
) -> str:
    """workbook.xml with the list first and the undo sheet last, the active tab the list, the
    names that ``sanitise`` removes removed and every sheet's own names renumbered."""
    prefix = re.search(r'\b(\w+):id="', kept[0].attributes if kept else 'r:id="')
    r = prefix.group(1) if prefix else "r"
    ids = [int(i) for i in re.findall(r'\bsheetId="(\d+)"', xml)]
    next_id = max(ids, default=0) + 1
    elements = []
    (listing_name, _, _), listing_rel = new[0]
    elements.append(
        f'<sheet name="{listing_name}" sheetId="{next_id}" state="visible" {r}:id="{listing_rel}"/>'
    )
    elements += [f"<sheet{s.attributes}/>" for s in kept]
    for (name, _, state), rel in new[1:]:
        next_id += 1
        elements.append(
            f'<sheet name="{name}" sheetId="{next_id}" state="{state}" {r}:id="{rel}"/>'
        )
    start, end = xml.find("<sheets"), xml.find("</sheets>")
    if start < 0 or end < 0:
        raise NotDirect("no sheets in workbook.xml")
    head = xml[: xml.index(">", start) + 1]
    xml = head + "".join(elements) + xml[end:]
    old = {i: s.name for i, s in enumerate(sheets)}
    position = {s.name: i + 1 for i, s in enumerate(kept)}
    names = (
        [
            '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"'{TEXTS['sheet']}'!$A$6:$F${6 + findings}</definedName>"
        ]
        if findings
        else []
    )
    for found in re.finditer(r"<definedName\b([^>]*)>(.*?)</definedName>", xml, re.S):
        attributes = found.group(1)
        called = re.search(r'\bname="([^"]*)"', attributes)
        local = re.search(r'\blocalSheetId="(\d+)"', attributes)
        if called is None or local is None:
            continue  # a name of the workbook: sanitise removes it
        if called.group(1) not in (
            "_xlnm._FilterDatabase",
            "_xlnm.Print_Titles",
            "_xlnm.Print_Area",
        ):
            continue
        sheet = old.get(int(local.group(1)))
        if sheet not in position:
            continue
        attributes = attributes.replace(local.group(0), f'localSheetId="{position[sheet]}"')
        names.append(f"<definedName{attributes}>{found.group(2)}</definedName>")
    xml = re.sub(r"<definedNames\b[^>]*?(?:/>|>.*?</definedNames>)", "", xml, flags=re.S)
    if names:
        block = f"<definedNames>{''.join(names)}</definedNames>"
        anchor = re.search(
            r"<calcPr\b|<oleSize\b|<customWorkbookViews\b|<pivotCaches\b|<smartTagPr\b|<smartTagTypes\b|<webPublishing\b|<fileRecoveryPr\b|<webPublishObjects\b|<extLst\b|</workbook>",
            xml,
        )
        assert anchor is not None
        xml = xml[: anchor.start()] + block + xml[anchor.start() :]
    view = re.search(r"<workbookView\b[^>]*?/?>", xml)
    if view is None:
        raise NotDirect("no workbook view")
    tag = set_attributes(view.group(0), activeTab="0")
    return xml[: view.start()] + tag + xml[view.end() :]


def _rels(xml: str, folder: str = "") -> list[tuple[str, str, str, str]]:
    """(id, type, target part, the element as written) of each relationship."""
    out = []
    for found in re.finditer(r"<Relationship\b[^>]*?/>", xml):
        raw = found.group(0)
        rel_id, kind, target = (attribute(raw, n) or "" for n in ("Id", "Type", "Target"))
        if attribute(raw, "TargetMode") == "External":
            raise NotDirect("an external relationship")
        target = html.unescape(target)
        path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        out.append((rel_id, kind, posixpath.normpath(path), raw))
    if "<Relationship" in xml and len(out) != xml.count("<Relationship "):
        raise NotDirect("relationships not as expected")
    return out


def _relationship(rel_id: str, kind: str, target: str) -> str:
    return f'<Relationship Id="{rel_id}" Type="{kind}" Target="{target}"/>'


def _workbook_rels(
    xml: str, dropped: set[str], new_parts: list[tuple[str, str]]
) -> tuple[str, list[str]]:
    rels = [raw for rel_id, _, _, raw in _rels(xml) if rel_id not in dropped]
    ids = {rel_id for rel_id, _, _, _ in _rels(xml)}
    new_ids = []
    for part, _ in new_parts:
        rel_id = _free_id(ids, "rIdPlanmonitor")
        ids.add(rel_id)
        new_ids.append(rel_id)
        rels.append(_relationship(rel_id, _REL_WORKSHEET, "/" + part))
    return f'<Relationships xmlns="{_PKG_REL}">{"".join(rels)}</Relationships>', new_ids


def _with_relationship(xml: str, kind: str, target: str) -> str:
    ids = {rel_id for rel_id, _, _, _ in _rels(xml)}
    return _once(
        xml,
        "</Relationships>",
        _relationship(_free_id(ids, "rId"), kind, target) + "</Relationships>",
    )


def _content_types(xml: str, removed: set[str], added: Mapping[str, str]) -> str:
    for part in removed:
        xml = re.sub(rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", xml)
    extra = "".join(
        f'<Override PartName="/{part}" ContentType="{kind}"/>'
        for part, kind in added.items()
        if kind
    )
    if any(not kind for kind in added.values()) and not re.search(
        r'<Default\b[^>]*Extension="vml"', xml
    ):
        extra = f'<Default Extension="vml" ContentType="{_VML_TYPE}"/>' + extra
    return _once(xml, "</Types>", extra + "</Types>")


def _free(taken: set[str], pattern: str) -> str:
    number = 1
    while pattern.format(number) in taken:
        number += 1
    name = pattern.format(number)
    taken.add(name)
    return name


def _free_id(ids: set[str], base: str) -> str:
    if base not in ids:
        return base
    number = 1
    while f"{base}{number}" in ids:
        number += 1
    return f"{base}{number}"


def _once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise NotDirect(f"not once: {old}")
    return text.replace(old, new, 1)


def _has_element(xml: str, name: str) -> bool:
    return re.search(rf"<(?:\w+:)?{name}\b", xml) is not None


@dataclass
class _Source:
    """What ``xlsx.fast_sheet_parser`` reads of openpyxl's read-only book and worksheet: the
    sheet's XML, the shared strings, the date system and which formats are dates."""

    data: bytes
    _shared_strings: list[str]
    epoch: Any
    styles: StyleSheet

    @property
    def _date_formats(self) -> set[int]:
        return self.styles.date_formats

    @property
    def _timedelta_formats(self) -> set[int]:
        return self.styles.timedelta_formats

    @contextmanager
    def _get_source(self) -> Iterator[BytesIO]:
        yield BytesIO(self.data)
