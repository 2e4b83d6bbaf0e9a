"""No configuration word in what the board or a party reads.

Every rendered text of the reports (progress report, each factsheet, the dashboard page), the
party workbook (cells, input messages, alerts, sheet names) and the monitor workbook is scanned
for configuration keys, file names, field keys, finding codes and English words. Where a figure
depends on a setting, the documents say it in Dutch ("doel volgens de woondeal").
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from test_reports import add_two_rounds

from pipeline.core import messages
from pipeline.core.config import Config
from pipeline.core.layout import SHEET_LISTS, SHEET_META
from pipeline.reporting.monitor_workbook import write_monitor_workbook
from pipeline.reporting.render import compute, render, render_dashboard
from pipeline.stages.issue import issue_round
from pipeline.state.database import State
from pipeline.storage.local import LocalStorage

# English words that would only be there if code or configuration leaked into the text.
ENGLISH = (
    "None",
    "True",
    "False",
    "nan",
    "NaN",
    "null",
    "undefined",
    "planned",
    "completed",
    "target",
    "targets",
    "share",
    "capacity",
    "affordable",
    "withdrawn",
    "stoplight",
    "municipality",
    "subregion",
    "initiator",
    "round",
    "realism",
    "completions",
    "reports",
)
FILES = (".toml", ".py", ".sqlite", "config", "catalogue", "texts.toml")


def forbidden(config: Config) -> list[re.Pattern[str]]:
    keys = {
        f.key for entity in ("project", "agreement") for f in config.catalogue.fields(entity)
    } | {c.key for c in config.catalogue.columns("project", config.round)}
    snake = sorted(k for k in keys if "_" in k)
    codes = sorted(messages.TEMPLATES)
    words = [
        r"\[[a-z_.]+\]",  # a config section: [targets.completions]
        *(re.escape(f) for f in FILES),
        *(rf"\b{re.escape(k)}\b" for k in snake),
        *(rf"\b{re.escape(c)}\b" for c in codes if "-" in c),
        *(rf"\b{w}\b" for w in ENGLISH),
    ]
    return [re.compile(w) for w in words]


def visible_html(html: str) -> str:
    """The text a reader sees: no script, style or tags (chart titles and labels stay)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def workbook_texts(data: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) of every text a workbook shows: cells, input messages, alerts, names."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            # The metadata (veryHidden) and the dropdown lists (hidden): the structure is locked,
            # so no one can show them.
            assert ws.title == SHEET_META or ws.title == SHEET_LISTS, ws.title
            assert book.security is None or book.security.lockStructure
            continue
        yield f"{ws.title} (naam)", ws.title
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    yield f"{ws.title}!{cell.coordinate}", cell.value
        for dv in ws.data_validations.dataValidation:
            for text in (dv.promptTitle, dv.prompt, dv.errorTitle, dv.error):
                if text:
                    yield f"{ws.title} invoerbericht {dv.sqref}", text


def leaks(config: Config, texts: Iterator[tuple[str, str]]) -> list[str]:
    patterns = forbidden(config)
    found = []
    for where, text in texts:
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                found.append(
                    f"{where}: '{match.group(0)}' in …{text[max(0, match.start() - 40) : match.end() + 40]}…"
                )
    return found


@pytest.fixture
def two_rounds(config: Config, state: State) -> tuple[Config, State]:
    return add_two_rounds(config, state), state


def test_reports_and_dashboard_say_everything_in_dutch(two_rounds: tuple[Config, State]) -> None:
    config, state = two_rounds
    report = compute(config, state, config.round)
    pages = {
        "voortgangsrapportage": render("voortgangsrapportage.html.j2", report=report),
        "dashboard": render_dashboard(report),
        **{
            f"factsheet pijler {s.pillar.number}": render(
                "factsheet.html.j2", report=report, sheet=s
            )
            for s in report.pillars
        },
    }
    texts = ((name, visible_html(html)) for name, html in pages.items())
    assert leaks(config, texts) == []
    assert "doel volgens de woondeal" in visible_html(pages["voortgangsrapportage"]) or (
        "bouwdoelen van de woondeal" in visible_html(pages["voortgangsrapportage"])
    )


def test_first_round_and_baseline_reports_say_everything_in_dutch(
    config: Config, state: State
) -> None:
    report = compute(config, state, config.round)  # the starting position
    html = render("voortgangsrapportage.html.j2", report=report)
    assert leaks(config, iter([("nulmeting", visible_html(html))])) == []


def test_workbooks_say_everything_in_dutch(two_rounds: tuple[Config, State]) -> None:
    config, state = two_rounds
    storage = LocalStorage(config.paths.storage)
    party = "P001"  # a municipality that is a tempomaker: own projects, agreements, monitor
    issue_round(config, state, storage, party_ids=[party])
    record = state.issued(config.round, party)[0]
    data = storage.get_party_file(state.region().party(party), record.file_name)
    assert leaks(config, workbook_texts(data)) == []
    monitor = write_monitor_workbook(
        config.at(config.round.previous()),
        state.region(),
        state.monitor(config.round),
        state.changes(config.round.previous()),
    )
    assert leaks(config, workbook_texts(monitor)) == []


def test_the_scan_finds_a_leak() -> None:
    """The scan itself must be able to fail."""
    from conftest import REPO

    from pipeline.core import config as config_module

    config = config_module.load(REPO / "config.toml")
    bad = iter([("x", "Doel: [targets.completions]"), ("y", "planning_2027 is None")])
    found = {re.search(r"'(.*?)'", leak)[1] for leak in leaks(config, bad)}  # type: ignore[index]
    assert found == {"[targets.completions]", "targets", "completions", "planning_2027", "None"}
