"""The one sanitising step of every workbook planmonitor writes.

Nothing active that a party put in a submission may leave planmonitor in a workbook it writes:
not a formula, not a link to a web page or another file, not a macro, not a name that calculates.
Text that Excel would read as a formula (starting with ``= + - @``, a tab or a carriage return)
is kept as text with Excel's text prefix, so it stays text even when someone edits the cell.

``put`` writes one value into a cell; ``sanitise`` goes over a whole workbook just before it is
saved. Every writer uses ``put`` for what it writes; a writer that starts from a party's file
(the feedback) also calls ``sanitise`` on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.cell.rich_text import CellRichText
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from ..core import Finding, finding, looks_like_formula
from ..validation import SHEET_CHECK
from .xlsx import drop_conditional_format

_VALUES = (str, int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta)
_FORMULAS = (ArrayFormula, DataTableFormula)
# In a rule's formula these reach outside the workbook: another file, a web address, a command.
_OUTSIDE = ("[", "://", "WEBSERVICE", "HYPERLINK", "CALL(", "REGISTER", "EXEC(", "RTD(", "DDE")


@dataclass(frozen=True)
class Removed:
    """A formula taken out of a cell: where it was, and its text."""

    sheet: str
    cell: str
    formula: str


def put(cell: Any, value: Any) -> None:
    """Write a value so that it can only ever be a value: text stays text, never a formula."""
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    elif value is None or isinstance(value, _VALUES):
        cell.value = value
    else:  # anything else is written as its text, never handed to Excel as an object
        put(cell, str(value))


def sanitise(book: Workbook, values: Workbook | None = None) -> list[Removed]:
    """Make a workbook inert before it is saved; returns the formulas it took out.

    ``values`` is the same file opened with ``data_only=True``: a formula is replaced by the
    value Excel last calculated for it, as text; without one the cell becomes empty. Hyperlinks
    to outside the workbook, links to other workbooks, defined names, macros and validation or
    formatting rules that reach outside the workbook are dropped.
    """
    removed: list[Removed] = []
    for ws in book.worksheets:
        cached = values[ws.title] if values is not None and ws.title in values.sheetnames else None
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell, MergedCell):
                    _clean_cell(ws.title, cell, cached, removed)
        _clean_rules(ws)
        for name in list(ws.defined_names):
            del ws.defined_names[name]
    for name in list(book.defined_names):
        del book.defined_names[name]
    book._external_links = []
    book.vba_archive = None
    return removed


def removal_findings(removed: list[Removed], findings: list[Finding]) -> list[Finding]:
    """A warning per formula taken out, for the party: not for a cell that has a finding of
    its own already (its mark says enough), and not on the in-Excel check's sheet, where the
    check itself wrote its links to the cells (the party typed no formula there)."""
    marked = {(f.sheet, f.cell) for f in findings}
    return [
        finding("formula-removed", sheet=r.sheet, cell=r.cell, value=_with_sign(r.formula))
        for r in removed
        if (r.sheet, r.cell) not in marked and r.sheet != SHEET_CHECK
    ]


def _with_sign(formula: str) -> str:
    """The formula as the party typed it: with its "=" (openpyxl's text has it already)."""
    return formula if formula.startswith("=") else f"={formula}"


def shown_text(shown: Any) -> str | None:
    """What a formula's cell holds once the formula is taken out: the value Excel last
    calculated for it (``shown``, from the file opened with ``data_only=True``) as text."""
    return None if shown is None or not isinstance(shown, _VALUES) else _text(shown)


def is_formula(cell: Any) -> bool:
    return cell.data_type == "f" or isinstance(cell.value, _FORMULAS)


def _clean_cell(sheet: str, cell: Any, cached: Any, removed: list[Removed]) -> None:
    link = cell.hyperlink
    if link is not None and (link.target or link.id or not link.location):
        cell.hyperlink = None
    value = cell.value
    if is_formula(cell):
        text = getattr(value, "text", None)  # an ArrayFormula keeps its formula in .text
        removed.append(
            Removed(sheet, cell.coordinate, text if isinstance(text, str) else str(value))
        )
        shown = cached[cell.coordinate].value if cached is not None else None
        cell.value = None
        put(cell, shown_text(shown))
    elif isinstance(value, str | CellRichText):
        if isinstance(value, CellRichText):
            if looks_like_formula(str(value)):
                cell.quotePrefix = True
        else:
            put(cell, value)
    elif value is not None and not isinstance(value, _VALUES):
        put(cell, str(value))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d-%m-%Y")
    return str(value)


def reaches_outside(*formulas: object) -> bool:
    """Does a rule's formula reach outside the workbook (another file, the web, a command)?"""
    text = " ".join(str(f) for f in formulas if f is not None).upper()
    return any(word in text for word in _OUTSIDE)


def _clean_rules(ws: Any) -> None:
    """Validation and conditional-formatting rules may calculate, but only inside the workbook."""
    validations = ws.data_validations.dataValidation
    ws.data_validations.dataValidation = [
        v for v in validations if not reaches_outside(v.formula1, v.formula2)
    ]
    for rule_range in list(ws.conditional_formatting):
        if any(reaches_outside(*(rule.formula or [])) for rule in rule_range.rules):
            drop_conditional_format(ws, rule_range)
