"""Cross-field rules over typed project rows, and the one table of sums behind both the
validation rule and the workbook's live red cells."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pandas as pd
import pytest

from pipeline.core import Round
from pipeline.core import catalogue as catalogue_module
from pipeline.validation.rules import SUM_RULES, project_rules, sum_parts

CATALOGUE = catalogue_module.load()
ROUND = Round(2026, 2)
COLUMNS = CATALOGUE.columns("project", ROUND)
RULES = {r.code: r for r in project_rules(CATALOGUE, COLUMNS, ROUND)}


def failing(code: str, **row: Any) -> bool:
    """Does the rule find fault with this one row?"""
    frame = pd.DataFrame([row], dtype=object)
    return not bool(RULES[code].passes(frame).iloc[0])


def test_every_sum_rule_is_a_validation_rule_with_its_parts() -> None:
    for rule in SUM_RULES:
        parts = sum_parts(rule, COLUMNS)
        assert parts, rule.code
        assert RULES[rule.code].columns == frozenset(["total_dwellings", *parts])
        assert RULES[rule.code].anchor == "total_dwellings"


def test_year_slices_must_add_up_with_completed() -> None:
    years = [k for k in sum_parts(SUM_RULES[0], COLUMNS) if k.startswith("planning_")]
    row = {"total_dwellings": 100, "completed": 40, years[0]: 50, years[-1]: 10}
    assert not failing("year-slices-do-not-add-up", **row)
    assert failing("year-slices-do-not-add-up", **{**row, years[0]: 49})
    # even with nothing planned: the planning is part of the row's obligations
    assert failing("year-slices-do-not-add-up", total_dwellings=100)
    assert not failing("year-slices-do-not-add-up", total_dwellings=None, completed=3)


def test_segments_are_checked_only_once_one_is_filled() -> None:
    assert not failing("segments-do-not-add-up", total_dwellings=100)
    assert failing("segments-do-not-add-up", total_dwellings=100, social_rent=30)
    assert not failing(
        "segments-do-not-add-up",
        total_dwellings=100,
        social_rent=30,
        mid_rent=20,
        high_rent=10,
        affordable_buy=25,
        high_buy=15,
    )


def test_dwelling_types_add_up() -> None:
    assert failing("dwelling-types-do-not-add-up", total_dwellings=10, single_family=4)
    assert not failing(
        "dwelling-types-do-not-add-up", total_dwellings=10, single_family=4, multi_family=6
    )


@pytest.mark.parametrize(
    ("code", "bad", "good"),
    [
        (
            "completed-exceeds-total",
            {"total_dwellings": 10, "completed": 11},
            {"total_dwellings": 10, "completed": 10},
        ),
        (
            "target-group-dwellings-exceed-total",
            {"total_dwellings": 10, "target_group_dwellings": 12},
            {"total_dwellings": 10, "target_group_dwellings": 10, "target_groups_1": "senioren"},
        ),
        (
            "target-group-dwellings-without-group",
            {"target_group_dwellings": 5},
            {"target_group_dwellings": 5, "target_groups_1": "senioren"},
        ),
        (
            "bottleneck-without-explanation",
            {"bottlenecks_1": "stikstof"},
            {"bottlenecks_1": "stikstof", "bottleneck_explanation": "Vergunning wacht."},
        ),
        (
            "red-without-explanation",
            {"stoplight": "rood"},
            {"stoplight": "rood", "stoplight_explanation": "Netcongestie."},
        ),
    ],
)
def test_pairwise_rules(code: str, bad: dict[str, Any], good: dict[str, Any]) -> None:
    assert failing(code, **bad)
    assert not failing(code, **good)


def test_a_choice_may_not_repeat() -> None:
    assert failing("duplicate-choice", bottlenecks_1="stikstof", bottlenecks_2="stikstof")
    assert not failing("duplicate-choice", bottlenecks_1="stikstof", bottlenecks_2="netcongestie")


def test_the_workbook_colours_exactly_the_sums_of_the_table() -> None:
    """The live red cells of the party workbook come from the same table as the rules."""
    from pipeline.workbook import party

    formulas = {
        rule.code: party._sum_formula("T", ["A", "B"], 3, rule.when_filled) for rule in SUM_RULES
    }
    assert formulas["year-slices-do-not-add-up"] == "AND(ISNUMBER($T3),SUM($A3,$B3)<>$T3)"
    assert formulas["segments-do-not-add-up"] == (
        "AND(ISNUMBER($T3),COUNTA($A3,$B3)>0,SUM($A3,$B3)<>$T3)"
    )


def _judged_rows(state: Any, rng: random.Random) -> list[dict[str, Any]]:
    """The demo's projects as typed rows, and copies with the rules' cells set to values of
    every kind: counts, decimals, text, blanks, booleans, dates, huge numbers, NaN."""
    from pipeline.validation.schema import _base_records

    rows = [dict(r) for r in _base_records(state.monitor(ROUND).projects).values()]
    keys = sorted(set().union(*(r.columns for r in project_rules(CATALOGUE, COLUMNS, ROUND))))
    seen = [r[k] for r in rows for k in keys if r.get(k) is not None]
    pool = [
        *rng.sample(seen, 60),
        *(None, 0, 1, -1, 5, 7, 10**6, 2**53 + 1, 0.5, 12.0, -0.0, float("nan")),
        *("", " ", "12", "rood", "onherroepelijk", "initiatief", "2020-K1", "2099-K4"),
        *(True, False, dt.date(2026, 3, 1), "stikstof", "senioren"),
    ]
    changed = []
    for _ in range(800):
        row = dict(rng.choice(rows))
        for key in rng.sample(keys, rng.randint(1, 4)):
            row[key] = rng.choice(pool)
        if rng.random() < 0.3:  # a sum made to add up again
            row["total_dwellings"] = sum(
                v for k, v in row.items() if k.startswith("planning_") and type(v) is int
            ) + (row["completed"] if type(row.get("completed")) is int else 0)
        changed.append(row)
    return rows + changed


def test_a_rule_holds_on_a_row_only_where_its_frame_passes(state: Any) -> None:
    """``Rule.holds`` (one row, plain Python) says True only where ``Rule.passes`` on a frame
    holding that row gives True, whatever else the frame holds (alone, with a few rows, with
    all); on the demo's rows as they are it says what ``passes`` says."""
    rules = project_rules(CATALOGUE, COLUMNS, ROUND)
    rows = _judged_rows(state, random.Random(3))
    plain = len(state.monitor(ROUND).projects)
    judged = 0
    chunks = [rows, *(rows[i : i + 1] for i in range(0, len(rows), 61))]
    chunks += [rows[i : i + 9] for i in range(0, len(rows), 9 * 11)]
    for chunk in chunks:
        frame = pd.DataFrame(chunk)
        for rule in rules:
            passed = rule.passes(frame)
            for number, row in enumerate(chunk):
                holds = rule.holds(row)
                judged += holds
                if holds:
                    assert passed.dtype == bool and passed.iloc[number], (rule.code, row)
            if chunk is rows:
                assert [rule.holds(r) for r in rows[:plain]] == passed[:plain].tolist()
    assert judged > len(rows) * len(rules)
