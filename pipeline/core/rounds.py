"""Monitor rounds: two a year, named like ``2026-H2``."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .errors import RoundError

_ROUND = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True, order=True)
class Round:
    """A half-yearly monitor round."""

    year: int
    half: int

    @classmethod
    def parse(cls, text: str) -> Round:
        match = _ROUND.match(text.strip())
        if not match:
            raise RoundError(
                f"Ronde '{text}' is ongeldig: gebruik jaar-H1 of jaar-H2, bijvoorbeeld 2026-H2."
            )
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"

    def next(self) -> Round:
        return Round(self.year, 2) if self.half == 1 else Round(self.year + 1, 1)

    def previous(self) -> Round:
        return Round(self.year, 1) if self.half == 2 else Round(self.year - 1, 2)

    def halves_since(self, other: Round) -> int:
        """How many rounds lie between another round and this one."""
        return (self.year * 2 + self.half) - (other.year * 2 + other.half)

    def shift_date(self, date: dt.date, first: Round) -> dt.date:
        """A date of one round moved by six months for every round between it and this one."""
        if self == first:
            return date
        months = date.month - 1 + 6 * self.halves_since(first)
        year, month = date.year + months // 12, months % 12 + 1
        return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))

    def planning_years(self, count: int) -> list[int]:
        """The calendar years that get their own planning column in this round."""
        return list(range(self.year, self.year + count))
