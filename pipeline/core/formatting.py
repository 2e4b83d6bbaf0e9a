"""Dutch formatting of numbers, percentages and dates for the reports (Jinja filters).

``1234`` → ``1.234``; ``0.125`` → ``12,5%``; ``2027-01-15`` → ``15 januari 2027``. Missing values
show as an en dash, so an empty cell is never mistaken for zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")  # deadlines and save times are Dutch days and hours
MISSING = "–"
MINUS = "−"
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def _dutch(text: str) -> str:
    """Swap the separators of an English-formatted number: 1,234.5 → 1.234,5."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def number(value: float | int | None, decimals: int = 0) -> str:
    """A number with a dot between thousands and a decimal comma."""
    if value is None:
        return MISSING
    text = _dutch(f"{abs(value):,.{decimals}f}")
    return f"{MINUS}{text}" if round(value, decimals) < 0 else text


def signed(value: float | int | None, decimals: int = 0) -> str:
    """A change with its sign: +12, −3, 0."""
    if value is None:
        return MISSING
    if round(value, decimals) > 0:
        return "+" + number(value, decimals)
    return number(value, decimals)


def percent(share: float | None, decimals: int = 1) -> str:
    """A share (0.125) as a Dutch percentage (12,5%); whole percentages drop the decimals."""
    if share is None:
        return MISSING
    value = share * 100
    if decimals and round(value, decimals) == round(value):
        decimals = 0
    return number(value, decimals) + "%"


def in_dutch_time(moment: str) -> dt.datetime:
    """An ISO time as it was in the Netherlands (CET/CEST); a time without a zone is UTC."""
    parsed = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(DUTCH_TIME)


def dutch_time(moment: str) -> str:
    """'2026-12-02T09:15:00+00:00' → '02-12-2026 10:15' (Dutch time)."""
    return f"{in_dutch_time(moment):%d-%m-%Y %H:%M}"


def date(value: dt.date | None) -> str:
    """A date written out: 15 januari 2027."""
    if value is None:
        return MISSING
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def long_date(value: dt.date) -> str:
    """A date with its weekday, as a letter writes it: vrijdag 15 januari 2027."""
    return f"{WEEKDAYS[value.weekday()]} {date(value)}"


def plain(value: float) -> str:
    """A number as typed: thousands dotted, decimals only where it has them (20.000, 2,5)."""
    return number(value) if float(value).is_integer() else _dutch(f"{value:,}")


def euro(amount: float) -> str:
    """An amount in euros: € 932,93, € 405.000."""
    return "€ " + number(amount, 0 if float(amount).is_integer() else 2)


def listing(items: Sequence[str]) -> str:
    """Items as a sentence lists them: 'a', 'a en b', 'a, b en c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def round_name(value: object) -> str:
    """A round as people say it: 2026-H2 → 2e halfjaar 2026."""
    text = str(value)
    if len(text) == 7 and text[4:6] == "-H":
        return f"{text[6]}e halfjaar {text[:4]}"
    return text


def years(value: float | None) -> str:
    """A duration in years with one decimal: 0,4 jaar."""
    if value is None:
        return MISSING
    return f"{number(value, 1)} jaar"


def months(years_: float | None) -> str:
    """A duration given in years, written in months: 0,25 → 3,0 maanden."""
    if years_ is None:
        return MISSING
    value = years_ * 12
    return f"{number(value, 1)} {'maand' if round(value, 1) == 1 else 'maanden'}"


FILTERS: dict[str, Callable[..., Any]] = {
    "number": number,
    "signed": signed,
    "percent": percent,
    "date": date,
    "round_name": round_name,
    "years": years,
    "months": months,
}
