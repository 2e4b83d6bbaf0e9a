"""A workbook's styles part with the formats the feedback adds, numbered as openpyxl would.

The feedback written directly (``marking``) keeps the styles of whoever saved the workbook
(openpyxl, Excel, LibreOffice) and appends what it needs at the end of each list: the mark
fills, the formats of the list of findings, the named style "Hyperlink". A font, fill or border
gets the number openpyxl's ``IndexedList.add`` gives it (the last equal one, or a new one), so
the undo sheet keeps the same fills the plain way keeps.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.builtins import styles as builtin_styles
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.xml.functions import fromstring, tostring

from . import textwidth
from .listing import ERROR_FILL, WARNING_FILL, Styles


class NotDirect(Exception):
    """This file's feedback is not written here: the plain way writes it."""


_SECTIONS = {
    "fonts": "font",
    "fills": "fill",
    "borders": "border",
    "cellStyleXfs": "xf",
    "cellXfs": "xf",
    "cellStyles": "cellStyle",
}
_DEFAULT_XF = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" />'
_WRAP = tostring(Alignment(wrap_text=True, vertical="top").to_tree()).decode("utf-8")


class StyleSheet:
    """The workbook's own styles with what the feedback adds at the end of each list."""

    def __init__(self, xml: str) -> None:
        if not re.match(r"\s*(?:<\?xml[^>]*>\s*)?<styleSheet\b", xml):
            raise NotDirect("styles in a namespace prefix")
        self.source = xml
        self.items: dict[str, list[str]] = {}
        for section, item in _SECTIONS.items():
            found = re.search(rf"<{section}\b[^>]*?(/>|>(.*?)</{section}>)", xml, re.S)
            if found is None:
                raise NotDirect(f"styles without {section}")
            body = found.group(2) or ""
            self.items[section] = re.findall(rf"<{item}\b(?:[^>]*?/>|.*?</{item}>)", body, re.S)
        self.added: dict[str, list[str]] = {section: [] for section in _SECTIONS}
        parsed = _stylesheet(xml)
        self.cell_xfs = self.items["cellXfs"]
        if len(parsed.cell_styles) != len(self.cell_xfs):
            raise NotDirect("cell formats not as counted")
        self.quoted = {i for i, s in enumerate(parsed.cell_styles) if s.quotePrefix}
        self.fills = [int(s.fillId) for s in parsed.cell_styles]
        self.date_formats = set(parsed.date_formats)
        self.timedelta_formats = set(parsed.timedelta_formats)
        self._made: dict[tuple[str, str], int] = {}
        # Fonts, fills and borders as openpyxl holds them: a value is found by equality.
        self.objects: dict[str, list[Any]] = {
            "fonts": list(parsed.fonts),
            "fills": list(parsed.fills),
            "borders": list(parsed.borders),
        }
        for section, objects in self.objects.items():
            if len(objects) != len(self.items[section]):
                raise NotDirect(f"{section} not as counted")
        # As IndexedList numbers them: a value is known by its last equal one.
        self.numbers = {
            section: {value: index for index, value in enumerate(objects)}
            for section, objects in self.objects.items()
        }

    def _number(self, section: str, value: Any) -> int:
        """The number openpyxl gives a font, fill or border it adds to the workbook's list
        (``IndexedList.add``): the last equal one, or a new one at the end."""
        numbers = self.numbers[section]
        if value not in numbers:
            numbers[value] = len(self.objects[section])
            self.objects[section].append(value)
            self.added[section].append(_xml(value))
        return numbers[value]

    def _add(self, section: str, xml: str) -> int:
        key = (section, xml)
        if key not in self._made:
            self.added[section].append(xml)
            self._made[key] = len(self.items[section]) + len(self.added[section]) - 1
        return self._made[key]

    def _xf(self, style: int) -> str:
        """A cell format's XML, the workbook's own or one added."""
        count = len(self.cell_xfs)
        return self.cell_xfs[style] if style < count else self.added["cellXfs"][style - count]

    def fill_of(self, style: int) -> int:
        if style < len(self.fills):
            return self.fills[style]
        return int(attribute(self._xf(style), "fillId") or 0)

    def mark_fill(self, severity: str) -> int:
        colour = ERROR_FILL if severity == "error" else WARNING_FILL
        return self._number("fills", PatternFill("solid", fgColor=colour, bgColor=colour))

    def with_fill(self, style: int | None, fill: int) -> int:
        """A cell format like ``style`` with another fill (``cell.fill = ...``); a cell that
        is not there yet has openpyxl's default format, not the workbook's first one."""
        base = self._xf(style) if style is not None else _DEFAULT_XF
        return self._add("cellXfs", set_attributes(base, fillId=str(fill), applyFill="1"))

    def quoted_copy(self, style: int) -> int:
        """A cell format like ``style`` with Excel's text prefix (``cell.quotePrefix = True``)."""
        return self._add("cellXfs", set_attributes(self.cell_xfs[style], quotePrefix="1"))

    def copied_fill(self, fill: int) -> int:
        """The number a copy of a fill gets when set on a cell (``cell.fill = copy(...)``)."""
        return self._number("fills", self.objects["fills"][fill])

    def state_xf(self, fill: int) -> int | None:
        """The format of an undo sheet cell given a copy of a fill (only the fill set); None
        when that is fill 0, which leaves the cell without a format."""
        fill = self.copied_fill(fill)
        if fill == 0:
            return None
        return self._add(
            "cellXfs",
            f'<xf numFmtId="0" fontId="0" fillId="{fill}" borderId="0" applyFill="1" '
            'pivotButton="0" quotePrefix="0" xfId="0" />',
        )

    def listing(self) -> Styles:
        """The list's formats, as ``write_listing`` adds them to this workbook."""
        title = self._number("fonts", Font(name=textwidth.FONT, bold=True, size=14))
        bold = self._number("fonts", Font(name=textwidth.FONT, bold=True))
        error = self._number("fills", PatternFill("solid", fgColor=ERROR_FILL))
        warning = self._number("fills", PatternFill("solid", fgColor=WARNING_FILL))
        link = self._hyperlink()

        return Styles(
            title=self._listing_xf(font=title),
            count=self._listing_xf(font=bold),
            text=self._listing_xf(),
            quoted=self._listing_xf(quote=True),
            header=self._listing_xf(font=bold, wrap=False),
            error=self._listing_xf(fill=error),
            warning=self._listing_xf(fill=warning),
            link=self._listing_xf(*link),
        )

    def _listing_xf(
        self,
        number: int = 0,
        font: int = 0,
        fill: int = 0,
        border: int = 0,
        named: int = 0,
        *,
        wrap: bool = True,
        quote: bool = False,
    ) -> int:
        applied = (' applyFill="1"' if fill else "") + (' applyAlignment="1"' if wrap else "")
        head = (
            f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="{border}"'
            f'{applied} pivotButton="0" quotePrefix="{int(quote)}" xfId="{named}"'
        )
        return self._add("cellXfs", f"{head}>{_WRAP}</xf>" if wrap else f"{head} />")

    def _hyperlink(self) -> tuple[int, int, int, int, int]:
        """The named style "Hyperlink" (number format, font, fill, border, its number): the
        workbook's own, or
        openpyxl's built-in one added as ``cell.style = "Hyperlink"`` adds it."""
        for item in self.items["cellStyles"]:
            if re.search(r'\bname="Hyperlink"', item):
                number = int(attribute(item, "xfId") or 0)
                xf = self.items["cellStyleXfs"][number]
                if "<" in xf[1:] and not xf.rstrip().endswith("/>"):
                    raise NotDirect("a Hyperlink style with its own alignment or protection")
                return (
                    int(attribute(xf, "numFmtId") or 0),
                    int(attribute(xf, "fontId") or 0),
                    int(attribute(xf, "fillId") or 0),
                    int(attribute(xf, "borderId") or 0),
                    number,
                )
        style = builtin_styles["Hyperlink"]
        font = self._number("fonts", style.font)
        fill = self._number("fills", style.fill)
        border = self._number("borders", style.border)
        named = self._add(
            "cellStyleXfs",
            f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" />',
        )
        if named != len(self.items["cellStyles"]) + len(self.added["cellStyles"]):
            raise NotDirect("named styles not numbered in order")
        self._add(
            "cellStyles", f'<cellStyle name="Hyperlink" xfId="{named}" builtinId="8" hidden="0" />'
        )
        return 0, font, fill, border, named

    def xml(self) -> str:
        """The styles part with the added items and counts."""
        xml = self.source
        for section in _SECTIONS:
            new = self.added[section]
            if not new:
                continue
            count = len(self.items[section]) + len(new)
            found = re.search(rf"<{section}\b([^>]*?)(/?)>", xml)
            assert found is not None
            attributes = re.sub(r'\s*\bcount="[^"]*"', "", found.group(1))
            start = f'<{section} count="{count}"{attributes}>'
            if found.group(2):
                xml = (
                    xml[: found.start()]
                    + start
                    + "".join(new)
                    + f"</{section}>"
                    + xml[found.end() :]
                )
            else:
                close = xml.index(f"</{section}>", found.end())
                xml = (
                    xml[: found.start()]
                    + start
                    + xml[found.end() : close]
                    + "".join(new)
                    + xml[close:]
                )
        return xml


@functools.lru_cache(maxsize=4)
def _stylesheet(xml: str) -> Any:
    return Stylesheet.from_tree(fromstring(xml.encode("utf-8")))


def _xml(item: Any) -> str:
    return str(tostring(item.to_tree()).decode("utf-8"))


def attribute(xml: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', xml[: xml.find(">")])
    return found.group(1) if found else None


def set_attributes(item: str, **values: str) -> str:
    """An element's start tag with attributes set (replaced or added at the end)."""
    end = item.find(">")
    head = item[:end].rstrip("/ ")
    tail = item[end:]
    closed = item[:end].rstrip().endswith("/")
    for name, value in values.items():
        if re.search(rf'\b{name}="', head):
            head = re.sub(rf'\b{name}="[^"]*"', f'{name}="{value}"', head)
        else:
            head += f' {name}="{value}"'
    return head + (" />" + tail[1:] if closed else tail)
