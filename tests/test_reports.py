"""Reports for the demo region: factsheets, progress report and dashboard.

The demo state has one snapshot; the tests add a second one (the monitor after merging the round)
with completions, slipped starts, changed agreements and two withdrawn projects, so that trends
exist. The slow tests render the PDFs to images and open the dashboard in headless Chromium.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from browser import Browser
from conftest import make_config
from markupsafe import escape

from pipeline.core import formatting
from pipeline.core.config import Config
from pipeline.core.monitor import Monitor
from pipeline.core.rollover import roll_over
from pipeline.reporting import charts, planmap
from pipeline.reporting.dashboard import to_script_json
from pipeline.reporting.render import (
    ReportSummary,
    build_reports,
    compute,
    render,
    render_dashboard,
)
from pipeline.state.database import State

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
FILTER = {"s": "Rijk van Nijmegen", "light": "rood"}


def add_second_snapshot(config: Config, state: State) -> None:
    """The monitor after merging the round: completions, slips, new bottlenecks, changed
    agreement statuses and two withdrawn projects, deterministically."""
    monitor = state.monitor(config.round)
    rng = random.Random(7)
    projects = monitor.projects.copy()
    first_year = config.round.year
    for pid in projects.index:
        planned = projects.at[pid, f"planning_{first_year}"] or 0
        if planned and rng.random() < 0.7:
            done = planned if rng.random() < 0.6 else planned // 2
            projects.at[pid, "completed"] = (projects.at[pid, "completed"] or 0) + done
            projects.at[pid, f"planning_{first_year}"] = 0
            later = f"planning_{first_year + 1}"
            projects.at[pid, later] = (projects.at[pid, later] or 0) + planned - done
        if rng.random() < 0.25:
            year, quarter = str(projects.at[pid, "construction_start"]).split("-K")
            index = int(year) * 4 + int(quarter) - 1 + rng.choice([1, 2, 3])
            projects.at[pid, "construction_start"] = f"{index // 4}-K{index % 4 + 1}"
        if projects.at[pid, "zoning_status"] == "3. In voorbereiding" and rng.random() < 0.2:
            projects.at[pid, "zoning_status"] = "2A. Vastgesteld"
        if rng.random() < 0.05 and not projects.at[pid, "bottlenecks_1"]:
            projects.at[pid, "bottlenecks_1"] = "netcongestie"
    for pid in projects.index[:2]:
        projects.at[pid, "withdrawn"] = True
    agreements = monitor.agreements.copy()
    for aid in agreements.index[::7]:
        agreements.at[aid, "status"] = {"groen": "geel", "geel": "rood", "rood": "geel"}[
            agreements.at[aid, "status"]
        ]
    # What a merge does at the change of year: the past year's planning carried on.
    merged, carries = roll_over(
        Monitor(projects, agreements), config.catalogue, config.round.next().year
    )
    with state.transaction():
        state.save_monitor(config.round.next(), merged)
        state.record_carries(config.round.next(), carries)


def add_two_rounds(config: Config, state: State) -> Config:
    """Snapshots after the first round and after the second; the configuration of the second
    round, whose report compares the stand after it with the stand after the first."""
    add_second_snapshot(config, state)
    second = config.at(config.round.next())
    add_second_snapshot(second, state)
    return second


def test_progress_report_traces_the_numbers(config: Config, state: State) -> None:
    second = add_two_rounds(config, state)
    report = compute(second, state, second.round)
    assert (report.measured_round, report.described_round, report.previous_round) == (
        second.round.next(),
        second.round,
        config.round,
    )
    html = render("voortgangsrapportage.html.j2", report=report)
    whole = report.whole.completions
    # the headline numbers as the reader sees them, traceable to the indicators
    assert f"{formatting.number(whole.planned_with_target)} woningen gepland" in html
    assert report.progress is not None and report.progress.completed > 0
    assert f"{formatting.number(report.progress.completed)} woningen opgeleverd" in html
    assert "Managementsamenvatting" in html and "Bijdrage per subregio" in html
    for sheet in report.pillars:
        assert escape(f"Pijler {sheet.pillar.number}: {sheet.pillar.name}") in html
    assert "slechter (was" in html  # agreement statuses moved
    rode_draden = html.split("<h1>Rode draden</h1>")[1].split("</table>")[0]
    assert "eerste meting" not in rode_draden and "netcongestie" in rode_draden
    for project in report.withdrawn:
        assert escape(project.name) in html.split("Ingetrokken projecten")[1]


def test_dashboard_is_self_contained_and_carries_all_projects(
    config: Config, state: State, tmp_path: Path
) -> None:
    second = add_two_rounds(config, state)
    report = compute(second, state, second.round)
    page = render_dashboard(report)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    raw = re.search(r'<script type="application/json" id="monitor-data">(.*?)</script>', page, re.S)
    assert raw is not None
    data = json.loads(raw.group(1))
    assert len(data["projects"]) == len(report.current.projects)
    withdrawn = [p["id"] for p in data["projects"] if p["w"]]
    assert len(withdrawn) == 2 and len(report.withdrawn) == 2
    assert (
        sum(p["to_build"] for p in data["projects"] if not p["w"])
        == report.whole.dwellings_to_build
    )


def test_script_json_cannot_close_the_script_element() -> None:
    name = "Hof </script><script>alert(1)</script> & <!-- \u2028"
    text = to_script_json({"name": name})
    assert "</" not in text and "<!--" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": name}


def test_first_round_shows_first_measurement(config: Config, state: State) -> None:
    report = compute(config, state, config.round)
    assert report.previous_round is None and report.progress is None
    html = render("voortgangsrapportage.html.j2", report=report)
    assert "Dit is de eerste meting" in html
    assert "eerste meting" in html.split("Rode draden")[1]
    sheet = render("factsheet.html.j2", report=report, sheet=report.pillars[0])
    assert report.baseline  # nothing merged yet: the starting position
    assert "Dit is de nulmeting" in sheet


def test_dutch_formatting() -> None:
    import datetime as dt

    assert formatting.number(1234) == "1.234"
    assert formatting.number(1234567.891, 2) == "1.234.567,89"
    assert formatting.number(-1234) == "−1.234"
    assert formatting.number(None) == "–"
    assert formatting.percent(0.125) == "12,5%"
    assert formatting.percent(1.3, 0) == "130%"
    assert formatting.percent(0.5) == "50%"
    assert formatting.signed(3) == "+3" and formatting.signed(-2) == "−2"
    assert formatting.signed(0) == "0"
    assert formatting.date(dt.date(2027, 1, 15)) == "15 januari 2027"
    assert formatting.round_name("2026-H2") == "2e halfjaar 2026"
    assert formatting.months(0.25) == "3,0 maanden"
    assert formatting.months(1 / 12) == "1,0 maand"


def test_charts_are_well_formed_svg_with_a_title() -> None:
    svgs = [
        charts.bars_against_target(
            [charts.Bar("2026", 900, 1000), charts.Bar("2027", 1200, 1000)], "Oplevering & doel"
        ),
        charts.capacity_against_norm(500, 800, 1000, 1.3, "Capaciteit"),
        charts.stoplight_counts({"groen": 3, "geel": 2, "rood": 1}, "Afspraken"),
        charts.stoplight_counts({"groen": 0}, "Leeg"),
        charts.share_against_target(0.5, 2 / 3, "betaalbaar", "Betaalbaar"),
        charts.forecast_lines([2026, 2027], [("plannen", charts.MAIN, "line", [1, 2])], "Lijnen"),
    ]
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert "Oplevering &amp; doel" in svgs[0]
    assert "900" in svgs[0] and "1.200" in svgs[0]
    assert "3 groen" in svgs[2]


# -- slow: rendering the output -----------------------------------------------------------------


Built = tuple[Config, ReportSummary, Path, list[tuple[int, int, str]]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _demo_database: Path) -> Iterator[Built]:
    """The reports of the demo region with a second snapshot, built once for the slow tests."""
    base = tmp_path_factory.mktemp("reports")
    cfg = make_config(base)
    cfg.paths.database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_demo_database, cfg.paths.database)
    steps: list[tuple[int, int, str]] = []
    with State(cfg.paths.database) as state:
        second = add_two_rounds(cfg, state)
        summary = build_reports(
            second,
            state,
            second.round,
            base / "out",
            progress=lambda i, n, label: steps.append((i, n, label)),
        )
    yield second, summary, base, steps


@pytest.mark.slow
def test_build_reports_writes_every_file(built: Built) -> None:
    cfg, summary, base, steps = built
    assert len(summary.factsheets) == 6  # one per pillar of the demo region
    assert (summary.measured_round, summary.previous_round) == (
        cfg.round.next(),
        cfg.round.previous(),
    )
    for path in summary.paths:
        assert path.is_file() and path.stat().st_size > 1000, path
        assert path.parent == base / "out"
    for path in (*summary.factsheets, summary.progress_pdf):
        assert path.read_bytes()[:5] == b"%PDF-"
    assert summary.progress_pdf.name == f"voortgangsrapportage-{cfg.round}.pdf"
    assert summary.dashboard.name == f"dashboard-{cfg.round}.html"
    assert [i for i, _, _ in steps] == list(
        range(5)
    )  # figures, progress report, factsheets, dashboard, done
    assert steps[-1][0] == steps[-1][1]


@pytest.mark.slow
def test_reports_written_by_the_worker_pool_are_the_same_bytes(
    built: Built, tmp_path: Path
) -> None:
    """The PDFs laid out in worker processes (as ``planmonitor report`` does) are the files
    written in one process, byte for byte."""
    from pipeline.stages.pool import in_order

    cfg, summary, _, _ = built
    with State(cfg.paths.database) as state:
        pooled = build_reports(
            cfg,
            state,
            summary.round,
            tmp_path,
            pdf_map=lambda job, items: in_order(job, items, workers=2),
        )
    assert [p.name for p in pooled.paths] == [p.name for p in summary.paths]
    for ours, theirs in zip(pooled.paths, summary.paths, strict=True):
        assert ours.read_bytes() == theirs.read_bytes(), ours.name


def _pages(pdf: Path, out: Path) -> list[float]:
    """The share of non-white pixels on each page, rendered at 40 dpi in grey."""
    prefix = out / pdf.stem
    subprocess.run(
        ["pdftoppm", "-r", "40", "-gray", str(pdf), str(prefix)], check=True, timeout=120
    )
    inked = []
    for page in sorted(out.glob(f"{pdf.stem}-*.pgm")):
        data = page.read_bytes()
        header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
        assert header is not None
        pixels = data[header.end() :]
        inked.append(sum(1 for value in pixels if value < 200) / len(pixels))
    return inked


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) ontbreekt")
def test_pdfs_have_the_expected_pages(built: Built, tmp_path: Path) -> None:
    _, summary, _, _ = built
    for factsheet in summary.factsheets:
        pages = _pages(factsheet, tmp_path)
        assert len(pages) >= 1 and all(ink > 0.005 for ink in pages), factsheet.name
    pages = _pages(summary.progress_pdf, tmp_path)
    # summary + region dashboard + subregions + realism + rode draden + one per pillar at least
    assert len(pages) >= 2 + len(summary.factsheets)
    assert all(ink > 0.005 for ink in pages)


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(CHROMIUM),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium (/usr/bin/chromium) ontbreekt")
def test_dashboard_filters_in_headless_chromium(built: Built, tmp_path: Path) -> None:
    _, summary, base, _ = built
    page = summary.dashboard.read_text(encoding="utf-8")
    raw = re.search(r'id="monitor-data">(.*?)</script>', page, re.S)
    assert raw is not None
    projects: list[dict[str, Any]] = json.loads(raw.group(1))["projects"]
    expected = [
        p
        for p in projects
        if p["s"] == FILTER["s"] and p["light"] == FILTER["light"] and not p["w"]
    ]
    detail = expected[0]["id"]
    url = (
        summary.dashboard.as_uri()
        + "#test-filter=s="
        + FILTER["s"].replace(" ", "%20")
        + "&light="
        + FILTER["light"]
        + "&detail="
        + detail
    )

    result = _chromium(["--dump-dom", url], tmp_path / "profile-dom")
    dom = result.stdout
    assert 'data-ready="1"' in dom, result.stderr[-2000:]
    html_tag = re.search(r"<html[^>]*>", dom)
    assert html_tag is not None and "data-errors" not in html_tag.group(0), html_tag
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    output = re.search(r'<output id="test-result"[^>]*>', dom)
    assert output is not None
    assert f'data-rows="{len(expected)}"' in output.group(0)
    assert f'data-dwellings="{sum(p["to_build"] for p in expected)}"' in output.group(0)
    table = re.search(r'<table id="projects">.*?</table>', dom, re.S)
    assert table is not None
    rows = re.findall(r'<tr[^>]*data-id="([^"]+)"', table.group(0))
    assert sorted(rows) == sorted(p["id"] for p in expected)  # the table follows the filter
    assert re.search(r'<section id="detail"[^>]*aria-labelledby', dom)
    assert f"{detail}</span></h2>" in dom  # the detail view of one location is open

    screenshot = base / "dashboard-filter.png"
    shot = _chromium(
        ["--window-size=1280,2000", f"--screenshot={screenshot}", url], tmp_path / "profile-shot"
    )
    assert screenshot.is_file() and screenshot.stat().st_size > 20_000, shot.stderr[-2000:]


# -- the dashboard as a person uses it: map, agreements, phone ------------------------------

WIDTHS = (390, 1440)


def _dashboard_data(summary: ReportSummary) -> dict[str, Any]:
    page = summary.dashboard.read_text(encoding="utf-8")
    raw = re.search(r'id="monitor-data">(.*?)</script>', page, re.S)
    assert raw is not None
    data: dict[str, Any] = json.loads(raw.group(1))
    return data


def _page_errors(browser: Browser) -> list[Any]:
    return [
        e
        for e in browser.events
        if e.get("method") == "Runtime.exceptionThrown"
        or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
    ]


@pytest.mark.slow
def test_map_shows_every_located_project_and_follows_filters_and_clicks(
    built: Built, browser: Browser
) -> None:
    cfg, summary, _, _ = built
    data = _dashboard_data(summary)
    with State(cfg.paths.database) as state:
        projects = state.monitor(summary.measured_round).projects
    # the oracle: projects whose RD coordinates are numbers inside the Netherlands
    x = pd.to_numeric(projects["x_rd"], errors="coerce")
    y = pd.to_numeric(projects["y_rd"], errors="coerce")
    located = set(projects.index[x.between(-7_000, 300_000) & y.between(289_000, 629_000)])
    live = {p["id"] for p in data["projects"] if not p["w"]}
    assert {p["id"] for p in data["map"]["points"]} == located and located

    browser.open(summary.dashboard.as_uri(), 1440)
    assert browser.evaluate("document.querySelectorAll('#map [data-id]').length") == len(located)
    shown = browser.evaluate(
        "[...document.querySelectorAll('#map .planmap-point:not(.off)')].map(e => e.dataset.id)"
    )
    assert set(shown) == located & live  # withdrawn projects are off the map

    # a filter hides the points outside the selection
    subregion = FILTER["s"]
    browser.evaluate(
        f"var s = document.getElementById('f-s'); s.value = {json.dumps(subregion)};"
        " s.dispatchEvent(new Event('change'))"
    )
    expected = {p["id"] for p in data["projects"] if p["s"] == subregion and not p["w"]} & located
    shown = browser.evaluate(
        "[...document.querySelectorAll('#map .planmap-point:not(.off)')].map(e => e.dataset.id)"
    )
    assert set(shown) == expected and len(expected) < len(located & live)

    # clicking a point (one not covered by another) opens its location card
    target = browser.evaluate(
        """(function () {
          var points = document.querySelectorAll('#map .planmap-point:not(.off)');
          for (var i = 0; i < points.length; i++) {
            points[i].scrollIntoView({block: 'center'});
            var r = points[i].getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
            if (document.elementFromPoint(x, y) === points[i]) return [points[i].dataset.id, x, y];
          }
          return null; })()"""
    )
    assert target is not None
    assert browser.evaluate("document.getElementById('detail').hidden") is True
    browser.click(target[1], target[2])
    assert browser.evaluate("document.getElementById('detail').hidden") is False
    title = browser.evaluate("document.getElementById('detail-title').textContent")
    assert title.endswith(target[0])
    assert browser.evaluate("document.getElementById('map').dataset.selected") == target[0]

    # and a name in the table selects the point on the map
    browser.click_element("#projects [data-detail]")
    first = browser.evaluate("document.querySelector('#projects [data-detail]').dataset.detail")
    assert browser.evaluate("document.getElementById('map').dataset.selected") == first

    # colour by stoplight: a red project's point is red
    browser.click_element('#map input[value="light"]')
    red = next(p["id"] for p in data["map"]["points"] if p["light"] == "rood")
    colour = browser.evaluate(
        f"document.querySelector('#map [data-id=\"{red}\"]').getAttribute('fill')"
    )
    assert colour == planmap.STOPLIGHT_COLOURS["rood"]
    # zooming in makes the map show less of the region, the points stay the same size on screen
    before = browser.evaluate("document.querySelector('#map svg').getAttribute('viewBox')")
    browser.click_element('#map [data-zoom="in"]')
    after = browser.evaluate("document.querySelector('#map svg').getAttribute('viewBox')")
    assert float(after.split()[2]) < float(before.split()[2])
    assert _page_errors(browser) == []


@pytest.mark.slow
def test_agreements_block_orders_red_agreements_like_the_report(
    built: Built, browser: Browser
) -> None:
    cfg, summary, _, _ = built
    with State(cfg.paths.database) as state:
        report = compute(cfg, state, cfg.round)
    browser.open(summary.dashboard.as_uri(), 1440)
    ids = browser.evaluate(
        "[...document.querySelectorAll('#red-agreements tbody tr')].map(r => r.dataset.agreement)"
    )
    assert ids == [r.id for r in report.red_agreements] and ids
    pillars = browser.evaluate("document.querySelectorAll('#agreements .pillar').length")
    assert pillars == len(report.pillars)
    html = render("voortgangsrapportage.html.j2", report=report)
    summary_part = html.split("Extra aandacht van het bestuurlijk overleg")[1].split("</table>")[0]
    positions = [summary_part.index(f"<td>{r.id}</td>") for r in report.red_agreements]
    assert positions == sorted(positions)  # the same order in the report's summary


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
def test_no_horizontal_overflow_and_cards_on_a_phone(
    built: Built, browser: Browser, width: int
) -> None:
    _, summary, _, _ = built
    for page in (summary.dashboard, summary.progress_html):
        browser.open(page.as_uri(), width, 844 if width < 600 else 900)
        sizes = browser.evaluate(
            "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
        )
        # innerWidth stays the device width: a mobile viewport would widen to fit overflow
        assert sizes[2] == width, (page.name, sizes)
        assert max(sizes[:2]) <= sizes[2], (page.name, sizes)
    browser.open(summary.dashboard.as_uri(), width)
    display = browser.evaluate(
        "getComputedStyle(document.querySelector('#projects tbody td')).display"
    )
    header = browser.evaluate(
        "document.querySelector('#projects thead').getBoundingClientRect().height"
    )
    if width < 600:
        assert display != "table-cell" and header <= 1  # one card per project
    else:
        assert display == "table-cell" and header > 10
    assert _page_errors(browser) == []
