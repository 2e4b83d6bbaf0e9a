"""The time model: deadlines, measurement periods, past/current/planned years, comparison."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.core import config as config_module
from pipeline.core.errors import RoundError
from pipeline.core.rounds import Round
from pipeline.core.timeline import Schedule, round_after_snapshot

REPO = Path(__file__).resolve().parent.parent
FIRST = Round(2026, 2)
SCHEDULE = Schedule(FIRST, dt.date(2027, 1, 15))


def test_first_round_is_compared_with_nothing() -> None:
    ctx = SCHEDULE.context(FIRST)
    assert ctx.is_first and ctx.previous is None and ctx.previous_deadline is None
    assert ctx.deadline == dt.date(2027, 1, 15)
    assert (ctx.period_start, ctx.period_end) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert ctx.past_years == ()
    assert ctx.planned_years == tuple(range(2026, 2034))
    assert ctx.closes_year == 2026


def test_a_later_round_is_compared_with_the_round_before_it_never_itself() -> None:
    ctx = SCHEDULE.context(Round(2027, 1))
    assert ctx.previous == Round(2026, 2) != ctx.round
    assert ctx.previous_deadline == dt.date(2027, 1, 15)
    assert ctx.deadline == dt.date(2027, 7, 15)
    assert (ctx.period_start, ctx.period_end) == (dt.date(2027, 1, 1), dt.date(2027, 6, 30))
    assert ctx.past_years == (2026,)
    assert ctx.is_past(2026) and not ctx.is_past(2027)
    assert ctx.current_year == 2027 == ctx.planned_years[0]
    assert ctx.closes_year is None
    assert ctx.snapshot_before == Round(2027, 1) and ctx.snapshot_after == Round(2027, 2)


def test_deadlines_shift_six_months_from_the_nearest_configured_one() -> None:
    schedule = Schedule(
        FIRST, dt.date(2027, 1, 15), {Round(2027, 2): dt.date(2028, 2, 1)}, planning_years=8
    )
    assert schedule.deadline(Round(2027, 1)) == dt.date(2027, 7, 15)  # the default shift
    assert schedule.deadline(Round(2027, 2)) == dt.date(2028, 2, 1)  # configured
    assert schedule.deadline(Round(2028, 1)) == dt.date(2028, 8, 1)  # six months after that
    assert schedule.deadline(Round(2029, 2)) == dt.date(2030, 2, 1)


def test_deadlines_that_do_not_move_forward_are_refused_in_dutch() -> None:
    with pytest.raises(RoundError, match="ligt niet na die van ronde 2026-H2"):
        Schedule(FIRST, dt.date(2027, 1, 15), {Round(2027, 1): dt.date(2027, 1, 1)})
    with pytest.raises(RoundError, match="eerste ronde is 2026-H2"):
        Schedule(FIRST, dt.date(2027, 1, 15), {Round(2026, 1): dt.date(2026, 7, 1)})
    with pytest.raises(RoundError, match="voor de eerste ronde"):
        SCHEDULE.deadline(Round(2026, 1))


def test_snapshot_keys_name_the_round_whose_stand_they_hold() -> None:
    assert round_after_snapshot(FIRST, FIRST) is None  # the starting position
    assert round_after_snapshot(Round(2027, 1), FIRST) == FIRST
    assert round_after_snapshot(Round(2028, 1), FIRST) == Round(2027, 2)
    assert SCHEDULE.rounds(Round(2027, 2)) == [FIRST, Round(2027, 1), Round(2027, 2)]


@given(st.integers(min_value=0, max_value=40), st.integers(min_value=1, max_value=28))
def test_every_round_has_a_later_deadline_inside_its_own_or_the_next_half_year(
    steps: int, day: int
) -> None:
    schedule = Schedule(FIRST, dt.date(2027, 1, day))
    rounds = schedule.rounds(Round(2026 + (steps + 1) // 2, 2 - (steps + 1) % 2))
    for earlier, later in itertools.pairwise(rounds):
        a, b = schedule.context(earlier), schedule.context(later)
        assert b.previous == earlier and b.previous_deadline == a.deadline < b.deadline
        assert a.period_end < b.period_start and b.period_start - a.period_end == dt.timedelta(1)
        assert b.deadline > b.period_end  # the stand is taken after the half year ends
        assert set(b.past_years) == set(range(FIRST.year, later.year))
        assert not set(b.past_years) & set(b.planned_years)


def test_config_toml_deadlines_drive_every_rounds_configuration(tmp_path: Path) -> None:
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    text = text.replace("[round.deadlines]\n", '[round.deadlines]\n"2027-H2" = 2028-02-01\n')
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    config = config_module.load(tmp_path / "config.toml")
    assert config.round == FIRST and config.context.is_first
    later = config.at(Round(2028, 1))
    assert later.round == Round(2028, 1) and later.deadline == dt.date(2028, 8, 1)
    assert later.context.previous == Round(2027, 2)
    assert later.context.previous_deadline == dt.date(2028, 2, 1)
    assert config.at(Round(2027, 1)).deadline == dt.date(2027, 7, 15)
    assert config.at(FIRST) is config
