"""Files converted by headless LibreOffice, as the slow tests save workbooks the way it does."""

from __future__ import annotations

import subprocess
from pathlib import Path

XLSX = "xlsx:Calc MS Excel 2007 XML"


def convert(sources: list[Path], out: Path, profile: Path, to: str = XLSX) -> None:
    """Convert ``sources`` into ``out`` (each keeps its stem) with a LibreOffice profile of its
    own, so that tests running at once do not share one."""
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            *(str(source) for source in sources),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
