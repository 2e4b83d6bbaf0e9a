"""The command line: exit codes, JSON output and Dutch messages, through click's runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import REPO

from pipeline.cli import main
from pipeline.core.layout import SHEET_OWN
from pipeline.demo.simulation import EditedWorkbook, old_xls


@pytest.fixture
def config_file(tmp_path: Path, _demo_database: Path) -> Path:
    """A config.toml in a temporary folder, with the demo state already set up."""
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    catalogue = REPO / "pipeline" / "workbook_templates" / "catalogue.toml"
    path = tmp_path / "config.toml"
    path.write_text(f'catalogue = "{catalogue}"\n' + text, encoding="utf-8")
    state = tmp_path / "var" / "state"
    state.mkdir(parents=True)
    shutil.copy(_demo_database, state / "planmonitor.sqlite")
    return path


def run(config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config_file), *args], catch_exceptions=False)


def issued_file(config_file: Path, party: str) -> Path:
    result = run(config_file, "issue", "--partij", party)
    assert result.exit_code == 0, result.output
    folder = next((config_file.parent / "var" / "sharepoint" / "Partijen").glob(f"{party} *"))
    return next(folder.glob("*.xlsx"))


def test_issue_then_validate_unchanged_workbook_exits_0(config_file: Path) -> None:
    path = issued_file(config_file, "P039")
    result = run(config_file, "validate", str(path))
    assert result.exit_code == 0, result.output
    assert "geen fouten" in result.output


def test_unprotected_change_to_another_partys_cell_exits_1_with_cell(config_file: Path) -> None:
    from pipeline.core import config as config_module

    path = issued_file(config_file, "P039")
    config = config_module.load(config_file)
    book = EditedWorkbook(path.read_bytes(), config.catalogue, config.round)
    book.unprotect(SHEET_OWN)
    column = book.column(SHEET_OWN, "zoning_status")
    current = book.get(SHEET_OWN, 3, "zoning_status")
    book.set(
        SHEET_OWN,
        3,
        "zoning_status",
        "4B. Optie" if current != "4B. Optie" else "1A. Onherroepelijk",
    )
    path.write_bytes(book.save())
    result = run(config_file, "validate", str(path), "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)["files"][0]
    found = {(f["code"], f["sheet"], f["cell"]) for f in report["findings"]}
    from pipeline.core.layout import column_letter

    assert ("not-owner", SHEET_OWN, f"{column_letter(column)}3") in found
    assert ("protection-removed", SHEET_OWN, None) in found
    first = next(f for f in report["findings"] if f["code"] == "not-owner")
    assert set(first) >= {"code", "severity", "sheet", "cell", "field", "value", "message"}
    assert first["severity"] == "error" and first["field"] == "Planologische status"
    feedback = config_file.parent / "var" / "uitvoer" / "terugkoppeling" / "losse bestanden"
    assert list(feedback.glob("Terugkoppeling*.xlsx"))


def test_old_xls_and_missing_file_each_get_a_verdict(config_file: Path, tmp_path: Path) -> None:
    xls = tmp_path / "ingevuld.xls"
    xls.write_bytes(old_xls())
    result = run(config_file, "validate", str(xls), str(tmp_path / "weg.xlsx"), "--json")
    assert result.exit_code == 1
    codes = [[f["code"] for f in r["findings"]] for r in json.loads(result.output)["files"]]
    assert codes == [["old-xls-format"], ["file-not-found"]]


def test_usage_error_exits_2(config_file: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(config_file), "validate", "--onbekend"])
    assert result.exit_code == 2


def test_missing_config_is_a_dutch_message_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "geen.toml"), "status"])
    assert result.exit_code == 2
    assert "niet gevonden" in result.output


def test_status_json_lists_every_party(config_file: Path) -> None:
    issued_file(config_file, "P039")
    result = run(config_file, "status", "--json")
    assert result.exit_code == 0
    status = json.loads(result.output)
    assert len(status["parties"]) == 58
    issued = [p for p in status["parties"] if p["issued_at"]]
    assert [p["party"] for p in issued] == ["P039"]
    assert issued[0]["state"] == "niet ontvangen"
    assert status["totals"]["uitgegeven"] == 1


def test_every_command_has_help_with_an_example() -> None:
    import click

    def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
        found = []
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                found += commands(command, f"{prefix}{name} ")
            else:
                found.append((f"{prefix}{name}", command))
        return found

    for name, command in commands(main):
        assert "Voorbeeld: planmonitor" in (command.help or ""), name


def test_every_corpus_file_gets_one_clear_verdict_and_nothing_crashes(config_file: Path) -> None:
    from conftest import CORPUS

    if not CORPUS.is_dir():
        pytest.skip(f"the robustness corpus is not at {CORPUS}")
    files = sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and not p.name.endswith(".md") and p.name != "manifest.tsv"
    )
    result = run(config_file, "validate", "--json", *map(str, files))
    assert result.exit_code == 1
    reports = json.loads(result.output)["files"]
    assert [r["file"] for r in reports] == [str(p) for p in files]
    for report in reports:
        assert report["verdict"] == "niet verwerkt", report["file"]
        blocking = [f for f in report["findings"] if f["severity"] == "error"]
        assert len(blocking) == 1, report
        assert blocking[0]["message"] and "Traceback" not in blocking[0]["message"]


def test_reissue_over_a_party_change_is_skipped_exit_1_and_forceer_replaces_it(
    config_file: Path,
) -> None:
    path = issued_file(config_file, "P039")
    path.write_bytes(path.read_bytes() + b"door de partij gewijzigd")
    result = run(config_file, "issue", "--partij", "P039")
    assert result.exit_code == 1, result.output
    assert "1 partij(en) overgeslagen" in result.output and "(gewijzigd)" in result.output
    assert "planmonitor issue --partij P039" in result.output
    assert path.read_bytes().endswith(b"door de partij gewijzigd")
    forced = run(config_file, "issue", "--partij", "P039", "--forceer")
    assert forced.exit_code == 0, forced.output
    assert not path.read_bytes().endswith(b"door de partij gewijzigd")
