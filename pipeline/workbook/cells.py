"""A worksheet's cells read straight from its XML, as openpyxl's sheet parser gives them.

openpyxl builds an element per cell and looks at it in Python; here one regular expression walks
the sheet's ``sheetData`` and the cells are taken from its matches, most of them (empty cells,
``<v>`` numbers and strings, ``<is><t>`` inline strings) without building anything. A cell
of any other shape (a formula, rich text, an entity, ``xml:space``) is parsed on its own by
openpyxl's own ``parse_cell`` (``xlsx.FastSheetParser``), so its value is openpyxl's by
construction. Whatever this reading does not recognise with certainty raises ``Unsure`` and the
caller reads the file with openpyxl instead: a namespace prefix on the sheet's elements, a
comment or CDATA section, a cell or row without the attributes in the usual form, an encoding
other than UTF-8. ``tests/test_cells.py`` compares the two readings cell for cell (row, column,
value and type) on our own and Excel-saved workbooks and on every worksheet of the robustness
corpus; ``tests/test_reader_fast.py`` whole readings, LibreOffice-saved copies included.

The sheet's XML must have passed the intake's checks (``intake.Package``): no DOCTYPE or
entity declaration, no more than its declared size.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import fromstring

from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900 as WINDOWS_EPOCH
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet.protection import SheetProtection

from .xlsx import cell_parser, local_name

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# A row: its number, the values of its columns from 1 (None: nothing there), the columns among
# them that hold a formula.
Row = tuple[int, list[Any], list[int]]
# A cell: its row, column, value, data type and style, as openpyxl's ``parse_cell`` gives them.
Cell = tuple[int, int, Any, str, int]

# Characters that may stand as they are in the text of a cell read without a parser: not the
# start of markup or of an entity, no carriage return (XML turns it into a line feed) and no
# control character (not allowed in XML: openpyxl's parser would refuse the sheet).
_TEXT = rb"[^<&\r\x00-\x08\x0b\x0c\x0e-\x1f]*+"
_TOKEN = re.compile(
    # a cell with its attributes in the usual form: column letters, row, style, type; then
    # its <v> text, or its <is><t> text (with "<t>" before it), or anything else it holds,
    # or nothing (self-closing)
    rb'<(?:c r="([A-Z]{1,3}+)([1-9][0-9]*+)"(?: s="([0-9]++)")?(?: t="([A-Za-z]++)")?(?:>'
    rb"(?:<v>(" + _TEXT + rb")</v>|<is>(<t>" + _TEXT + rb")</t></is>|(.*?))</c>| ?/>)"
    # or a row: its attributes and its "/" when it is empty
    rb"|row\b([^>]*?)(/?)>)",
    re.DOTALL,
)
# Column letters to numbers, filled as letters are met (at most Excel's 18,278 three-letter names).
_COLUMNS: dict[bytes, int] = {}
_CHUNK = 256 * 1024  # the sheet is tokenised a stretch of rows at a time (a flood stops early)
_ROW_NUMBER = re.compile(rb'\s+r="([0-9]+)"')
_ATTRIBUTES = re.compile(rb'(?:\s+[A-Za-z_][\w.:-]*="[^"<\x00-\x08\x0b\x0c\x0e-\x1f]*")*\s*')
_PROTECTION = re.compile(rb"<sheetProtection\b[^>]*>")
_ROOT = re.compile(rb'<worksheet\s[^>]*?\bxmlns="([^"]*)"')
_NS = NS.encode()
# In the rows: a cell or row with a namespace prefix (``<x:c>``), or a cell whose attributes
# do not follow a space; comments, CDATA and processing instructions are looked for apart.
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_BARE = re.compile(rb"<c[\t\n\r/>]")
# U+FFFE and U+FFFF: valid UTF-8, but no XML character (openpyxl's parser refuses them).
_NOT_XML = re.compile(b"\xef\xbf[\xbe\xbf]")
_DECLARATION = re.compile(rb'<\?xml[^>]*?encoding="([^"]*)"')


class Unsure(Exception):
    """The sheet is not in a form this reading is sure of: read the file with openpyxl."""


def _column_after(letters: bytes, last: int) -> int:
    """The number of a cell's column, which must come after the row's ``last``."""
    column = _COLUMNS.get(letters)
    if column is None:
        column = _COLUMNS[letters] = column_index_from_string(letters.decode())
    if column <= last:
        raise Unsure("cells out of order")
    return column


class SheetCells:
    """The rows of one worksheet, in file order, as ``WorkSheetParser.parse`` yields them.

    ``rows(width)`` yields each row present in the file with its values as openpyxl gives them
    (rows and the columns in a row must rise, so no cell, empty ones included, stands for
    another); after it, ``protected`` says whether the sheet protection is on as far as
    openpyxl's parser would have seen it (a reading stopped in the rows sees none after them).
    """

    def __init__(
        self,
        xml: bytes,
        shared_strings: Any,
        *,
        date_formats: set[int] | frozenset[int] = frozenset(),
        timedelta_formats: set[int] | frozenset[int] = frozenset(),
        epoch: Any = WINDOWS_EPOCH,
    ) -> None:
        if xml.startswith(b"\xef\xbb\xbf"):
            xml = xml[3:]
        declared = _DECLARATION.match(xml, 0, 512)
        if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"):
            raise Unsure("encoding")
        try:
            xml.decode("utf-8")
        except UnicodeDecodeError:
            raise Unsure("not UTF-8") from None
        root = _ROOT.search(xml, 0, 4096)
        if root is None or root.group(1) != _NS or xml.count(b"xmlns=") != 1:
            raise Unsure("namespace")
        start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
        if start < 0:
            if b":sheetData" in xml:
                raise Unsure("namespace")
            start = end = len(xml)  # no rows at all
        elif end < start:
            if not re.match(rb"<sheetData\s*/>", xml[start:]):
                raise Unsure("sheetData")
            end = start
        if (
            _PREFIXED.search(xml, start, end)
            or _BARE.search(xml, start, end)
            or _PROTECTION.search(xml, start, end)
            or (xml.find(b"!", start, end) >= 0 and xml.find(b"<!", start, end) >= 0)
            or (xml.find(b"?", start, end) >= 0 and xml.find(b"<?", start, end) >= 0)
            or _NOT_XML.search(xml, start, end)
        ):
            raise Unsure("form")
        self._xml, self._start, self._end = xml, start, end
        self._strings = shared_strings
        self._dates, self._timedeltas = date_formats, timedelta_formats
        self._epoch = epoch
        self._done = False
        self._parser: Any = None
        self._sound: set[bytes] = set()  # row attributes (after the number) seen to be sound

    def rows(self, width: int) -> Iterator[Row]:
        """The rows in file order, each as ``(number, values, formulas)``: the values of its
        columns 1 to ``width`` (None where a cell holds nothing; cells further right are read,
        not kept) and the columns among them that hold a formula. Stopping early leaves the
        rest untokenised."""
        self._done = False
        columns, strings, dates = _COLUMNS, self._strings, self._dates
        number = 0
        outside: list[Any] = []  # "values" before the first row and after an empty one
        values, formulas, limit = outside, [], 0
        last = 0
        for tokens in self._tokens():
            for letters, digits, style, kind, v, inline, other, attributes, empty in tokens:
                if letters:  # the column inline (not _column_after): the hot loop of a read
                    column = columns.get(letters)
                    if column is None:
                        column = columns[letters] = column_index_from_string(letters.decode())
                    if column <= last:
                        raise Unsure("cells out of order")
                    last = column
                    if inline:
                        if kind != b"inlineStr":
                            continue  # <is> in a cell of another type: openpyxl ignores it
                        value: Any = inline[3:].decode()
                    elif v:
                        if not kind or kind == b"n":
                            if dates and (int(style) if style else 0) in dates:
                                value = self._date(v, int(style or 0))
                            elif b"." in v or b"e" in v or b"E" in v:
                                value = float(v)
                            else:
                                value = int(v)
                        elif kind == b"s":
                            value = strings[int(v)]
                        elif kind == b"b":
                            value = bool(int(v))
                        elif kind == b"d":
                            value = from_ISO8601(v.decode())
                        elif kind == b"inlineStr":
                            continue  # openpyxl takes an inline string's <is> only
                        else:  # "str", "e" and types openpyxl does not know: the text
                            value = v.decode()
                    elif other:
                        if values is outside:
                            raise Unsure("a cell outside a row")
                        value, formula = self._parsed(letters + digits, style, kind, other, number)
                        if formula and column <= limit:
                            formulas.append(column)
                    else:
                        continue  # nothing in it
                    if column <= limit:
                        values[column - 1] = value
                    elif values is outside:
                        raise Unsure("a cell outside a row")
                else:
                    if values is not outside:
                        yield number, values, formulas
                    stated = self._row_number(attributes, number)
                    if stated <= number:
                        raise Unsure("rows out of order")
                    number, last = stated, 0
                    if empty:
                        yield number, [None] * width, []
                        values, formulas, limit = outside, [], 0
                    else:
                        values, formulas, limit = [None] * width, [], width
        if values is not outside:
            yield number, values, formulas
        self._done = True

    def cells(self) -> Iterator[Cell]:
        """Every cell element in file order, empty ones included, as ``(row, column, value,
        data_type, style)``: what openpyxl's ``parse_cell`` gives for it (a date's type is
        ``d``, a text's ``s``, a formula's ``f``)."""
        number = last = 0
        in_row = False
        for tokens in self._tokens():
            for letters, digits, style, kind, v, inline, other, attributes, empty in tokens:
                if not letters:
                    stated = self._row_number(attributes, number)
                    if stated <= number:
                        raise Unsure("rows out of order")
                    number, last, in_row = stated, 0, not empty
                    continue
                if not in_row or int(digits) != number:
                    raise Unsure("a cell outside its row")
                last = column = _column_after(letters, last)
                style_id = int(style) if style else 0
                if other:
                    reference = letters + digits
                    parsed = self._parsed_cell(reference, style, kind, other, number)
                    yield number, column, parsed["value"], parsed["data_type"], style_id
                    continue
                value, data_type = self._typed(kind, v, inline, style_id)
                yield number, column, value, data_type, style_id
        self._done = True

    def _tokens(self) -> Iterator[list[tuple[bytes, ...]]]:
        """The tokens of the rows, a stretch of rows at a time (a flood of rows stops early);
        a stretch whose cells or rows the tokens do not all cover raises ``Unsure`` once it
        was taken."""
        xml, at, end = self._xml, self._start, self._end
        while at < end:
            stop = xml.find(b"<row", at + _CHUNK, end) if at + _CHUNK < end else -1
            stop = end if stop < 0 else stop
            tokens = _TOKEN.findall(xml, at, stop)
            yield tokens
            if len(tokens) != xml.count(b"<c ", at, stop) + xml.count(b"<row", at, stop):
                raise Unsure("a cell not in the usual form")
            at = stop

    def _typed(self, kind: bytes, v: bytes, inline: bytes, style: int) -> tuple[Any, str]:
        """A cell's value and data type as ``parse_cell`` gives them, from its ``t`` and its
        ``<v>`` or ``<is><t>`` text (none: an empty cell). ``rows`` applies the same rules
        inline: calling this for every cell made reading 300 sheets 10-20% slower; both are
        compared with openpyxl cell for cell (``tests/test_cells.py``)."""
        data_type = kind.decode() if kind else "n"
        if inline:
            return (inline[3:].decode(), "s") if data_type == "inlineStr" else (None, data_type)
        if not v or data_type == "inlineStr":
            return None, data_type
        if data_type == "n":
            number = float(v) if b"." in v or b"e" in v or b"E" in v else int(v)
            if style not in self._dates:
                return number, "n"
            try:
                when = from_excel(number, self._epoch, timedelta=style in self._timedeltas)
            except (OverflowError, ValueError):
                return "#VALUE!", "e"  # openpyxl's error value for a date out of range
            return when, "d"
        if data_type == "s":
            return self._strings[int(v)], "s"
        if data_type == "b":
            return bool(int(v)), "b"
        if data_type == "d":
            return from_ISO8601(v.decode()), "d"
        return v.decode(), "s" if data_type == "str" else data_type

    @property
    def protected(self) -> bool:
        """Is the sheet protection on, as far as openpyxl's parser would have seen it?"""
        return self.protection(read_through=self._done)

    def protection(self, *, read_through: bool) -> bool:
        """Is the sheet protection on, as openpyxl sees it after all rows (``read_through``)
        or after stopping in them?"""
        found = None
        for match in _PROTECTION.finditer(self._xml):
            if not read_through and match.start() > self._start:
                break
            found = match.group()
        if found is None:
            return False
        if not found.endswith(b"/>"):
            raise Unsure("sheetProtection with content")
        element = fromstring(b'<sheetProtection xmlns="' + _NS + b'"' + found[16:])
        return bool(SheetProtection.from_tree(element).sheet)

    def _row_number(self, attributes: bytes, counter: int) -> int:
        """The row's number as openpyxl takes it: stated first, or the next one."""
        stated = _ROW_NUMBER.match(attributes)
        rest = attributes[stated.end() :] if stated is not None else attributes
        if rest not in self._sound:
            if not _ATTRIBUTES.fullmatch(rest) or re.search(rb"\sr=", rest):
                raise Unsure("row attributes")
            self._sound.add(rest)
        return int(stated.group(1)) if stated is not None else counter + 1

    def _date(self, v: bytes, style: int) -> Any:
        value = float(v) if b"." in v or b"e" in v or b"E" in v else int(v)
        try:
            return from_excel(value, self._epoch, timedelta=style in self._timedeltas)
        except (OverflowError, ValueError):
            return "#VALUE!"  # openpyxl's error value for a date out of range

    def _parsed(
        self, reference: bytes, style: bytes, kind: bytes, content: bytes, number: int
    ) -> tuple[Any, bool]:
        """A cell of another shape (a formula, rich text, an entity), by openpyxl's own
        ``parse_cell``: the cell is parsed on its own, with the state of this sheet. Its value,
        and whether it is a formula."""
        parsed = self._parsed_cell(reference, style, kind, content, number)
        return parsed["value"], parsed["data_type"] == "f"

    def _parsed_cell(
        self, reference: bytes, style: bytes, kind: bytes, content: bytes, number: int
    ) -> dict[str, Any]:
        """``_parsed``'s cell as ``parse_cell`` gives it: row, column, value, type, style."""
        if self._parser is None:
            self._parser = cell_parser(
                self._strings,
                date_formats=self._dates,
                timedelta_formats=self._timedeltas,
                epoch=self._epoch,
            )
        element = fromstring(
            b'<c xmlns="%s" r="%s"%s%s>%s</c>'
            % (
                _NS,
                reference,
                b' s="%s"' % style if style else b"",
                b' t="%s"' % kind if kind else b"",
                content,
            )
        )
        self._parser.row_counter = number
        cell: dict[str, Any] = self._parser.parse_cell(element)
        return cell


@functools.lru_cache(maxsize=16)
def date_styles(styles: bytes | None) -> tuple[frozenset[int], frozenset[int]]:
    """The cell formats (by their place in ``cellXfs``) that openpyxl reads as dates and as
    time spans (``Stylesheet._normalise_numbers``); none without a styles part. The workbooks
    of a round share their styles part, so it is parsed once."""
    dates: set[int] = set()
    timedeltas: set[int] = set()
    if styles is None:
        return frozenset(), frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    for group in fromstring(styles):
        if local_name(group.tag) == "numFmts":
            for item in group:
                if local_name(item.tag) == "numFmt":
                    custom[int(item.get("numFmtId", ""))] = item.get("formatCode", "")
        elif local_name(group.tag) == "cellXfs":
            formats = [int(xf.get("numFmtId", 0)) for xf in group if local_name(xf.tag) == "xf"]
    for index, number in enumerate(formats):
        code = custom[number] if number in custom else builtin_format_code(number)
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            timedeltas.add(index)
    return frozenset(dates), frozenset(timedeltas)
