"""Dutch formatting: one helper per kind of value, used by workbooks, messages and reports."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.core import formatting


@pytest.mark.parametrize(
    ("value", "shown"), [(20000, "20.000"), (2.5, "2,5"), (1234.125, "1.234,125"), (0, "0")]
)
def test_plain_number(value: float, shown: str) -> None:
    assert formatting.plain(value) == shown


@pytest.mark.parametrize(
    ("amount", "shown"), [(932.93, "€ 932,93"), (405000, "€ 405.000"), (1228.0, "€ 1.228")]
)
def test_euro(amount: float, shown: str) -> None:
    assert formatting.euro(amount) == shown


def test_long_date_names_the_weekday() -> None:
    assert formatting.long_date(dt.date(2027, 1, 15)) == "vrijdag 15 januari 2027"
    assert formatting.long_date(dt.date(2027, 7, 12)) == "maandag 12 juli 2027"


@pytest.mark.parametrize(
    ("items", "shown"),
    [([], ""), (["a"], "a"), (["a", "b"], "a en b"), (["a", "b", "c"], "a, b en c")],
)
def test_listing(items: list[str], shown: str) -> None:
    assert formatting.listing(items) == shown


def test_number_percent_and_date() -> None:
    assert formatting.number(-1234.5, 1) == "−1.234,5"
    assert formatting.percent(0.125) == "12,5%"
    assert formatting.percent(0.5) == "50%"
    assert formatting.date(dt.date(2027, 1, 15)) == "15 januari 2027"
    assert formatting.number(None) == formatting.MISSING
