"""The national demo: the demo region's own export next to synthetic regions, rolled up.

After the demo's rounds, the demo region exports its last merged round; the generator adds
synthetic regions of the same size, every other one measured a round earlier, so the national
overview shows regions that differ in round as well as in their figures.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..national import NationalSummary, build_national, generate_regions
from ..stages import ExportSummary, Session, export_round

Step = Callable[[str], Callable[[int, int, str], None] | None]


@dataclass(frozen=True)
class NationalDemo:
    """Where the national demo wrote: one export per region and the overview."""

    exports: tuple[Path, ...]
    own: ExportSummary
    overview: NationalSummary


def national_overview(session: Session, regions: int, step: Step) -> NationalDemo:
    """Export the demo region, generate ``regions - 1`` more and roll them all up."""
    config = session.config
    base = config.paths.outputs / "landelijk"
    shutil.rmtree(base, ignore_errors=True)
    own = export_round(config, session.state, None, base / "exports")
    rounds = [own.round if i % 2 == 0 else own.round.previous() for i in range(regions - 1)]
    generated = generate_regions(
        config, base / "exports", regions - 1, rounds=rounds, progress=step("regio's maken")
    )
    folders = (own.folder, *(g.export.folder for g in generated))
    overview = build_national(
        folders, config.catalogue, base / "overzicht", progress=step("landelijk overzicht")
    )
    return NationalDemo(folders, own, overview)
