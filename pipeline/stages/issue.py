"""Issuing a round: a workbook per party, written to its folder and recorded in the state.

Issuing again for the same round is a re-issue: it replaces each party's workbook and its record
(a party whose name changed keeps the old file beside the new one). The workbook is overwritten
in place, so on SharePoint the item and its version history stay.

Two things can stop a party's workbook from being written, and neither stops the run:

* the party changed the workbook since it was issued (its file differs from what was issued):
  it is not overwritten unless ``force`` (then the party's version stays in SharePoint's
  version history, and a copy goes into the archive);
* the workbook is open somewhere (SharePoint answers 423 until the lock is let go): after a
  bounded wait the party is skipped.

Such parties are listed in :attr:`IssueSummary.skipped` with a Dutch message, and their issue
record is left as it was; running ``issue`` again finishes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core import (
    Config,
    ConfigError,
    Monitor,
    Party,
    Progress,
    Region,
    checkpoint,
    dutch_time,
    layout,
    now,
    price_bounds_for,
    sha256,
)
from ..state import Archive, IssueRecord, State
from ..storage import FileLocked, Storage, StoredFile
from ..validation import RowProblem, duplicate_problems, monitor_problems
from ..workbook import (
    PartyWorkbook,
    RoundRows,
    SharedSheet,
    build_party_workbook,
    render_shared_sheet,
)
from .pool import in_order

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
class SkippedParty:
    """A party whose workbook was not written in this run, and why (Dutch)."""

    party_id: str
    party_name: str
    reason: str  # "in gebruik" (locked) or "gewijzigd" (the party changed it)
    message: str


@dataclass(frozen=True)
class IssueSummary:
    """What a run of ``issue`` did."""

    round: str
    issued_at: str
    workbooks: tuple[IssuedWorkbook, ...]
    created_folders: tuple[str, ...] = ()
    # The year whose price bounds the workbooks show: an earlier one only when asked for.
    price_bounds_year: int | None = None
    skipped: tuple[SkippedParty, ...] = ()

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
    workers: int | None = None,
    force: bool = False,
) -> IssueSummary:
    """Write and record the workbook of every party (or the given ones) for the current round.

    What all workbooks share (the region sheet above all) is made once; the workbooks are
    written by ``workers`` processes (default: one per core), each file stored and recorded in
    registry order as it comes, so the result does not depend on the number of workers.
    With an archive, what was issued is also kept there, so ``rebuild`` can restore it. A round
    whose year has no price bounds in config.toml stops here (ConfigError), before any workbook
    is written; with ``earlier_price_bounds`` the last earlier year's bounds are used, and the
    summary says which year. With ``force``, workbooks the party changed since they were issued
    are replaced too.
    """
    bounds_year, _ = price_bounds_for(config, config.round.year, earlier=earlier_price_bounds)
    region = state.region()
    monitor = state.monitor(config.round)
    parties = select_parties(region, party_ids)
    issued_at = now()
    created = storage.ensure_layout(list(parties))
    job = IssueJob.prepare(config, region, monitor, issued_at)
    issued: list[IssuedWorkbook] = []
    skipped: list[SkippedParty] = []
    for number, (party, plan, written) in enumerate(
        written_workbooks(job, parties, workers), start=1
    ):
        name = file_name(str(config.round), party)
        refusal = None if force else _changed_by_party(config, state, storage, party, name)
        if refusal is not None:
            skipped.append(SkippedParty(party.id, party.name, "gewijzigd", refusal))
        else:
            if force and archive is not None:
                _keep_party_version(storage, archive, party, name)
            try:
                issued.append(
                    _issue_party(config, state, storage, party, plan, written, issued_at, archive)
                )
                checkpoint("issue-party")
            except FileLocked as exc:
                skipped.append(SkippedParty(party.id, party.name, "in gebruik", str(exc)))
        if progress is not None:
            progress(number, len(parties), party.name)
    with state.transaction():
        state.mark_round(config.round, "issued_at")
    if archive is not None:
        archive.write_issue(config.round, state.issued(config.round), issued_at)
    return IssueSummary(
        str(config.round), issued_at, tuple(issued), tuple(created), bounds_year, tuple(skipped)
    )


def _present(storage: Storage, party: Party, name: str) -> StoredFile | None:
    return next((f for f in storage.list_party_files(party) if f.name == name), None)


def _digest(state: State, storage: Storage, party: Party, stored: StoredFile) -> str:
    """The hash of a file in the party's folder; a version fetched before is not fetched again."""
    known = state.seen_file(party.id, stored.name, stored.etag) if stored.etag else None
    return known or sha256(storage.get_party_file(party, stored.name))


def _changed_by_party(
    config: Config, state: State, storage: Storage, party: Party, name: str
) -> str | None:
    """Why the workbook in the party's folder must not be overwritten, or None when it may.

    It may when it is not there, or when it is exactly what was issued for this round.
    """
    present = _present(storage, party, name)
    if present is None:
        return None
    issued = {r.sha256 for r in state.issued(config.round, party.id) if r.file_name == name}
    if _digest(state, storage, party, present) in issued:
        return None
    who = f" door {present.modified_by}" if present.modified_by else ""
    when = f" op {dutch_time(present.modified)}" if present.modified else ""
    return (
        f"De werkmap {name} van {party.name} is na de uitgifte gewijzigd (opgeslagen{who}{when}) "
        "en is niet overschreven, zodat er geen werk van de partij verloren gaat. Haal hem eerst "
        "op met 'planmonitor collect'. Moet hij toch worden vervangen, geef dan "
        f"'planmonitor issue --partij {party.id} --forceer': op SharePoint blijft de versie van "
        "de partij in de versiegeschiedenis, en planmonitor bewaart een kopie in het archief."
    )


def _keep_party_version(storage: Storage, archive: Archive, party: Party, name: str) -> None:
    """Before a forced re-issue, keep what the party had in the archive (nothing is lost)."""
    present = _present(storage, party, name)
    if present is not None:
        archive.store(storage.get_party_file(party, name), name)


@dataclass(frozen=True)
class IssueJob:
    """Everything the workbooks of one run are made from, prepared once for all parties."""

    config: Config
    region: Region
    monitor: Monitor
    issued_at: str
    base_hash: str
    projects: tuple[dict[str, Any], ...]
    rows: RoundRows
    shared: SharedSheet
    # What is still wrong in the monitor; each owner finds its part in its instructions.
    problems: tuple[RowProblem, ...] = ()
    # Per party the projects that can be its own (as initiator or municipality), in monitor
    # order: laying out one party's workbook looks at these, not at every project.
    candidates: Mapping[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    # Per project id the places of its problems in ``problems``: a party's instructions list
    # those of its own projects, found here rather than by going over every problem.
    problem_places: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def prepare(cls, config: Config, region: Region, monitor: Monitor, issued_at: str) -> IssueJob:
        rows = RoundRows.of(config.catalogue, config.round, monitor)
        problems = tuple(monitor_problems(config.catalogue, config.round, monitor)) + tuple(
            duplicate_problems(monitor, config.catalogue, region)
        )
        return cls(
            config,
            region,
            monitor,
            issued_at,
            layout.monitor_hash(monitor),
            rows.records["project"],
            rows,
            render_shared_sheet(config, region, monitor, config.round, rows),
            problems,
            _candidates(config, region, rows.records["project"]),
            _problem_places(problems),
        )

    def __call__(self, party: Party) -> tuple[layout.WorkbookLayout, PartyWorkbook]:
        config = self.config
        plan = layout.plan(
            config.catalogue,
            config.round,
            self.region,
            self.monitor,
            party,
            issued_at=self.issued_at,
            new_rows=config.new_project_rows,
            base_hash=self.base_hash,
            projects=self.candidates.get(party.id, ()),
        )
        written = build_party_workbook(
            plan,
            config,
            self.region,
            self.monitor,
            rows=self.rows,
            shared=self.shared,
            problems=self.own_problems(plan),
        )
        return plan, written

    def own_problems(self, plan: layout.WorkbookLayout) -> tuple[RowProblem, ...]:
        """The problems of the projects on the party's own sheet, in their order: the only
        ones its instructions can list (``instructions.problem_lines``)."""
        row_ids = set(plan.sheet(layout.SHEET_OWN).row_ids)
        places = sorted(n for row_id in row_ids for n in self.problem_places.get(row_id, ()))
        return tuple(self.problems[n] for n in places)


def _problem_places(problems: Sequence[RowProblem]) -> dict[str, tuple[int, ...]]:
    places: dict[str, list[int]] = {}
    for number, problem in enumerate(problems):
        if problem.entity == "project":
            places.setdefault(problem.row_id, []).append(number)
    return {row_id: tuple(found) for row_id, found in places.items()}


def _candidates(
    config: Config, region: Region, projects: Sequence[dict[str, Any]]
) -> dict[str, tuple[dict[str, Any], ...]]:
    roles = config.catalogue.roles
    municipal: dict[str, list[str]] = {}
    for party in region.parties:
        if party.municipality_code is not None:
            municipal.setdefault(party.municipality_code, []).append(party.id)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in projects:
        municipality = str(record.get(roles.municipality))
        owners = {record.get(roles.initiator), *municipal.get(municipality, ())}
        for owner in owners:
            if isinstance(owner, str):
                grouped.setdefault(owner, []).append(record)
    return {owner: tuple(records) for owner, records in grouped.items()}


def written_workbooks(
    job: IssueJob, parties: Sequence[Party], workers: int | None = None
) -> Iterator[tuple[Party, layout.WorkbookLayout, PartyWorkbook]]:
    """Each party's workbook, in the order of ``parties``, written by up to ``workers``
    processes; at most a few workbooks wait in memory at any time."""
    for party, (plan, written) in zip(parties, in_order(job, parties, workers), strict=True):
        yield party, plan, written


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
    party: Party,
    plan: layout.WorkbookLayout,
    written: PartyWorkbook,
    issued_at: str,
    archive: Archive | None,
) -> IssuedWorkbook:
    name = file_name(str(config.round), party)
    digest = sha256(written.data)
    # The plan is kept before the workbook leaves: a submission is read by it, never by itself.
    if archive is not None:
        archive.write_layout(plan)
        archive.store(written.data, name, digest=digest)
    with state.transaction():
        state.record_layout(plan)
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
