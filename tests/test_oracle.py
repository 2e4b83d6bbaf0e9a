"""Every board figure against the oracle (``tests/oracle.py``): a second, deliberately plain
computation straight from the state's SQLite tables.

The state: the demo region after two rounds (the second compared with the first), with a
change of year in between. The report's figures, the dashboard's data and the monitor workbook's
totals must equal the oracle's; every number in the rendered progress report and factsheets
must be one the oracle (or the state's own text, a setting or a date) explains.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import oracle
import pytest
from test_reports import add_two_rounds

from pipeline.core import formatting
from pipeline.core.config import Config
from pipeline.reporting import dashboard
from pipeline.reporting.monitor_workbook import write_monitor_workbook
from pipeline.reporting.render import Report, compute, render, render_dashboard
from pipeline.state.database import State


@pytest.fixture
def measured(config: Config, state: State) -> tuple[Config, State, Report, oracle.Figures]:
    second = add_two_rounds(config, state)
    report = compute(second, state, second.round)
    region = state.region()
    figures = oracle.figures(
        second.paths.database,
        str(report.measured_round),
        str(report.measured_round.previous()),
        years=list(second.timeline.context(report.measured_round).planned_years),
        targets=dict(second.targets.completions),
        shares=dict(second.targets.subregion_share),
        subregion_of={m.code: m.subregion for m in region.municipalities},
        hard=set(second.catalogue.hard_zoning_statuses),
        soft=set(second.catalogue.soft_zoning_statuses),
        lights=list(second.catalogue.lists["stoplight"]),
    )
    return second, state, report, figures


def assert_scope(found: object, expected: oracle.Scope) -> None:
    from pipeline.reporting.render import Scope

    assert isinstance(found, Scope)
    c, a = found.completions, found.affordability
    assert found.projects == expected.projects
    assert found.dwellings_to_build == expected.to_build
    assert {y.year: y.planned for y in c.years} == expected.planned
    assert (c.later, c.completed_to_date) == (expected.later, expected.completed)
    assert (c.planned_with_target, c.target_total) == (
        expected.planned_with_target,
        expected.target_total,
    )
    if found.capacity is not None:
        p = found.capacity
        assert (p.hard, p.soft, p.unknown) == (expected.hard, expected.soft, expected.unknown)
        assert p.target == expected.capacity_target
        assert p.hard_share == pytest.approx(expected.hard / (expected.hard + expected.soft))
    assert (a.affordable, a.social_rent, a.dwellings) == (
        expected.affordable,
        expected.social,
        expected.split,
    )
    assert (a.covered_dwellings, a.all_dwellings) == (expected.covered, expected.all_dwellings)
    assert a.affordable_share == pytest.approx(expected.affordable / expected.split)
    assert (found.circular.projects, found.circular.dwellings) == (
        expected.circular_projects,
        expected.circular_dwellings,
    )
    assert dict(found.stoplights) == expected.lights


def test_report_figures_equal_the_oracle(
    measured: tuple[Config, State, Report, oracle.Figures],
) -> None:
    _, _, report, figures = measured
    assert report.years and all(y >= report.measured_round.year for y in report.years)
    assert_scope(report.whole, figures.region)
    for sub in report.subregions:
        assert_scope(sub, figures.subregions[sub.name])
    assert report.progress is not None and figures.moved is not None
    p, m = report.progress, figures.moved
    assert (p.completed, p.to_hard_projects, p.to_hard_dwellings) == (
        m.completed,
        m.to_hard,
        m.to_hard_dwellings,
    )
    assert (p.permits_granted, p.construction_started) == (m.permits, m.started)
    assert (p.new_projects, p.new_dwellings, p.withdrawn_projects, p.withdrawn_dwellings) == (
        m.new,
        m.new_dwellings,
        m.withdrawn,
        m.withdrawn_dwellings,
    )
    shown = {d.category: d for d in report.rode_draden if d.projects}
    assert set(shown) == set(figures.bottlenecks)
    for category, expected in figures.bottlenecks.items():
        d = shown[category]
        assert (d.projects, d.dwellings, len(d.municipalities), len(d.parties)) == (
            expected.projects,
            expected.dwellings,
            expected.municipalities,
            expected.parties,
        )
        assert d.previous_projects == expected.previous
    assert dict(report.agreements.counts) == figures.agreements
    assert report.carried_dwellings == figures.carried


def test_dashboard_data_equals_the_oracle(
    measured: tuple[Config, State, Report, oracle.Figures],
) -> None:
    _, _, report, figures = measured
    data = dashboard.data(report)
    assert data["years"] == list(report.years)
    live = [p for p in data["projects"] if not p["w"]]
    region = figures.region
    assert sum(p["to_build"] for p in live) == region.to_build
    hard = sum(p["to_build"] for p in live if p["cap"] == "hard")
    soft = sum(p["to_build"] for p in live if p["cap"] == "zacht")
    assert (hard, soft) == (region.hard, region.soft)
    # The dashboard's betaalbaar: over the dwellings with a price split, as in the report.
    split = sum(p["seg"] for p in live)
    assert split == region.split
    assert sum(p["aff"] for p in live) == region.affordable
    assert sum(p["total"] for p in live if p["seg"]) == region.covered
    for index, year in enumerate(data["years"]):
        assert sum(p["plan"][index] for p in live) == region.planned[year]


def test_monitor_workbook_totals_equal_the_oracle(
    measured: tuple[Config, State, Report, oracle.Figures],
) -> None:
    config, state, report, figures = measured
    region = state.region()
    data = write_monitor_workbook(
        config,
        region,
        state.monitor(report.measured_round),
        state.changes(report.round),
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)["Totalen"]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    col = {h: i for i, h in enumerate(header)}
    totals = {str(r[0]): r for r in rows[1:] if r[1] == "Totaal subregio"}
    whole = next(r for r in rows[1:] if r[1] == "Totaal regio")
    for name, expected in [*figures.subregions.items(), ("Regio", figures.region)]:
        row = whole if name == "Regio" else totals[name]
        assert row[col["Projecten"]] == expected.projects, name
        assert row[col["Harde plancapaciteit"]] == expected.hard, name
        assert row[col["Zachte plancapaciteit"]] == expected.soft, name
        assert row[col["Planstatus onbekend"]] == expected.unknown, name
        for year, planned in expected.planned.items():
            assert row[col[f"Oplevering {year}"]] == planned, (name, year)
        assert row[col["Oplevering later"]] == expected.later, name
    assert not any(h.startswith("Oplevering 2026") for h in header)  # 2026 has ended


# -- every number in the rendered text is explained -------------------------------------------

NUMBER = re.compile(r"(?<![\w.,-])[-+−]?\d{1,3}(?:\.\d{3})*(?:,\d+)?%?(?![\w])")
NOT_FIGURES = [
    re.compile(p)
    for p in (
        r"\b20\d\d-H[12]\b",  # round names
        r"\b20\d\d-K[1-4]\b",  # year-quarters
        r"\b\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober"
        r"|november|december) 20\d\d\b",  # dates
        r"\bPRJ-\d+\b",  # project ids
        r"\bGM\d{4}\b",
        r"(?<![\d.])\d{1,2}\.\d\d(?![\d.])",  # agreement numbers such as 2.03
        r"\b[1-4][A-C]?\. (?=[A-Z])",  # the zoning ladder's steps: "3. In voorbereiding"
        r"\bversie [\d.]+",
        r"\b\d\.\s",  # numbered list items
    )
]


def visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def explained_numbers(
    config: Config, state: State, report: Report, figures: oracle.Figures
) -> set[str]:
    """Every number the oracle, the settings or the state's own texts explain, as shown."""
    plain: set[float] = set(
        range(-12, 13)
    )  # small counts of listed things (rows, jaren, kwartalen)
    shares: set[float] = set()
    database, measured = config.paths.database, str(report.measured_round)
    now = oracle.snapshot(database, measured)
    years = sorted(figures.region.planned)
    # the realism forecast, plainly: planned × chance, moved by the mean slip
    slip, _ = oracle.mean_slip(database, measured)
    realistic, later = oracle.forecast(now, years, dict(config.realism), slip)
    with_target = [y for y in years if y in figures.region.targets]
    realistic_total = sum(realistic[y] for y in with_target)
    target_total = figures.region.target_total
    plain |= set(realistic.values()) | {later, realistic_total, target_total - realistic_total}
    if target_total:
        shares.add(realistic_total / target_total)
    shown_months = {
        formatting.months(slip),
        formatting.number(oracle.start_slip(database, measured), 1),
    }
    for planned, completed, moved in oracle.planned_against_completed(database, measured).values():
        plain |= {planned, completed, moved}
        if planned:
            shares.add(completed / planned)
    # the axis marks of the charts: the region's own scale, the subregions' shared one
    region = figures.region
    plain |= set(oracle.nice_ticks(max([*region.planned.values(), *region.targets.values()])))
    shared = max(
        max([*s.planned.values(), *s.targets.values(), 0]) for s in figures.subregions.values()
    )
    plain |= set(oracle.nice_ticks(shared))
    # projects named in any bottleneck category, once each
    active = oracle.live(now)
    plain.add(
        sum(1 for r in active.values() if any(r.get(f"bottlenecks_{i}") for i in range(1, 4)))
    )
    for scope in [figures.region, *figures.subregions.values()]:
        plain |= {scope.projects, scope.to_build, scope.later, scope.completed, scope.hard}
        plain |= {scope.soft, scope.unknown, scope.hard + scope.soft, scope.capacity_target}
        plain |= {scope.planned_with_target, scope.target_total, scope.affordable, scope.social}
        plain |= {scope.split, scope.covered, scope.all_dwellings, scope.circular_projects}
        plain |= {scope.circular_dwellings, sum(scope.planned.values())}
        plain |= set(scope.planned.values()) | set(scope.targets.values())
        plain |= set(scope.lights.values())
        plain |= {scope.unknown_year, scope.demolition, scope.hard + scope.soft - scope.demolition}
        plain |= set(scope.segments.values()) | {scope.red_dwellings}
        plain |= {scope.group_projects, scope.group_dwellings}
        plain |= {x for pair in scope.groups.values() for x in pair}
        norm = config.targets.plan_capacity_norm
        plain |= {
            oracle.whole(scope.capacity_target * norm),
            max(0, oracle.whole(scope.capacity_target * norm) - scope.hard - scope.soft),
        }
        if scope.target_total:
            shares.add(scope.planned_with_target / scope.target_total)
        if scope.capacity_target:
            shares.add((scope.hard + scope.soft) / scope.capacity_target)
        if scope.hard + scope.soft:
            shares.add(scope.hard / (scope.hard + scope.soft))
        if scope.split:
            shares |= {scope.affordable / scope.split, scope.social / scope.split}
        if scope.all_dwellings:
            shares |= {scope.covered / scope.all_dwellings}
            shares.add(scope.circular_dwellings / scope.all_dwellings)
    if figures.moved:
        plain |= set(vars(figures.moved).values())
    for b in figures.bottlenecks.values():
        plain |= {b.projects, b.dwellings, b.municipalities, b.parties}
        if b.previous is not None:
            plain.add(b.projects - b.previous)
    plain |= set(figures.agreements.values()) | {figures.carried, sum(figures.agreements.values())}
    # settings the documents state in Dutch
    shares |= {config.targets.plan_capacity_norm, config.targets.affordable_share}
    shares |= {config.targets.social_rent_share, *config.realism.values()}
    shares |= set(config.targets.subregion_share.values())
    plain |= {config.rode_draden.min_projects, config.rode_draden.min_municipalities}
    plain |= set(config.targets.completions.values())
    # the projects the casework lists can name (red, withdrawn, with a bottleneck, large, or
    # with a start of construction that moved): their own dwellings to build, straight from SQL
    first = oracle.snapshot(database, oracle.rounds_with_cells(database)[0])
    large = config.reports.large_project_dwellings

    def listed(pid: str, r: oracle.Row) -> bool:
        return (
            r.get("stoplight") == "rood"
            or r.get("withdrawn") is True
            or any(r.get(f"bottlenecks_{i}") for i in range(1, 4))
            or r.get("large_scale") is True
            or r.get("acceleration_site") is True
            or oracle.n(r, "total_dwellings") >= large
            or r.get("construction_start") != first.get(pid, {}).get("construction_start")
        )

    plain |= {oracle.whole(oracle.to_build(r)) for pid, r in now.items() if listed(pid, r)}
    # the focus page: versnellings- and grootschalige locaties
    hard = set(config.catalogue.hard_zoning_statuses)
    soft = set(config.catalogue.soft_zoning_statuses)
    sites = {
        pid: r
        for pid, r in active.items()
        if r.get("acceleration_site") is True or r.get("large_scale") is True
    }
    site_build = oracle.whole(sum(oracle.to_build(r) for r in sites.values()))
    site_hard = oracle.whole(
        sum(oracle.to_build(r) for r in sites.values() if r.get("zoning_status") in hard)
    )
    site_soft = oracle.whole(
        sum(oracle.to_build(r) for r in sites.values() if r.get("zoning_status") in soft)
    )
    site_realistic, _ = oracle.forecast(sites, years, dict(config.realism), slip)
    site_planned = oracle.whole(
        sum(oracle.n(r, f"planning_{y}") for r in sites.values() for y in years)
    )
    plain |= {len(sites), site_build, site_hard, site_hard + site_soft, site_planned}
    plain.add(sum(site_realistic.values()))
    plain |= {
        sum(1 for r in sites.values() if r.get(k) is True)
        for k in ("acceleration_site", "large_scale")
    }
    plain |= {
        oracle.whole(sum(oracle.n(r, f"planning_{y}") for y in years)) for r in sites.values()
    }
    shares |= {site_build / figures.region.to_build}
    if site_hard + site_soft:
        shares.add(site_hard / (site_hard + site_soft))
    if site_planned:
        shares.add(sum(site_realistic.values()) / site_planned)
    shown = {formatting.number(x) for x in plain} | {formatting.signed(x) for x in plain}
    shown |= {m.group(0) for text in shown_months for m in NUMBER.finditer(text)}
    for share in shares:
        shown |= {formatting.percent(share), formatting.percent(share, 0)}
    # numbers a party or tempomaker typed in a text, and the realism page (see below)
    texts = [str(v) for r in now.values() for v in r.values() if isinstance(v, str)]
    # numbers a tempomaker entered on an agreement (dwellings that depend on it)
    entered = oracle.snapshot(database, measured, "agreement")
    shown |= {
        formatting.number(v)
        for r in entered.values()
        for v in r.values()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    for key in oracle.rounds_with_cells(database):  # agreement histories quote older rounds
        agreements = oracle.snapshot(database, key, "agreement")
        texts += [str(v) for r in agreements.values() for v in r.values() if isinstance(v, str)]
    for text in texts:
        shown |= {m.group(0) for m in NUMBER.finditer(text)}
    return shown


def unexplained(text: str, explained: set[str]) -> list[str]:
    for pattern in NOT_FIGURES:
        text = pattern.sub(" ", text)
    years = {str(y) for y in range(2015, 2061)}
    return [
        m.group(0)
        for m in NUMBER.finditer(text)
        if m.group(0) not in explained and m.group(0) not in years
    ]


def test_every_number_in_the_rendered_reports_is_explained(
    measured: tuple[Config, State, Report, oracle.Figures],
) -> None:
    config, state, report, figures = measured
    explained = explained_numbers(config, state, report, figures)
    html = visible(render("voortgangsrapportage.html.j2", report=report))
    missing = unexplained(html, explained)
    assert missing == [], [
        (m, html[max(0, html.find(m) - 80) : html.find(m) + 20]) for m in missing[:20]
    ]
    for sheet in report.pillars:
        page = visible(render("factsheet.html.j2", report=report, sheet=sheet))
        assert unexplained(page, explained) == [], sheet.pillar.number
    assert unexplained(visible(render_dashboard(report)), explained) == []


def test_the_number_check_can_fail() -> None:
    assert unexplained("93.107 woningen gepland, 118%", {"93.107"}) == ["118%"]
    assert unexplained("stand na ronde 2027-H1 op 15 juli 2027, PRJ-0012", set()) == []


def test_oracle_reads_only_sql(tmp_path: Path) -> None:
    """The oracle imports nothing of planmonitor's report code."""
    source = Path(oracle.__file__).read_text(encoding="utf-8")
    assert "pipeline" not in source.split('"""', 2)[2]
