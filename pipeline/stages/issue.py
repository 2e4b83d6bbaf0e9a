"""Issuing a round: a workbook per party, written to its folder and recorded in the state.

Issuing again for the same round is a re-issue: it replaces each party's workbook and its record
(a party whose name changed keeps the old file beside the new one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..core import (
    Config,
    ConfigError,
    Monitor,
    Party,
    Progress,
    Region,
    layout,
    now,
    price_bounds_for,
    sha256,
)
from ..state import Archive, IssueRecord, State
from ..storage import Storage
from ..workbook import build_party_workbook

# Characters that Windows, OneDrive or SharePoint refuse in a file name.
_UNSAFE = re.compile(r'[\\/:*?"<>|#%~&{}\x00-\x1f]+')
MAX_NAME_LENGTH = 120


@dataclass(frozen=True)
class IssuedWorkbook:
    """One party's workbook as issued."""

    party_id: str
    party_name: str
    file_name: str
    own_projects: int
    editable_cells: int
    sha256: str
    fingerprint: str


@dataclass(frozen=True)
class IssueSummary:
    """What a run of ``issue`` did."""

    round: str
    issued_at: str
    workbooks: tuple[IssuedWorkbook, ...]
    created_folders: tuple[str, ...] = ()
    # The year whose price bounds the workbooks show: an earlier one only when asked for.
    price_bounds_year: int | None = None

    @property
    def parties(self) -> int:
        return len(self.workbooks)

    @property
    def own_projects(self) -> int:
        return sum(w.own_projects for w in self.workbooks)

    @property
    def editable_cells(self) -> int:
        return sum(w.editable_cells for w in self.workbooks)


def issue_round(
    config: Config,
    state: State,
    storage: Storage,
    *,
    party_ids: list[str] | None = None,
    progress: Progress | None = None,
    archive: Archive | None = None,
    earlier_price_bounds: bool = False,
) -> IssueSummary:
    """Write and record the workbook of every party (or the given ones) for the current round.

    With an archive, what was issued is also kept there, so ``rebuild`` can restore it. A round
    whose year has no price bounds in config.toml stops here (ConfigError), before any workbook
    is written; with ``earlier_price_bounds`` the last earlier year's bounds are used, and the
    summary says which year.
    """
    bounds_year, _ = price_bounds_for(config, config.round.year, earlier=earlier_price_bounds)
    region = state.region()
    monitor = state.monitor(config.round)
    parties = select_parties(region, party_ids)
    base_hash = layout.monitor_hash(monitor)
    issued_at = now()
    created = storage.ensure_layout(list(parties))
    issued = []
    for number, party in enumerate(parties, start=1):
        issued.append(
            _issue_party(
                config,
                state,
                storage,
                region,
                monitor,
                party,
                issued_at=issued_at,
                base_hash=base_hash,
            )
        )
        if progress is not None:
            progress(number, len(parties), party.name)
    with state.transaction():
        state.mark_round(config.round, "issued_at")
    if archive is not None:
        archive.write_issue(config.round, state.issued(config.round), issued_at)
    return IssueSummary(str(config.round), issued_at, tuple(issued), tuple(created), bounds_year)


def select_parties(region: Region, party_ids: Sequence[str] | None) -> list[Party]:
    """The parties to issue to, in registry order; ConfigError names any unknown id."""
    if party_ids is None:
        return list(region.parties)
    known = {p.id for p in region.parties}
    unknown = [p for p in party_ids if p not in known]
    if unknown:
        raise ConfigError(
            f"Onbekende partij(en): {', '.join(unknown)}. Gebruik een id uit het "
            "partijenregister, bijvoorbeeld " + ", ".join(sorted(known)[:3]) + "."
        )
    wanted = set(party_ids)
    return [p for p in region.parties if p.id in wanted]


def file_name(round_: str, party: Party) -> str:
    """The workbook's file name: readable, and safe on every file system and in SharePoint."""
    name = re.sub(r"\s+", " ", _UNSAFE.sub(" ", party.name)).strip().strip(".")
    name = name[:MAX_NAME_LENGTH].rstrip(" .") or party.id
    return f"Planmonitor {round_} - {name}.xlsx"


def _issue_party(
    config: Config,
    state: State,
    storage: Storage,
    region: Region,
    monitor: Monitor,
    party: Party,
    *,
    issued_at: str,
    base_hash: str,
) -> IssuedWorkbook:
    plan = layout.plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        party,
        issued_at=issued_at,
        new_rows=config.new_project_rows,
        base_hash=base_hash,
    )
    written = build_party_workbook(plan, config, region, monitor)
    name = file_name(str(config.round), party)
    digest = sha256(written.data)
    storage.put_party_file(party, name, written.data)
    with state.transaction():
        state.record_issue(
            IssueRecord(str(config.round), party.id, plan.fingerprint, name, digest, issued_at)
        )
    return IssuedWorkbook(
        party.id,
        party.name,
        name,
        written.own_projects,
        written.editable_cells,
        digest,
        plan.fingerprint,
    )
