"""The baseline report: right after init, before any submission, the region sees where it starts."""

from __future__ import annotations

import re

import pytest

from pipeline.core.config import Config
from pipeline.reporting.render import compute, render, render_dashboard
from pipeline.stages import open_session, report_round
from pipeline.state.database import State


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_starting_position_is_a_baseline_with_nothing_to_compare(
    config: Config, state: State
) -> None:
    report = compute(config, state, config.round)
    assert report.baseline and report.first and report.previous is None
    progress = _text(render("voortgangsrapportage.html.j2", report=report))
    assert "nulmeting, vóór de eerste inzendingen" in progress
    assert "nog niets om mee te vergelijken" in progress
    assert "Ronde 0: de monitor zoals het secretariaat hem heeft opgezet" in progress
    assert "vergeleken met" not in progress
    capacity = report.whole.capacity
    assert capacity is not None and capacity.unknown > 0
    assert f"Van {capacity.unknown:,} woningen is de planstatus onbekend".replace(",", ".") in (
        progress
    )
    unknown_year = report.whole.completions.unknown_year
    assert unknown_year > 0
    assert f"Jaar onbekend: {unknown_year:,} woningen".replace(",", ".") in progress
    assert "nulmeting" in _text(render_dashboard(report))


@pytest.mark.slow
def test_report_right_after_init_renders_the_baseline(config: Config, state: State) -> None:
    """The report step before any merge (PDF included, so slow)."""
    with open_session(config) as session:
        summary, published = report_round(session)
    assert summary.baseline and summary.previous_round is None
    assert summary.progress_pdf.is_file() and summary.progress_pdf.stat().st_size > 10_000
    assert "nulmeting" in summary.dashboard.read_text(encoding="utf-8")
    assert published
