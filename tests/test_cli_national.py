"""`planmonitor export` and `planmonitor landelijk` on the command line: what they print, exit
codes, and a Dutch message instead of a traceback for an export that cannot be used."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import REPO

from pipeline.cli import main
from pipeline.stages.export import PROJECTS_FILE


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


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_export_prints_the_folder_and_what_was_left_out(config_file: Path, tmp_path: Path) -> None:
    result = run("--config", str(config_file), "export", "--map", str(tmp_path / "uit"))
    assert result.exit_code == 0, result.output
    assert "beginstand" in result.output  # nothing merged yet: the starting position
    assert "Privévelden weggelaten: Initiatiefnemer, Toelichting gemeente" in result.output
    folder = Path(result.output.strip().splitlines()[-1].removeprefix("Map: "))
    assert (folder / "manifest.json").is_file() and folder.parent == tmp_path / "uit"


def test_export_of_an_unknown_round_is_a_dutch_message(config_file: Path) -> None:
    result = CliRunner().invoke(
        main, ["--config", str(config_file), "export", "--ronde", "2019-H1"]
    )
    assert result.exit_code == 2
    assert "Fout:" in result.output and "Er is geen monitor voor ronde 2019-H1" in result.output


def test_landelijk_refuses_a_damaged_export_and_goes_on(config_file: Path, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    for name in ("a", "b"):
        assert (
            run("--config", str(config_file), "export", "--map", str(exports / name)).exit_code == 0
        )
    damaged = next((exports / "b").iterdir())
    # the second one names itself as another region, and loses a byte on the way
    manifest = (damaged / "manifest.json").read_text(encoding="utf-8")
    (damaged / "manifest.json").write_text(
        manifest.replace("Regio Rijk van Gelre (demo)", "Regio B"), encoding="utf-8"
    )
    data = (damaged / PROJECTS_FILE).read_bytes()
    (damaged / PROJECTS_FILE).write_bytes(data[:-40])
    result = CliRunner().invoke(
        main,
        ["landelijk", str(exports / "a"), str(exports / "b"), "--uitvoer", str(tmp_path / "l")],
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output + result.stderr
    assert "Niet meegenomen:" in result.stderr and "controlegetal" in result.stderr
    assert "Landelijk overzicht van 1 regio's" in result.output
    assert any(p.suffix == ".pdf" for p in (tmp_path / "l").iterdir())


def test_landelijk_without_a_usable_export_exits_2(tmp_path: Path) -> None:
    (tmp_path / "leeg").mkdir()
    out = tmp_path / "uit"
    result = CliRunner().invoke(main, ["landelijk", str(tmp_path / "leeg"), "--uitvoer", str(out)])
    assert result.exit_code == 2
    assert "Geen enkele bruikbare export" in result.output
    assert "geen manifest.json" in result.output
    assert not out.exists()  # nothing written
