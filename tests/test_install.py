"""planmonitor installs like a Python tool and a region lives outside the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from pipeline.cli import main
from pipeline.core import config as config_module

PACKAGES = [p.name for p in (REPO / "pipeline").iterdir() if (p / "__init__.py").is_file()]


def test_a_copy_of_config_toml_outside_the_repository_loads(tmp_path: Path) -> None:
    shutil.copy(REPO / "config.toml", tmp_path / "config.toml")
    config = config_module.load(tmp_path / "config.toml")
    assert config.root == tmp_path.resolve()
    assert config.catalogue.field("project", "zoning_status").choices == "zoning_status"


def test_nieuw_writes_a_region_that_init_and_issue_accept(tmp_path: Path) -> None:
    folder = tmp_path / "mijn-regio"
    runner = CliRunner()
    made = runner.invoke(main, ["nieuw", str(folder)])
    assert made.exit_code == 0, made.output
    assert "planmonitor init" in made.output
    text = (folder / "config.toml").read_text(encoding="utf-8")
    assert text.startswith("# ") and "[price_bounds.2026]" in text and "[import.columns" in text
    assert sorted(p.name for p in (folder / "regio").iterdir()) == [
        "afspraken.csv",
        "gemeenten.csv",
        "partijen.csv",
        "pijlers.csv",
        "projecten.csv",
    ]
    config = str(folder / "config.toml")
    started = runner.invoke(main, ["--config", config, "init"])
    assert started.exit_code == 0, started.output
    assert "4 partijen, 3 projecten, 2 afspraken" in started.output
    issued = runner.invoke(main, ["--config", config, "issue"])
    assert issued.exit_code == 0, issued.output
    assert len(list((folder / "var" / "sharepoint").rglob("*.xlsx"))) == 4
    again = runner.invoke(main, ["nieuw", str(folder)])
    assert again.exit_code == 2 and "niet leeg" in again.output


@pytest.mark.slow
def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    """Build the wheel, install it in a new virtual environment, run nieuw, init and issue.

    The new environment borrows the third-party packages of this one (a path in a .pth file),
    never planmonitor itself: the only planmonitor it can import is the installed wheel.
    """
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    source = tmp_path / "src"  # a copy, so the build leaves nothing behind in the checkout
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "var", "*.egg-info", "build", "__pycache__"),
    )
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(dist), "-q"],
        check=True,
        cwd=tmp_path,
        env=clean,
        capture_output=True,
    )
    (wheel,) = dist.glob("planmonitor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for package in PACKAGES:
        assert f"pipeline/{package}/__init__.py" in names, package
    for data in (
        "pipeline/workbook_templates/catalogue.toml",
        "pipeline/workbook_templates/texts.toml",
        "pipeline/reporting/templates/voortgangsrapportage.html.j2",
        "pipeline/reporting/templates/dashboard.css",
        "pipeline/sources/starter/config.toml",
        "pipeline/sources/starter/regio/projecten.csv",
    ):
        assert data in names, data

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        env=clean,
        capture_output=True,
    )
    # only now: pip must not see the planmonitor of this environment
    (Path(purelib) / "borrowed.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    work = tmp_path / "elders"
    work.mkdir()
    where = subprocess.run(
        [python, "-c", "import pipeline; print(pipeline.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=work,
        env=clean,
    ).stdout
    assert where.startswith(str(env_dir)), where

    planmonitor = str(env_dir / "bin" / "planmonitor")

    def run(*args: str, cwd: Path) -> str:
        done = subprocess.run(
            [planmonitor, *args], cwd=cwd, env=clean, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("nieuw", "regio-x", cwd=work)
    region = work / "regio-x"
    assert "3 projecten" in run("init", cwd=region)
    assert "4 werkmappen" in run("issue", cwd=region)
    assert len(list((region / "var" / "sharepoint").rglob("*.xlsx"))) == 4
