"""Cross-field rules over typed project rows, built from the catalogue.

Each rule is a pandera DataFrame check (``passes`` gives True per row that is fine), the finding
code it raises, the columns it reads (a party only hears of rules on columns it owns) and the
column whose cell gets the finding. Rules find their columns by catalogue tags where a tag
exists, so a new field joins a rule by being tagged.

Every rule looks at one row at a time. ``holds`` says the same of one row given as a dict, for
the values typed rows hold (whole and decimal numbers, text, None): True when ``passes`` would
give True for that row, False when it would not or when the row holds anything else (then
``passes`` decides). The validation uses it to leave pandas out for rows that are fine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..core import Catalogue, Column, Round

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    """A cross-field rule over typed project rows."""

    code: str
    columns: frozenset[str]
    anchor: str  # the column whose cell gets the finding
    passes: Callable[[pd.DataFrame], pd.Series]
    details: Callable[[pd.Series], dict[str, Any]]
    holds: Callable[[Row], bool] = field(default=lambda row: False, compare=False)


class _Unsure(Exception):
    """A value ``holds`` does not judge: ``passes`` does."""


def _held(check: Callable[[Row], bool]) -> Callable[[Row], bool]:
    """``check`` on a row, False for a row with a value it does not judge."""

    def holds(row: Row) -> bool:
        try:
            return check(row)
        except _Unsure:
            return False

    return holds


def _number(row: Row, key: str) -> float | int | None:
    """A count as ``pd.to_numeric`` sees it: None when empty; anything but a plain number is
    not judged."""
    value = row.get(key)
    if value is None:
        return None
    if type(value) is int and abs(value) < 2**53:
        return value
    if type(value) is float and value == value and abs(value) < 2**53:
        return value
    raise _Unsure


def _filled(row: Row, key: str) -> bool:
    """What ``_any_filled`` sees in one cell."""
    value = row.get(key)
    if value is None:
        return False
    if type(value) is str:
        return value.strip() != ""
    if type(value) is int:
        return True
    if type(value) is float:
        return not math.isnan(value)
    raise _Unsure


def _text(row: Row, key: str) -> str | None:
    value = row.get(key)
    if value is None or type(value) is str:
        return value
    raise _Unsure


@dataclass(frozen=True)
class SumRule:
    """Columns that must add up to the project's total: one table for both places it is
    checked, the pandas rule here and the live red cells of the party workbook."""

    code: str
    tags: tuple[str, ...]  # the parts: every column tagged with one of these
    when_filled: bool  # only checked once one of the parts has a value


SUM_RULES: tuple[SumRule, ...] = (
    SumRule("year-slices-do-not-add-up", ("completed", "planning"), when_filled=False),
    SumRule("segments-do-not-add-up", ("segment",), when_filled=True),
    SumRule("dwelling-types-do-not-add-up", ("dwelling_type",), when_filled=True),
)


def sum_parts(rule: SumRule, columns: list[Column]) -> list[str]:
    """The keys of the columns that add up under a sum rule, in column order."""
    return [c.key for c in columns if set(rule.tags) & set(c.field.tags)]


def project_rules(
    catalogue: Catalogue, columns: list[Column], round_: Round | None = None
) -> list[Rule]:
    """The cross-field rules, built from the catalogue's tags so new fields join by tagging."""
    keys = {c.key for c in columns}

    def tagged(tag: str) -> list[str]:
        return [c.key for c in columns if tag in c.field.tags]

    total = next(iter(tagged("total")), None)
    if total is None:
        return []
    completed = next(iter(tagged("completed")), None)
    group_dwellings = next(iter(tagged("target_group_dwellings")), None)
    target_groups = [c.key for c in columns if c.field.key == "target_groups"]
    bottlenecks = [c.key for c in columns if c.field.key == "bottlenecks"]
    rules: list[Rule] = []

    def num(frame: pd.DataFrame, key: str) -> pd.Series:
        return (
            pd.to_numeric(frame[key], errors="coerce")
            if key in frame
            else pd.Series(float("nan"), index=frame.index)
        )

    def total_of(frame: pd.DataFrame) -> pd.Series:
        return num(frame, total)

    for sum_rule in SUM_RULES:
        parts = sum_parts(sum_rule, columns)
        if [k for k in parts if k != completed]:
            rules.append(_sum_rule(sum_rule, total, parts, completed, num))
    if completed:
        rules.append(
            Rule(
                "completed-exceeds-total",
                frozenset([total, completed]),
                completed,
                lambda f: total_of(f).isna() | ~(num(f, completed) > total_of(f)),
                lambda r: {"completed": _n(r.get(completed)), "total": _n(r.get(total))},
                _held(lambda r: _not_above(_number(r, completed), _number(r, total))),
            )
        )
    if group_dwellings:
        rules.append(
            Rule(
                "target-group-dwellings-exceed-total",
                frozenset([total, group_dwellings]),
                group_dwellings,
                lambda f: total_of(f).isna() | ~(num(f, group_dwellings) > total_of(f)),
                lambda r: {"value": _n(r.get(group_dwellings)), "total": _n(r.get(total))},
                _held(lambda r: _not_above(_number(r, group_dwellings), _number(r, total))),
            )
        )
        if target_groups:
            rules.append(
                Rule(
                    "target-group-dwellings-without-group",
                    frozenset([group_dwellings, *target_groups]),
                    target_groups[0],
                    lambda f: (
                        ~(num(f, group_dwellings).fillna(0) > 0) | _any_filled(f, target_groups)
                    ),
                    lambda r: {},
                    _held(
                        lambda r: (
                            not ((_number(r, group_dwellings) or 0) > 0)
                            or any([_filled(r, k) for k in target_groups])
                        )
                    ),
                )
            )
    if bottlenecks and "bottleneck_explanation" in keys:
        rules.append(
            Rule(
                "bottleneck-without-explanation",
                frozenset([*bottlenecks, "bottleneck_explanation"]),
                "bottleneck_explanation",
                lambda f: ~_any_filled(f, bottlenecks) | _any_filled(f, ["bottleneck_explanation"]),
                lambda r: {},
                _held(
                    lambda r: (
                        not any([_filled(r, k) for k in bottlenecks])
                        or _filled(r, "bottleneck_explanation")
                    )
                ),
            )
        )
    if "stoplight" in keys and "stoplight_explanation" in keys:
        rules.append(
            Rule(
                "red-without-explanation",
                frozenset(["stoplight", "stoplight_explanation"]),
                "stoplight_explanation",
                lambda f: (
                    (f.get("stoplight") != "rood") | _any_filled(f, ["stoplight_explanation"])
                ),
                lambda r: {},
                _held(
                    lambda r: _text(r, "stoplight") != "rood" or _filled(r, "stoplight_explanation")
                ),
            )
        )
    rules.extend(_choice_rules(columns))
    rules.extend(_planning_status_rules(catalogue, keys, round_))
    return rules


def _choice_rules(columns: list[Column]) -> list[Rule]:
    """A multiple-choice field must not name the same value in two of its columns."""
    rules = []
    slots: dict[str, list[str]] = {}
    for column in columns:
        if column.field.type == "multiple_choice":
            slots.setdefault(column.field.key, []).append(column.key)
    for keys in slots.values():
        if len(keys) < 2:
            continue

        def distinct(frame: pd.DataFrame, keys: list[str] = keys) -> pd.Series:
            present = [k for k in keys if k in frame]
            values = frame[present].astype(object).where(frame[present].notna(), None)
            return values.apply(lambda row: _no_repeats(list(row)), axis=1).astype(bool)

        def repeated(row: pd.Series, keys: list[str] = keys) -> dict[str, Any]:
            seen = [row.get(k) for k in keys if row.get(k) is not None]
            return {"value": next((v for v in seen if seen.count(v) > 1), None)}

        def apart(row: Row, keys: list[str] = keys) -> bool:
            chosen = [_text(row, k) for k in keys]
            filled = [v for v in chosen if v is not None]
            return len(filled) == len(set(filled))

        rules.append(
            Rule("duplicate-choice", frozenset(keys), keys[0], distinct, repeated, _held(apart))
        )
    return rules


def _col(frame: pd.DataFrame, key: str) -> pd.Series:
    """A column of the frame, or an empty one when the sheet does not have it."""
    if key in frame:
        return frame[key].astype(object)
    return pd.Series(None, index=frame.index, dtype=object)


def _no_repeats(values: list[Any]) -> bool:
    filled = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return len(filled) == len(set(filled))


def _planning_status_rules(
    catalogue: Catalogue, keys: set[str], round_: Round | None
) -> list[Rule]:
    """Status fields that contradict each other, or a start of construction that has passed."""
    rules = []
    hard = set(catalogue.hard_zoning_statuses)
    if {"permit_status", "zoning_status"} <= keys:
        rules.append(
            Rule(
                "permit-before-zoning",
                frozenset(["permit_status", "zoning_status"]),
                "zoning_status",
                lambda f: (
                    (_col(f, "permit_status") != "onherroepelijk")
                    | _col(f, "zoning_status").isin(hard)
                ),
                lambda r: {},
                _held(
                    lambda r: (
                        _text(r, "permit_status") != "onherroepelijk"
                        or _text(r, "zoning_status") in hard
                    )
                ),
            )
        )
    if round_ is not None and {"construction_start", "phase"} <= keys:
        started = f"{round_.year}-K{1 if round_.half == 1 else 3}"
        waiting = {"initiatief", "planvorming", "voorbereiding realisatie"}

        def not_overdue(frame: pd.DataFrame) -> pd.Series:
            start = _col(frame, "construction_start")
            overdue = (
                start.notna() & (start.astype(str) < started) & _col(frame, "phase").isin(waiting)
            )
            return ~overdue

        def on_time(row: Row) -> bool:
            start, phase = _text(row, "construction_start"), _text(row, "phase")
            return start is None or not (start < started and phase in waiting)

        rules.append(
            Rule(
                "construction-start-in-past-without-progress",
                frozenset(["construction_start", "phase"]),
                "construction_start",
                not_overdue,
                lambda r: {"value": r.get("construction_start")},
                _held(on_time),
            )
        )
    return rules


def _sum_rule(
    rule: SumRule,
    total: str,
    parts: list[str],
    completed: str | None,
    num: Callable[[pd.DataFrame, str], pd.Series],
) -> Rule:
    def passes(frame: pd.DataFrame) -> pd.Series:
        summed = sum(
            (num(frame, k).fillna(0) for k in parts), start=pd.Series(0.0, index=frame.index)
        )
        fine = num(frame, total).isna() | (summed == num(frame, total))
        return ~_any_filled(frame, parts) | fine if rule.when_filled else fine

    def details(row: pd.Series) -> dict[str, Any]:
        summed = sum(_n(row.get(k)) for k in parts)
        done = _n(row.get(completed)) if completed in parts else 0
        return {"sum": summed, "planned": summed, "completed": done, "total": _n(row.get(total))}

    def holds(row: Row) -> bool:
        numbers = [_number(row, k) for k in parts]
        whole = _number(row, total)
        if rule.when_filled and not any(_filled(row, k) for k in parts):
            return True
        summed = 0.0
        for number in numbers:  # in the order pandas adds them, as floats
            summed += 0 if number is None else number
        return whole is None or summed == whole

    return Rule(rule.code, frozenset([total, *parts]), total, passes, details, _held(holds))


def _not_above(part: float | None, total: float | None) -> bool:
    return total is None or part is None or not part > total


def _any_filled(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    result = pd.Series(False, index=frame.index)
    for key in keys:
        if key in frame:
            column = frame[key]
            result |= column.notna() & (column.astype(str).str.strip() != "")
    return result


def _n(value: Any) -> int:
    try:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return 0
        return int(value)
    except (TypeError, ValueError):
        return 0
