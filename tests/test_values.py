"""Cell values: what goes into a workbook comes back as the same monitor value (property tests)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from pipeline.core import catalogue as catalogue_module
from pipeline.core.rounds import Round
from pipeline.core.values import check, parse_text, to_cell, to_value

CATALOGUE = catalogue_module.load()
COLUMNS = {c.key: c for c in CATALOGUE.columns("project", Round(2026, 2))}


@given(st.integers(min_value=0, max_value=100_000))
def test_whole_numbers_round_trip_as_numbers_and_as_text(number: int) -> None:
    column = COLUMNS["completed"]
    for raw in (number, float(number), str(number), f" {number} "):
        assert check(column, raw) is None
        assert to_value(column, raw) == number


@given(st.integers(min_value=100_001, max_value=10**9))
def test_numbers_above_the_bound_are_refused(number: int) -> None:
    """The bound fits real plans: area developments of tens of thousands of dwellings pass."""
    assert check(COLUMNS["total_dwellings"], 25_000) is None
    problem = check(COLUMNS["total_dwellings"], number)
    assert problem is not None and problem[0] == "value-above-maximum"


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2080, 12, 31)))
def test_dates_round_trip_in_dutch_and_iso_form(date: dt.date) -> None:
    column = COLUMNS["permit_date"]
    for raw in (
        date,
        date.strftime("%d-%m-%Y"),
        date.isoformat(),
        dt.datetime.combine(date, dt.time()),
    ):
        assert to_value(column, raw) == date


@given(st.integers(min_value=2015, max_value=2060), st.integers(min_value=1, max_value=4))
def test_year_quarters_in_every_usual_spelling(year: int, quarter: int) -> None:
    column = COLUMNS["construction_start"]
    expected = f"{year}-K{quarter}"
    for raw in (expected, f"{year} Q{quarter}", f"K{quarter} {year}", f"{year}-k{quarter}"):
        assert to_value(column, raw) == expected
    assert parse_text(column, expected) == expected


@given(st.booleans())
def test_yes_no_round_trips_through_the_cell(value: bool) -> None:
    column = COLUMNS["circular"]
    assert to_value(column, to_cell(column, value)) is value


@given(st.sampled_from(CATALOGUE.lists["zoning_status"]))
def test_choices_are_matched_regardless_of_case(value: str) -> None:
    column = COLUMNS["zoning_status"]
    choices = CATALOGUE.lists["zoning_status"]
    assert to_value(column, value.upper(), choices) == value


@given(st.text(max_size=30).filter(lambda t: t.strip() not in CATALOGUE.lists["phase"]))
def test_text_outside_the_list_is_refused(text: str) -> None:
    column = COLUMNS["phase"]
    problem = check(column, text, CATALOGUE.lists["phase"]) if text.strip() else None
    assert text.strip() == "" or (problem is not None and problem[0] == "value-not-in-list")


@given(
    st.integers(min_value=2000, max_value=2100),
    st.integers(min_value=1, max_value=2),
    st.integers(min_value=-10, max_value=10),
)
def test_shifting_a_date_by_rounds_and_back_returns_it(year: int, half: int, steps: int) -> None:
    first = Round(year, half)
    later = first
    for _ in range(abs(steps)):
        later = later.next() if steps > 0 else later.previous()
    deadline = dt.date(year, 1 if half == 2 else 7, 15)
    moved = later.shift_date(deadline, first)
    assert first.shift_date(moved, later) == deadline
    assert later.halves_since(first) == steps
