"""The time model of the monitor: when each round takes place and what it describes.

A round (``2026-H2``) describes one half year, its *measurement period* (1 July to 31 December
2026). Parties fill in their workbooks during and just after it; the *deadline* is the round's
reference date: the stand of the monitor after the round is the stand on that date. At a round
the calendar years before the round's year are *past*, the round's year is *current*, and the
round's planning columns cover the current year and the years after it (*planned*). A round is
compared with the round before it; the first round is compared with nothing.

The monitor snapshot stored under round ``R`` is the monitor as issued in ``R``: the stand after
the round before ``R`` (or the starting position, for the first round). Merging ``R`` writes the
snapshot of ``R.next()``, the stand after ``R``.

Deadlines come from ``config.toml``: the first round's deadline, and optionally a deadline for
any later round (``[round.deadlines]``). A round without its own deadline gets the deadline of
the nearest earlier round that has one, moved by six months for every round in between.

Everything here is computed once per command (:meth:`Schedule.context`) and passed to every
stage, instead of each stage working out dates and years on its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import RoundError
from .rounds import Round


@dataclass(frozen=True)
class Schedule:
    """When the rounds of a region take place: the first round and each round's deadline."""

    first: Round
    first_deadline: dt.date
    deadlines: Mapping[Round, dt.date] = field(default_factory=dict)
    planning_years: int = 8

    def __post_init__(self) -> None:
        early = sorted(r for r in self.deadlines if r < self.first)
        if early:
            raise RoundError(
                f"Er staat een deadline voor ronde {early[0]}, maar de eerste ronde is "
                f"{self.first}. Haal die deadline weg of begin bij een eerdere ronde."
            )
        dates = [
            (self.first, self.first_deadline),
            *sorted((r, d) for r, d in self.deadlines.items() if r != self.first),
        ]
        for (r1, d1), (r2, d2) in itertools.pairwise(dates):
            if d2 <= d1:
                raise RoundError(
                    f"De deadline van ronde {r2} ({d2.isoformat()}) ligt niet na die van ronde "
                    f"{r1} ({d1.isoformat()}). Elke ronde heeft een latere deadline dan de vorige."
                )

    def deadline(self, round_: Round) -> dt.date:
        """The deadline of a round: its own from config.toml, else six months per round after
        the nearest earlier round that has one."""
        if round_ < self.first:
            raise RoundError(
                f"Ronde {round_} ligt voor de eerste ronde van deze regio ({self.first})."
            )
        if round_ == self.first:
            return self.deadlines.get(round_, self.first_deadline)
        if round_ in self.deadlines:
            return self.deadlines[round_]
        anchors = [(r, d) for r, d in self.deadlines.items() if self.first < r < round_]
        anchor, date = max(anchors) if anchors else (self.first, self.first_deadline)
        return round_.shift_date(date, anchor)

    def context(self, round_: Round) -> RoundContext:
        """Everything about one round that depends on time, computed once."""
        previous = round_.previous() if round_ > self.first else None
        if round_.half == 1:
            start, end = dt.date(round_.year, 1, 1), dt.date(round_.year, 6, 30)
        else:
            start, end = dt.date(round_.year, 7, 1), dt.date(round_.year, 12, 31)
        return RoundContext(
            round=round_,
            first=self.first,
            deadline=self.deadline(round_),
            period_start=start,
            period_end=end,
            planned_years=tuple(round_.planning_years(self.planning_years)),
            previous=previous,
            previous_deadline=self.deadline(previous) if previous is not None else None,
        )

    def rounds(self, until: Round) -> list[Round]:
        """The rounds from the first up to and including ``until``."""
        out, round_ = [], self.first
        while round_ <= until:
            out.append(round_)
            round_ = round_.next()
        return out


@dataclass(frozen=True)
class RoundContext:
    """One round in time: its reference date, measurement period, years and comparison."""

    round: Round
    first: Round
    deadline: dt.date  # the reference date: the stand after the round is the stand on this date
    period_start: dt.date  # the half year the round describes
    period_end: dt.date
    planned_years: tuple[int, ...]  # the years with their own planning column, current first
    previous: Round | None  # the round this one is compared with; None for the first round
    previous_deadline: dt.date | None

    @property
    def is_first(self) -> bool:
        return self.previous is None

    @property
    def current_year(self) -> int:
        return self.round.year

    @property
    def past_years(self) -> tuple[int, ...]:
        """The years that have ended before this round, since the first round's year."""
        return tuple(range(self.first.year, self.round.year))

    def is_past(self, year: int) -> bool:
        return year < self.round.year

    @property
    def closes_year(self) -> int | None:
        """The year that ends with this round's half year (``None`` for a first half)."""
        return self.round.year if self.round.half == 2 else None

    @property
    def next(self) -> Round:
        return self.round.next()

    @property
    def snapshot_after(self) -> Round:
        """The key of the monitor snapshot that holds the stand after this round."""
        return self.round.next()

    @property
    def snapshot_before(self) -> Round:
        """The key of the monitor snapshot as issued in this round (the stand before it)."""
        return self.round


def round_after_snapshot(snapshot: Round, first: Round) -> Round | None:
    """The round whose stand a snapshot holds: the round before the snapshot's key, or
    ``None`` for the starting position (the snapshot of the first round)."""
    return snapshot.previous() if snapshot > first else None
