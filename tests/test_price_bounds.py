"""Price bounds per year: published values with their source, and no workbook without bounds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import make_config

from pipeline.core.config import Config, price_bounds_for
from pipeline.core.errors import ConfigError
from pipeline.stages import issue_round, merge_round, open_session
from pipeline.state.database import State

BOUNDS_2025 = {"social_rent_max": 900.07, "mid_rent_max": 1184.82, "affordable_buy_max": 405000}


def test_config_has_the_published_bounds_with_their_source(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    assert config.price_bounds[2025] == BOUNDS_2025
    assert config.price_bounds[2026] == {
        "social_rent_max": 932.93,
        "mid_rent_max": 1228.07,
        "affordable_buy_max": 420000,
    }
    assert "Huurcommissie" in config.price_bound_sources[2026]
    assert "1.228,07" in config.price_bound_sources[2026]


def test_a_year_without_bounds_stops_issue_before_any_workbook(
    config: Config, state: State
) -> None:
    strict = replace(config, price_bounds={2025: BOUNDS_2025}, earlier_price_bounds=False)
    with open_session(strict) as session:
        with pytest.raises(ConfigError) as raised:
            issue_round(session.config, session.state, session.storage)
        assert session.state.issued(session.config.round) == []
    message = str(raised.value)
    assert "geen prijsgrenzen voor 2026" in message
    assert "[price_bounds.2026]" in message and "--vorige-prijsgrenzen" in message
    assert not any(strict.paths.storage.rglob("*.xlsx"))


def test_earlier_bounds_only_when_asked_and_said_in_the_workbook(
    config: Config, state: State
) -> None:
    strict = replace(config, price_bounds={2025: BOUNDS_2025}, earlier_price_bounds=False)
    with open_session(strict) as session:
        summary = issue_round(
            session.config,
            session.state,
            session.storage,
            party_ids=["P001"],
            earlier_price_bounds=True,
        )
    assert summary.price_bounds_year == 2025
    from openpyxl import load_workbook

    (path,) = strict.paths.storage.rglob("*.xlsx")
    book = load_workbook(path, read_only=True)
    try:
        rows = book["Toelichting"].iter_rows(values_only=True)
        text = "\n".join(str(c) for row in rows for c in row if c)
    finally:
        book.close()
    assert "De prijsgrenzen voor 2026 zijn nog niet bekendgemaakt" in text
    assert "die van 2025" in text and "€ 1.184,82" in text


def test_merge_checks_the_next_rounds_bounds_before_merging(config: Config, state: State) -> None:
    strict = replace(config, earlier_price_bounds=False)  # 2026-H2 is followed by 2027-H1
    with open_session(strict) as session, pytest.raises(ConfigError) as raised:
        merge_round(session)
    assert "geen prijsgrenzen voor 2027" in str(raised.value)
    assert price_bounds_for(strict, 2027, earlier=True)[0] == 2026
