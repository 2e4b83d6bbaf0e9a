"""Excel with xlwings Lite, as far as the "Controleer mijn invoer" script sees it, over openpyxl.

The demo's simulated parties and the tests run the script embedded in a workbook without Excel:
:func:`run_script` executes its ``main.py`` with ``import xlwings`` answered by this module, and
:class:`Book` shows an openpyxl workbook through the few xlwings members the script uses
(``validation.XLWINGS_MEMBERS``). The tests check these classes against the real ``xlwings``
classes (names, signatures, properties, coroutines), so the stand-in cannot drift from them.

Each behaviour follows xlwings Lite or Excel, and is as strict:

- values as xlwings Lite hands them over (``xlwings/pro/_xlremote.py``): an empty cell is None, an
  error value None unless ``err_to_str``, a date a ``datetime``; whole numbers arrive as ``int``
  because Pyodide turns a JavaScript number that is a safe integer into an ``int``. A formula's
  computed value is not known here: it reads as None (the script reads formulas separately);
- ``get_formula`` as Office.js ``Range.formulas``: a formula's text, a constant's own value, ""
  for an empty cell;
- writing as Office.js ``Range.values`` treats input like typing: "=…" becomes a formula, a
  leading apostrophe keeps the rest as text, a number in a text becomes a number;
- a protected sheet refuses changes to locked cells, and fills unless its protection allows
  formatting cells (Excel's "Cellen opmaken"); the workbook's sheets cannot be added or removed;
- ``Range.color`` can be set, not read (xlwings Lite raises NotImplementedError).
"""

from __future__ import annotations

import asyncio
import builtins
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from typing import Any

from openpyxl.styles import PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.workbook.workbook import Workbook

_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#DATA!")
_SAFE_INTEGER = 2**53 - 1


class ProtectedError(Exception):
    """What Excel says when a script changes a protected cell."""


class Book:
    """The open workbook a script gets as its ``book`` argument."""

    def __init__(self, workbook: Workbook, name: str = "Werkmap.xlsx") -> None:
        self.impl = workbook
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def sheets(self) -> Sheets:
        return Sheets(self)


class Sheets:
    """The sheets of a book, by name or 0-based position."""

    def __init__(self, book: Book) -> None:
        self.book = book

    def __getitem__(self, key: int | str) -> Sheet:
        names = self.book.impl.sheetnames
        name = names[key] if isinstance(key, int) else key
        if name not in names:
            raise KeyError(key)
        return Sheet(self.book, name)

    def __iter__(self) -> Iterator[Sheet]:
        return (Sheet(self.book, name) for name in self.book.impl.sheetnames)

    def __len__(self) -> int:
        return len(self.book.impl.sheetnames)


class Sheet:
    """One worksheet."""

    def __init__(self, book: Book, name: str) -> None:
        self.book = book
        self._name = name

    @property
    def impl(self) -> Any:
        return self.book.impl[self._name]

    @property
    def name(self) -> str:
        return self._name

    def range(
        self,
        cell1: str | tuple[int, int] | Range,
        cell2: str | tuple[int, int] | Range | None = None,
    ) -> Range:
        top, left, bottom, right = _bounds(cell1)
        if cell2 is not None:
            _, _, bottom, right = _bounds(cell2)
        return Range(self, top, left, bottom, right)

    def __getitem__(self, item: str | tuple[int, int]) -> Range:
        return self.range(item)

    @property
    def used_range(self) -> Range:
        """Like xlwings Lite: a values-only snapshot; A1 for an empty sheet."""
        last_row = last_column = 1
        for row in self.impl.iter_rows():
            for cell in row:
                if cell.value is not None:
                    last_row = max(last_row, cell.row)
                    last_column = max(last_column, cell.column)
        return Range(self, 1, 1, last_row, last_column)

    def activate(self) -> None:
        self.book.impl.active = self.book.impl.sheetnames.index(self._name)


class Range:
    """A block of cells."""

    def __init__(
        self,
        sheet: Sheet,
        top: int,
        left: int,
        bottom: int,
        right: int,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.sheet = sheet
        self._box = (top, left, bottom, right)
        self._options = options or {}

    def options(self, convert: Any = None, **options: Any) -> Range:
        if convert is not None:
            raise NotImplementedError("converters are not part of the stand-in")
        return Range(self.sheet, *self._box, {**self._options, **options})

    @property
    def row(self) -> int:
        return self._box[0]

    @property
    def column(self) -> int:
        return self._box[1]

    @property
    def shape(self) -> tuple[int, int]:
        top, left, bottom, right = self._box
        return bottom - top + 1, right - left + 1

    @property
    def last_cell(self) -> Range:
        _, _, bottom, right = self._box
        return Range(self.sheet, bottom, right, bottom, right)

    @property
    def address(self) -> str:
        top, left, bottom, right = self._box
        first = f"${get_column_letter(left)}${top}"
        return first if self.shape == (1, 1) else f"{first}:${get_column_letter(right)}${bottom}"

    # -- values --

    @property
    def value(self) -> Any:
        err_to_str = bool(self._options.get("err_to_str", False))
        return self._shaped([[_read(c, err_to_str) for c in row] for row in self._cells()])

    @value.setter
    def value(self, data: Any) -> None:
        rows = data if isinstance(data, list) and data and isinstance(data[0], list) else None
        if rows is None and isinstance(data, list):
            rows = [data]  # a flat list is one row, as in xlwings
        if rows is None:
            for row in self._cells():
                for cell in row:
                    self._write(cell, data)
            return
        top, left = self._box[0], self._box[1]
        ws = self.sheet.impl
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self._write(ws.cell(top + r, left + c), value)

    async def get_formula(self) -> Any:
        return self._shaped([[_formula(c) for c in row] for row in self._cells()])

    async def get_colors(self) -> list[list[tuple[int, int, int] | None]]:
        return [[_fill(c) for c in row] for row in self._cells()]

    @property
    def color(self) -> Any:
        raise NotImplementedError(
            "Reading the fill color synchronously isn't supported on this engine. "
            "Use 'await myrange.get_color()' to fetch it on demand."
        )

    @color.setter
    def color(self, value: str | None) -> None:
        if value is not None and not (isinstance(value, str) and value.startswith("#")):
            raise ValueError('Color must be supplied in hex format e.g., "#FFA500".')
        ws = self.sheet.impl
        if ws.protection.sheet and ws.protection.formatCells:
            raise ProtectedError(f"Cellen opmaken is niet toegestaan op '{ws.title}'.")
        fill = PatternFill("solid", fgColor=value[1:].upper()) if value else PatternFill(None)
        for row in self._cells():
            for cell in row:
                cell.fill = fill

    def clear_contents(self) -> None:
        for row in self._cells():
            for cell in row:
                if cell.value is not None:
                    self._write(cell, None)

    # -- helpers --

    def _cells(self) -> list[list[Any]]:
        top, left, bottom, right = self._box
        ws = self.sheet.impl
        return [[ws.cell(r, c) for c in range(left, right + 1)] for r in range(top, bottom + 1)]

    def _shaped(self, grid: list[list[Any]]) -> Any:
        """xlwings' dimension rules: a cell is a scalar, one row or column a flat list."""
        ndim = self._options.get("ndim")
        if ndim == 2:
            return grid
        if ndim == 1 or len(grid) == 1 or len(grid[0]) == 1:
            flat = [v for row in grid for v in row]
            return flat[0] if len(flat) == 1 and ndim != 1 else flat
        return grid

    def _write(self, cell: Any, value: Any) -> None:
        ws = self.sheet.impl
        if ws.protection.sheet and cell.protection.locked:
            raise ProtectedError(
                f"De cel {cell.coordinate} op '{ws.title}' is beveiligd en kan niet worden gewijzigd."
            )
        cell.quotePrefix = False
        if isinstance(value, str):
            if value.startswith("'"):
                cell.value = value[1:]
                cell.data_type = "s"
                cell.quotePrefix = True
                return
            if value.startswith("="):
                cell.value = value
                return
            number = _number(value)
            if number is not None:
                cell.value = number
                return
        cell.value = value if value != "" else None


def script(
    f: Callable[..., Any] | None = None,
    name: str | None = None,
    include: str | list[str] | None = None,
    exclude: str | list[str] | None = None,
    **kwargs: Any,
) -> Any:
    """``@script`` as in xlwings: marks a function as a button, with its settings."""

    def inner(func: Callable[..., Any]) -> Callable[..., Any]:
        func.__xlwings_script__ = {  # type: ignore[attr-defined]
            "name": name or func.__name__,
            "include": include,
            "exclude": exclude,
            **kwargs,
        }
        return func

    return inner(f) if f is not None else inner


def run_script(main_py: str, book: Book) -> None:
    """Run the (only) ``@script`` of an embedded ``main.py`` on a book, as a click would."""
    namespace = _exec(main_py)
    scripts = [v for v in namespace.values() if hasattr(v, "__xlwings_script__")]
    if len(scripts) != 1:
        raise ValueError(f"expected one @script in main.py, found {len(scripts)}")
    outcome = scripts[0](book)
    if asyncio.iscoroutine(outcome):
        asyncio.run(outcome)


def unpack(main_py: str) -> None:
    """Unpack the script's bundled core in this process, as its first click would. Processes
    forked afterwards find it loaded: they do not write its temporary file again, each over the
    other while it is read."""
    core = _exec(main_py).get("_core")
    if callable(core):
        core()


def script_settings(main_py: str) -> dict[str, Any]:
    """The ``@script`` settings of an embedded ``main.py``, and its docstring as ``doc``."""
    namespace = _exec(main_py)
    func = next(v for v in namespace.values() if hasattr(v, "__xlwings_script__"))
    return {**func.__xlwings_script__, "doc": func.__doc__, "module_doc": namespace["__doc__"]}


def _exec(main_py: str) -> dict[str, Any]:
    module = sys.modules[__name__]

    def importer(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "xlwings" or name.startswith("xlwings."):
            return module
        return builtins.__import__(name, *args, **kwargs)

    namespace: dict[str, Any] = {
        "__name__": "main",
        "__builtins__": {**vars(builtins), "__import__": importer},
    }
    exec(compile(main_py, "main.py", "exec"), namespace)  # the workbook's own script
    return namespace


def _bounds(ref: str | tuple[int, int] | Range) -> tuple[int, int, int, int]:
    if isinstance(ref, Range):
        return ref._box
    if isinstance(ref, tuple):
        return ref[0], ref[1], ref[0], ref[1]
    if ":" in ref:
        left, top, right, bottom = range_boundaries(ref.replace("$", ""))
        return int(top), int(left), int(bottom), int(right)
    letters, row = coordinate_from_string(ref.replace("$", ""))
    column = column_index_from_string(letters)
    return row, column, row, column


def _read(cell: Any, err_to_str: bool) -> Any:
    value = cell.value
    if cell.data_type == "f" or not isinstance(
        value, str | int | float | bool | dt.datetime | dt.date | dt.time | type(None)
    ):
        return None  # a formula's result is Excel's to compute
    if cell.data_type == "e" or (isinstance(value, str) and value in _ERRORS):
        return value if err_to_str else None
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) <= _SAFE_INTEGER:
        return int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _formula(cell: Any) -> Any:
    value = cell.value
    if value is None:
        return ""
    text = getattr(value, "text", None)  # an array formula
    if isinstance(text, str):
        return text if text.startswith("=") else f"={text}"
    if cell.data_type == "f":
        return str(value)
    read = _read(cell, True)
    return "" if read is None else read


def _fill(cell: Any) -> tuple[int, int, int] | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    rgb = getattr(fill.fgColor, "rgb", None)
    if not isinstance(rgb, str) or len(rgb) < 6:
        return None
    return int(rgb[-6:-4], 16), int(rgb[-4:-2], 16), int(rgb[-2:], 16)


def _number(text: str) -> int | float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    if text.strip().lower() in {"nan", "inf", "-inf", "infinity", "-infinity"}:
        return None
    return int(number) if number.is_integer() and "." not in text else number
