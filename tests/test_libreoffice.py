"""Every issued workbook in LibreOffice: it opens cleanly, and protection works as a party meets it.

One headless soffice process, driven through UNO by ``tests/lo_probe.py`` under the system
Python (python3-uno is not installable in the venv). Edits are typed through the frame's
dispatcher (``.uno:EnterString`` on the selected cell), the path keyboard entry takes, so a
refused edit is a real refusal by sheet protection and not an API setter that bypasses it.

What LibreOffice cannot show here, and where it is covered instead:
- workbook structure protection: LibreOffice does not import ``workbookProtection`` from .xlsx;
  ``test_workbook`` checks it is written (Excel enforces it);
- data validation on entry: the dispatcher skips the validity check, so the test asserts the
  validations LibreOffice imported (type, stop alert, list source) on the owned cells;
- very hidden: LibreOffice has no such state and reports the metadata sheet as hidden.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl.utils import get_column_letter

from pipeline.core.catalogue import ENTITIES, Column, Entity
from pipeline.core.config import Config
from pipeline.core.layout import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    SHEET_AGREEMENTS,
    SHEET_INSTRUCTIONS,
    SHEET_LISTS,
    SHEET_META,
    SHEET_MONITOR,
    SHEET_NEW,
    SHEET_OWN,
    plan,
)
from pipeline.core.monitor import ID_COLUMN, Monitor
from pipeline.core.ownership import owned_columns
from pipeline.core.region import Party, Region
from pipeline.stages.issue import issue_round
from pipeline.state.database import State
from pipeline.storage.local import LocalStorage
from pipeline.validation import SHEET_CHECK

pytestmark = pytest.mark.slow

SYSTEM_PYTHON = Path("/usr/bin/python3")
PROBE = Path(__file__).with_name("lo_probe.py")
TIMEOUT_SECONDS = 300
TYPED = "Proef"
Records = dict[Entity, dict[str, dict[str, Any]]]


def _office_missing() -> str | None:
    if shutil.which("soffice") is None:
        return "LibreOffice (soffice) is not installed"
    if not SYSTEM_PYTHON.exists():
        return f"{SYSTEM_PYTHON} is missing"
    found = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import uno"], capture_output=True, check=False
    )
    if found.returncode != 0:
        return "python3-uno is not installed for the system Python"
    return None


def cell(columns: list[Column], key: str, row: int) -> str:
    return f"{get_column_letter([c.key for c in columns].index(key) + 1)}{row}"


def probes_for(
    config: Config,
    region: Region,
    monitor: Monitor,
    records: Records,
    party: Party,
) -> list[dict[str, Any]]:
    """Cells to type into: some the party owns (accepted), some it does not (refused)."""
    layout = plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        party,
        issued_at="",
        new_rows=config.new_project_rows,
        base_hash="",
    )
    probes: list[dict[str, Any]] = [
        {"sheet": SHEET_INSTRUCTIONS, "cell": "B1", "text": TYPED, "expect": "refuse"},
        {"sheet": SHEET_MONITOR, "cell": f"B{FIRST_DATA_ROW}", "text": TYPED, "expect": "refuse"},
        {"sheet": SHEET_NEW, "cell": f"A{FIRST_DATA_ROW}", "text": TYPED, "expect": "accept"},
    ]
    for sheet_name in (SHEET_OWN, SHEET_AGREEMENTS):
        sheet = layout.sheet(sheet_name)
        all_columns = config.catalogue.columns(sheet.entity, config.round)
        columns = [c for c in all_columns if c.key in sheet.columns]
        for offset, row_id in enumerate(sheet.row_ids):
            row = FIRST_DATA_ROW + offset
            owned = owned_columns(
                party, all_columns, records[sheet.entity][row_id], region, config.catalogue.roles
            )
            text_owned = [c.key for c in columns if c.key in owned and c.field.type == "text"]
            choice_owned = [c.key for c in columns if c.key in owned and c.field.type == "choice"]
            if not text_owned:
                continue
            probes += [
                {
                    "sheet": sheet_name,
                    "cell": cell(columns, text_owned[0], row),
                    "text": TYPED,
                    "expect": "accept",
                },
                {
                    "sheet": sheet_name,
                    "cell": cell(columns, columns[0].key, row),
                    "text": TYPED,
                    "expect": "refuse",
                },
            ]
            if choice_owned:
                probes.append(
                    {
                        "sheet": sheet_name,
                        "cell": cell(columns, choice_owned[0], row),
                        "expect": "list",
                    }
                )
            break
        else:
            if sheet.row_ids:  # nothing of its own here: the first row is read-only
                probes.append(
                    {
                        "sheet": sheet_name,
                        "cell": f"A{FIRST_DATA_ROW}",
                        "text": TYPED,
                        "expect": "refuse",
                    }
                )
    return probes


def test_issued_workbooks_open_and_protect_in_libreoffice(
    config: Config,
    state: State,
    tmp_path: Path,
) -> None:
    missing = _office_missing()
    if missing:
        pytest.skip(missing)
    storage = LocalStorage(config.paths.storage)
    summary = issue_round(config, state, storage)
    region, monitor = state.region(), state.monitor(config.round)
    assert summary.parties == len(region.parties)
    records = {
        entity: {str(r[ID_COLUMN[entity]]): r for r in monitor.records(entity)}
        for entity in ENTITIES
    }
    spec = {
        "profile": str(tmp_path / "lo-profile"),
        "workbooks": [
            {
                "path": str(storage.party_dir(region.party(w.party_id)) / w.file_name),
                "probes": probes_for(config, region, monitor, records, region.party(w.party_id)),
            }
            for w in summary.workbooks
        ],
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    run = subprocess.run(
        [str(SYSTEM_PYTHON), str(PROBE), str(spec_path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(run.stdout)["workbooks"]
    assert len(results) == len(summary.workbooks)
    accepted = refused = lists = 0
    for result in results:
        name = Path(result["path"]).name
        assert result["opened"], (name, result.get("error"))
        assert result["interactions"] == [], name  # no repair prompt, no load warning
        sheets = {s["name"]: s for s in result["sheets"]}
        assert list(sheets) == [
            SHEET_INSTRUCTIONS,
            SHEET_CHECK,
            SHEET_OWN,
            SHEET_NEW,
            SHEET_AGREEMENTS,
            SHEET_MONITOR,
            SHEET_LISTS,
            SHEET_META,
        ]
        # Every sheet is protected but the one the in-Excel check writes its findings to.
        assert [n for n, s in sheets.items() if not s["protected"]] == [SHEET_CHECK], name
        assert sheets[SHEET_LISTS]["state"] == sheets[SHEET_META]["state"] == "hidden"
        for probe in result["probes"]:
            where = (name, probe["sheet"], probe["cell"])
            if probe["expect"] == "accept":
                assert (probe["after"], probe["locked"]) == (TYPED, False), where
                accepted += 1
            elif probe["expect"] == "refuse":
                assert (probe["changed"], probe["locked"]) == (False, True), where
                refused += 1
            else:
                validation = probe["validation"]
                assert (validation["type"], validation["alert"], validation["show_error"]) == (
                    "LIST",
                    "STOP",
                    True,
                ), where
                assert SHEET_LISTS in validation["formula1"], where
                lists += 1
    assert accepted > len(results) and refused > 2 * len(results) and lists > 0


CARLITO_BOLD = Path("/usr/share/fonts/truetype/crosextra/Carlito-Bold.ttf")


def test_headers_wrap_between_words_in_libreoffice(
    config: Config, state: State, tmp_path: Path
) -> None:
    """As LibreOffice lays out the header rows: each header names Calibri (which LibreOffice
    shows as Carlito, the same widths, not a serif font), wraps, and every word of it fits the
    column LibreOffice made."""
    missing = _office_missing()
    if missing:
        pytest.skip(missing)
    if not CARLITO_BOLD.exists():
        pytest.skip("fonts-crosextra-carlito ontbreekt")
    from PIL import ImageFont

    matched = subprocess.run(
        ["fc-match", "-f", "%{family}", "Calibri"], capture_output=True, text=True, check=False
    )
    assert "Carlito" in matched.stdout  # what LibreOffice draws for Calibri
    storage = LocalStorage(config.paths.storage)
    region = state.region()
    parties = [
        next(p.id for p in region.parties if p.kind == "gemeente" and p.pillars),
        next(p.id for p in region.parties if p.kind == "ontwikkelaar"),
    ]
    summary = issue_round(config, state, storage, party_ids=parties)
    sheets = (SHEET_OWN, SHEET_NEW, SHEET_AGREEMENTS, SHEET_MONITOR)
    spec = {
        "profile": str(tmp_path / "lo-profile"),
        "workbooks": [
            {
                "path": str(storage.party_dir(region.party(w.party_id)) / w.file_name),
                "probes": [],
                "headers": [{"sheet": s, "row": HEADER_ROW} for s in sheets],
            }
            for w in summary.workbooks
        ],
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    run = subprocess.run(
        [str(SYSTEM_PYTHON), str(PROBE), str(spec_path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    checked = 0
    for result in json.loads(run.stdout)["workbooks"]:
        assert result["opened"], result.get("error")
        for sheet in result["headers"]:
            assert sheet["cells"], sheet["sheet"]
            for header in sheet["cells"]:
                assert header["font"] == "Calibri", header
                assert header["wrap"] and header["weight"] >= 150, header  # bold
                font = ImageFont.truetype(str(CARLITO_BOLD), header["size"] * 96 / 72)
                room = header["width"] / 2540 * 96 - 4  # pixels, less the cell's margins
                for word in header["text"].split():
                    assert font.getlength(word) <= room, (sheet["sheet"], header["text"], word)
                checked += 1
    assert checked > 100
