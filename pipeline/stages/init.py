"""Setting up a region: read and check its source, and only then write the state.

The source is the demo generator or a real region's tables (see ``sources.folder``). The
imported monitor gets the same checks a party's submission gets (required values, cross-field
rules), so the first submission never bounces on the secretary's data. Nothing is written while
any finding blocks; with ``accept_problems`` the rule problems become warnings that the owners
find listed in their first workbooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core import Config, ConfigError, Finding, FindingCounts, Monitor, Region, finding, messages
from ..sources import demo_region, import_region
from ..state import State
from ..validation import monitor_problems
from ..workbook import read_workbook_tables

# Checks the import itself already reports, with the file's own position.
_REPORTED_BY_IMPORT = frozenset({"required-value-missing"})


@dataclass(frozen=True)
class InitSummary:
    region: str
    round: str
    parties: int
    projects: int
    agreements: int
    created: bool
    warnings: int = 0


@dataclass
class StartCheck(FindingCounts):
    """A region source read and checked; ``region`` and ``monitor`` only when nothing blocks."""

    source: str
    findings: list[Finding] = field(default_factory=list)
    region: Region | None = None
    monitor: Monitor | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [f.to_dict() for f in self.findings],
        }


def check_source(
    config: Config, source: Path | None = None, *, accept_problems: bool = False
) -> StartCheck:
    """Read the region source and check it; writes nothing."""
    if source is None and config.region_source == "demo":
        region, monitor = demo_region.generate(
            config.catalogue, config.round, config.seed, config.region_name
        )
        return StartCheck("demo", [], region, monitor)
    path = source if source is not None else config.root / config.region_source
    result = import_region(config, path, read_workbook_tables)
    check = StartCheck(str(path), list(result.findings))
    if result.monitor is None:
        return check
    for problem in monitor_problems(config.catalogue, config.round, result.monitor):
        if problem.code in _REPORTED_BY_IMPORT:
            continue
        position = result.positions.get((problem.entity, problem.row_id))  # type: ignore[arg-type]
        where: dict[str, Any] = {}
        if position is not None:
            where = {
                "file": position.table.where,
                "sheet": position.table.sheet,
                "cell": position.cell(problem.key),
                "field": position.header(problem.key),
                "row": position.row,
            }
        found = finding(problem.code, row_id=problem.row_id, **where, **problem.details)
        if accept_problems and found.blocking:
            found = replace(found, severity="warning", message=found.message + messages.START_NOTE)
        check.findings.append(found)
    if not check.blocking:
        check.region, check.monitor = result.region, result.monitor
    return check


def initialise(config: Config, state: State, check: StartCheck | None = None) -> InitSummary:
    """Fill an empty state from a checked source (checked here when not given).

    A state that already holds a region is left alone. ConfigError when the source has a
    blocking finding: ``planmonitor init`` lists them.
    """
    if state.initialised:
        region = state.region()
        round_ = state.latest_monitor_round() or config.round
        monitor = state.monitor(round_)
        return InitSummary(
            region.name,
            str(round_),
            len(region.parties),
            len(monitor.projects),
            len(monitor.agreements),
            created=False,
        )
    check = check or check_source(config)
    if check.region is None or check.monitor is None:
        raise ConfigError(
            f"De regiobron {check.source} heeft {check.errors} blokkerende "
            f"{'fout' if check.errors == 1 else 'fouten'}. Geef 'planmonitor init' om ze "
            "allemaal te zien."
        )
    with state.transaction():
        state.save_region(check.region)
        state.open_round(config.round)
        state.save_monitor(config.round, check.monitor, created_by=None)
    return InitSummary(
        check.region.name,
        str(config.round),
        len(check.region.parties),
        len(check.monitor.projects),
        len(check.monitor.agreements),
        created=True,
        warnings=check.warnings,
    )
