"""Cell values by catalogue type: checking what a party typed, and converting between the
workbook, the state and CSV text.

Pure Python; no workbook library. A check returns a finding code (and details for its message)
or ``None``; conversions assume the value passed its check.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .catalogue import NO, YES, Column

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_WHOLE_TEXT = re.compile(r"^\s*-?\d+\s*$")
_DECIMAL_TEXT = re.compile(r"^\s*-?\d+(,\d+)?\s*$")
_DATE_NL = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")
_DATE_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_YEAR_QUARTER = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*[KkQq]([1-4])\s*$")
_QUARTER_YEAR = re.compile(r"^\s*[KkQq]([1-4])\s*[-/ ]?\s*(\d{4})\s*$")

Problem = tuple[str, dict[str, Any]]


def is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    return isinstance(raw, float) and math.isnan(raw)


def plain(raw: Any) -> Any:
    """A numpy or pandas scalar as the plain Python value it stands for."""
    if isinstance(raw, np.generic):
        return raw.item()
    if isinstance(raw, pd.Timestamp):
        return raw.to_pydatetime()
    return raw


_BOUNDS = ("value-below-minimum", "value-above-maximum")
PROBLEMS: dict[str, tuple[str, ...]] = {
    "whole": ("not-a-whole-number", *_BOUNDS),
    "year": ("not-a-year", *_BOUNDS),
    "decimal": ("not-a-number", *_BOUNDS),
    "date": ("not-a-date",),
    "year_quarter": ("not-a-year-quarter", *_BOUNDS),
    "yes_no": ("not-yes-or-no",),
    "choice": ("value-not-in-list",),
    "multiple_choice": ("value-not-in-list",),
    "text": ("text-too-long",),
}
"""Per field type, every finding code :func:`check` can give a cell of that type."""


def check(column: Column, raw: Any, choices: Sequence[str] = ()) -> Problem | None:
    """The problem with a non-empty cell value, or None when it is acceptable."""
    raw = plain(raw)
    kind = column.field.type
    f = column.field
    if kind == "whole" or kind == "year":
        number = _whole(raw)
        if number is None:
            return ("not-a-year" if kind == "year" else "not-a-whole-number"), {}
        return _bounds(number, f.min, f.max)
    if kind == "decimal":
        value = _decimal(raw)
        if value is None:
            return "not-a-number", {}
        return _bounds(value, f.min, f.max)
    if kind == "date":
        return None if _date(raw) is not None else ("not-a-date", {})
    if kind == "year_quarter":
        quarter = _year_quarter(raw)
        if quarter is None:
            return "not-a-year-quarter", {}
        return _bounds(int(quarter[:4]), f.min, f.max)
    if kind == "yes_no":
        return None if _yes_no(raw) is not None else ("not-yes-or-no", {})
    if kind in {"choice", "multiple_choice"}:
        return None if _choice(raw, choices) is not None else ("value-not-in-list", {})
    text = _text(raw)
    if f.max_length is not None and len(text) > f.max_length:
        return "text-too-long", {"length": len(text), "limit": f.max_length}
    return None


def to_value(column: Column, raw: Any, choices: Sequence[str] = ()) -> Any:
    """The typed value of a checked cell (region lists stay as shown; see Region.code)."""
    raw = plain(raw)
    if is_empty(raw):
        return None
    kind = column.field.type
    if kind in {"whole", "year"}:
        return _whole(raw)
    if kind == "decimal":
        return _decimal(raw)
    if kind == "date":
        return _date(raw)
    if kind == "year_quarter":
        return _year_quarter(raw)
    if kind == "yes_no":
        return _yes_no(raw)
    if kind in {"choice", "multiple_choice"}:
        return _choice(raw, choices)
    return _text(raw)


def to_cell(column: Column, value: Any) -> Any:
    """A state value as it goes into a workbook cell (region lists already shown by name)."""
    if value is None:
        return None
    if column.field.type == "yes_no":
        return YES if value else NO
    return value


def parse_text(column: Column, text: str, choices: Sequence[str] = ()) -> Any:
    """A value from CSV text; ValueError (Dutch) when it does not fit the column.

    Region lists hold codes in CSV files (GM0202, P012) and are checked when the region is
    read; other choices must be one of ``choices``.
    """
    if is_empty(text):
        return None
    if (
        column.field.type in {"choice", "multiple_choice"}
        and column.field.choices
        and column.field.choices.startswith("@")
    ):
        return text.strip()
    problem = check(column, text, choices)
    if problem is not None:
        raise ValueError(f"waarde '{text}' past niet ({problem[0]})")
    return to_value(column, text, choices)


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def _bounds(number: float, low: float | None, high: float | None) -> Problem | None:
    if low is not None and number < low:
        return "value-below-minimum", {"limit": _plain(low)}
    if high is not None and number > high:
        return "value-above-maximum", {"limit": _plain(high)}
    return None


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number).replace(".", ",")


def _whole(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if math.isfinite(raw) and raw.is_integer() else None
    if isinstance(raw, str) and _WHOLE_TEXT.match(raw):
        return int(raw.strip())
    return None


def _decimal(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(raw) else None
    if isinstance(raw, str) and _DECIMAL_TEXT.match(raw):
        return float(raw.strip().replace(",", "."))
    return None


def _date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        return None
    match = _DATE_NL.match(raw)
    try:
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        match = _DATE_ISO.match(raw)
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return None


def _year_quarter(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    match = _YEAR_QUARTER.match(raw)
    if match:
        return f"{match[1]}-K{match[2]}"
    match = _QUARTER_YEAR.match(raw)
    if match:
        return f"{match[2]}-K{match[1]}"
    return None


def _yes_no(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text == YES:
            return True
        if text == NO:
            return False
    return None


def _choice(raw: Any, choices: Sequence[str]) -> str | None:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    for choice in choices:
        if choice == text:
            return choice
    folded = text.casefold()
    for choice in choices:
        if choice.casefold() == folded:
            return choice
    return None


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime | dt.date):
        return raw.strftime("%d-%m-%Y")
    return str(raw).strip()
