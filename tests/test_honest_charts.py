"""Honest charts: compared charts share one scale and show it; one stoplight rule; no label
under a target line; a subregion page without shares shows the planning and says so."""

from __future__ import annotations

import re
from dataclasses import replace

from test_reports import add_two_rounds

from pipeline.core.config import Config, Targets
from pipeline.reporting import charts
from pipeline.reporting.render import compute, render
from pipeline.state.database import State


def ticks(svg: str) -> list[str]:
    """The axis labels of a bar chart (right-aligned texts at the left edge)."""
    return re.findall(r'text-anchor="end"[^>]*>([^<]+)</text>', svg)


def test_subregion_charts_share_one_scale_with_an_axis(config: Config, state: State) -> None:
    second = add_two_rounds(config, state)
    report = compute(second, state, second.round)
    scales = {tuple(ticks(str(s.charts["completions"]))) for s in report.subregions}
    assert len(scales) == 1
    (scale,) = scales
    assert scale[0] == "0" and len(scale) == 3
    highest = max(
        max([y.planned for y in s.completions.years] + [y.target or 0 for y in s.completions.years])
        for s in report.subregions
    )
    top = float(scale[-1].replace(".", ""))
    assert highest <= top < 2 * highest + 1


def test_a_value_label_is_never_under_the_target_line() -> None:
    svg = charts.bars_against_target(
        [charts.Bar("2027", 980, 1000), charts.Bar("2028", 400, 1000)], "t", peak=1000
    )
    lines = [
        float(y) for y in re.findall(r'<line x1="[\d.]+" y1="([\d.]+)"[^>]*stroke-dasharray', svg)
    ]
    labels = {
        text: float(y)
        for y, text in re.findall(r'<text x="[\d.]+" y="([\d.]+)"[^>]*>([\d.]+)</text>', svg)
        if text in {"980", "400"}
    }
    # the 980 label sits above the target line of its bar, not through it
    assert labels["980"] < lines[0] - 3


def test_one_stoplight_rule() -> None:
    assert charts.below(0.64, 2 / 3) and not charts.below(0.7, 2 / 3)
    assert not charts.below(None, 0.5) and not charts.below(5, None)
    short = charts.share_against_target(0.64, 2 / 3, "betaalbaar", "t")
    assert "onder het doel" in short and f'fill="{charts.TARGET}"' in short
    assert "onder het doel" not in charts.share_against_target(0.7, 2 / 3, "betaalbaar", "t")


def test_without_subregion_shares_the_page_shows_the_planning(config: Config, state: State) -> None:
    second = add_two_rounds(config, state)
    bare = replace(second, targets=replace(second.targets, subregion_share={}))
    assert isinstance(bare.targets, Targets)
    report = compute(bare, state, bare.round)
    page = render("voortgangsrapportage.html.j2", report=report).split("Bijdrage per subregio")[1]
    page = page.split("Realisme van de planning")[0]
    assert "Er is geen doel per subregio vastgesteld" in page
    for sub in report.subregions:
        planned = sub.completions.planned
        assert planned > 0
        assert f"{sub.name}: {planned:,} woningen gepland".replace(",", ".") in re.sub(
            r"<[^>]+>", "", page
        )
    assert " 0 woningen gepland" not in page
