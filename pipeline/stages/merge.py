"""The merge: the parties' submissions of a round, owner's cells only, into the next monitor.

For each party the last readable submission received counts; of it, only rows without a blocking
finding, and of those only the cells the party owns and actually changed against what it was
issued. Every accepted cell goes into the change log with the hash of the file it came from.

The database work happens in one transaction (a crash leaves the previous state), and files are
written to a temporary name and renamed. Merging the same inputs again gives the same state.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from ..core import (
    ID_COLUMN,
    Carry,
    Catalogue,
    Config,
    Entity,
    Monitor,
    Party,
    Progress,
    Region,
    Round,
    RoundError,
    checkpoint,
    new_project_columns,
    now,
    price_bounds_for,
    roll_over,
    write_atomic,
)
from ..state import Archive, Change, MergeRecord, MergeResult, State, SubmissionRecord, held
from ..storage import FileLocked
from ..validation import Duplicate, RowOutcome, possible_duplicates, rows_from_json
from .check import VERDICT_UNREADABLE, check_record
from .session import Session

_ID_NUMBER = re.compile(r"(\d+)$")


_now_precise = partial(now, "microseconds")


@dataclass
class MergeOutcome:
    """What a merge did to the state."""

    round: Round
    results: list[MergeResult] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    new_projects: list[tuple[str, str, str]] = field(default_factory=list)  # party, id, name
    superseded: list[SubmissionRecord] = field(default_factory=list)
    used: list[SubmissionRecord] = field(default_factory=list)
    carried: list[Carry] = field(default_factory=list)  # the roll-over at a change of year
    # New projects that look like another party's project: flagged, never merged silently.
    duplicates: list[Duplicate] = field(default_factory=list)


@dataclass
class MergeSummary:
    outcome: MergeOutcome
    monitor_file: Path | None = None
    published: bool = False
    not_published: str = ""  # why the monitor could not be put in the shared folder (Dutch)
    issued_next: int = 0
    price_bounds_year: int | None = None  # the year of the bounds the next workbooks show
    # Next round's workbooks not written (open somewhere, or changed by the party), with why.
    skipped_next: tuple[tuple[str, str], ...] = ()  # (party id, Dutch message)
    resumed: bool = False  # this run finished an interrupted merge instead of starting one


MERGE_LOCK = "samenvoegen.lock"  # in the state folder; rebuild takes it too

# A merge is one unit: the transaction that stores the merged monitor also writes a journal of
# the outputs still to make, in this order; each is struck off when made. After a crash the
# next merge makes what is left (each step can be done again without harm).
STEPS = ("archive", "monitor", "publish", "issue")
STEP_NAMES = {
    "archive": "het archief bijwerken",
    "monitor": "de monitorwerkmap maken",
    "publish": "de monitorwerkmap publiceren",
    "issue": "de werkmappen van de volgende ronde klaarzetten",
}


@dataclass(frozen=True)
class Pending:
    """A merged round whose outputs are not all made yet."""

    round: Round
    merged_at: str
    used: tuple[str, ...]  # sha256 of the submissions merged, in order applied
    steps: tuple[str, ...]  # still to do, in order
    earlier_price_bounds: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "merged_at": self.merged_at,
                "used": list(self.used),
                "steps": list(self.steps),
                "earlier_price_bounds": self.earlier_price_bounds,
            }
        )

    @classmethod
    def from_json(cls, round_: Round, text: str) -> Pending:
        data = json.loads(text)
        return cls(
            round_,
            data["merged_at"],
            tuple(data["used"]),
            tuple(data["steps"]),
            bool(data.get("earlier_price_bounds", False)),
        )

    def describe(self) -> str:
        """In Dutch, for the secretary: what is still to be done."""
        return f"ronde {self.round}: nog " + ", ".join(STEP_NAMES[s] for s in self.steps)


def pending_work(state: State) -> list[Pending]:
    """Merged rounds with outputs still to make (normally none)."""
    return [Pending.from_json(round_, work) for round_, work in state.journal()]


def merge_round(
    session: Session,
    *,
    round_: Round | None = None,
    progress: Progress | None = None,
    clock: Callable[[], str] = _now_precise,
    issue_next: bool = True,
    earlier_price_bounds: bool = False,
) -> MergeSummary:
    """Merge a round (default: the one in progress) and make its outputs: the archive record,
    the monitor workbook, its publication and the next round's workbooks.

    An interrupted merge is finished first (and only that is done in this run). When the next
    round's workbooks follow, their price bounds are checked first, so a missing year stops
    the run before anything is merged.
    """
    config, state = session.config, session.state
    with held(config.paths.state / MERGE_LOCK, "samenvoeging"):
        interrupted = pending_work(state)
        if interrupted:
            return _finish(session, interrupted[0], None, progress)
        round_ = round_ or config.round
        round_config = config.at(round_)
        if issue_next:
            price_bounds_for(config, round_.next().year, earlier=earlier_price_bounds)
        _refuse_if_next_round_started(state, round_)
        for record in state.hand_ins(round_):
            if record.verdict is None:
                check_record(round_config, state, session.archive, record)
        checkpoint("merge-checked")
        merged_at = clock()
        steps = STEPS if issue_next else STEPS[:-1]

        def journal(outcome: MergeOutcome) -> str:
            used = tuple(r.sha256 for r in outcome.used)
            return Pending(round_, merged_at, used, steps, earlier_price_bounds).to_json()

        outcome = apply_merge(
            round_config, state, session.archive, round_, progress=progress, journal=journal
        )
        checkpoint("merge-committed")
        used = tuple(r.sha256 for r in outcome.used)
        pending = Pending(round_, merged_at, used, steps, earlier_price_bounds)
        return _finish(session, pending, outcome, progress)


def _finish(
    session: Session, pending: Pending, outcome: MergeOutcome | None, progress: Progress | None
) -> MergeSummary:
    """Make the outputs a merged round still lacks, striking each off the journal when made."""
    from ..reporting import write_monitor_workbook
    from .issue import issue_round

    config, state = session.config, session.state
    round_ = pending.round
    round_config = config.at(round_)
    summary = MergeSummary(outcome or _recorded_outcome(state, pending), resumed=outcome is None)
    region = state.region()
    name = f"Planmonitor {region.name} - stand na {round_}.xlsx"
    target = config.paths.outputs / "monitor" / name
    summary.monitor_file = target

    def monitor_workbook() -> bytes:
        data = write_monitor_workbook(
            round_config, region, state.monitor(round_.next()), state.changes(round_)
        )
        write_atomic(target, data)
        return data

    for number, step in enumerate(pending.steps):
        if step == "archive":
            session.archive.write_merge(MergeRecord(str(round_), pending.merged_at, pending.used))
        elif step == "monitor":
            monitor_workbook()
        elif step == "publish":
            data = target.read_bytes() if target.exists() else monitor_workbook()
            # A table member with the previous monitor open in Excel must not undo a merge that
            # is done: the monitor stays in the outputs and is published by the next merge or
            # report.
            try:
                summary.published = session.storage.publish(name, data)
            except FileLocked as exc:
                summary.not_published = str(exc)
        elif step == "issue":
            # The parties that took part in this round get the next round's workbook.
            parties = [r.party for r in state.issued(round_)] or None
            issued = issue_round(
                config.at(round_.next()),
                state,
                session.storage,
                party_ids=parties,
                archive=session.archive,
                earlier_price_bounds=pending.earlier_price_bounds,
                progress=progress,
            )
            summary.price_bounds_year = issued.price_bounds_year
            summary.issued_next = issued.parties
            summary.skipped_next = tuple((s.party_id, s.message) for s in issued.skipped)
        checkpoint(f"{step}-done")
        rest = replace(pending, steps=pending.steps[number + 1 :])
        with state.transaction():
            if rest.steps:
                state.write_journal(round_, rest.to_json())
            else:
                state.clear_journal(round_)
    if not pending.steps:
        with state.transaction():
            state.clear_journal(round_)
    return summary


def _recorded_outcome(state: State, pending: Pending) -> MergeOutcome:
    """What an interrupted merge did, as the state recorded it."""
    round_ = pending.round
    outcome = MergeOutcome(round_, state.merge_results(round_), state.changes(round_))
    outcome.used = [r for r in state.submissions(round_) if r.sha256 in pending.used]
    before, after = state.monitor(round_).projects, state.monitor(round_.next()).projects
    outcome.new_projects = [
        (str(after.at[i, "initiator"]), str(i), str(after.at[i, "name"]))
        for i in after.index
        if i not in before.index
    ]
    return outcome


def _refuse_if_next_round_started(state: State, round_: Round) -> None:
    if state.hand_ins(round_.next()):
        raise RoundError(
            f"Ronde {round_} kan niet opnieuw worden samengevoegd: voor ronde {round_.next()} "
            "zijn al inzendingen ontvangen."
        )
    if not state.hand_ins(round_):
        drafts = len(state.submissions(round_))
        raise RoundError(
            f"Er zijn nog geen ingeleverde werkmappen voor ronde {round_}"
            + (
                f" ({drafts} concepten ontvangen: daarin staat bij 'Status van deze werkmap' "
                "nog 'concept'). "
                if drafts
                else ". "
            )
            + "Voer 'planmonitor collect' uit als partijen hun werkmap hebben ingeleverd."
        )


def apply_merge(
    config: Config,
    state: State,
    archive: Archive,
    round_: Round,
    *,
    progress: Progress | None = None,
    journal: Callable[[MergeOutcome], str] | None = None,
) -> MergeOutcome:
    """Compute the merged monitor and store it, with the change log, in one transaction.

    ``journal`` gives the work still to do after the merge; it is stored in the same
    transaction, so a merged state always knows which outputs it still lacks.
    """
    region = state.region()
    roles = config.catalogue.roles
    base = state.monitor(round_)
    outcome = MergeOutcome(round_)
    chosen, outcome.superseded = _latest_per_party(state.hand_ins(round_))
    # What was issued (fresh dicts from the monitor) and the copy the merge changes.
    issued = {
        entity: {str(r[ID_COLUMN[entity]]): r for r in base.records(entity)}
        for entity in ("project", "agreement")
    }
    work = {entity: {k: dict(v) for k, v in rows.items()} for entity, rows in issued.items()}
    checked = {r.sha256: _checked_rows(config, state, archive, r, round_) for r in chosen}
    superseded_by_party: dict[str, int] = {}
    for record in outcome.superseded:
        superseded_by_party[record.party or ""] = superseded_by_party.get(record.party or "", 0) + 1
    with state.transaction():
        state.clear_merge(round_)
        next_number = _next_project_number(state)
        for number, record in enumerate(chosen, start=1):
            if progress:
                progress(number, len(chosen), record.original_name)
            rows = checked[record.sha256]
            if rows is None or record.party is None:
                continue
            outcome.used.append(record)
            accepted = held_back = new = 0
            changes_before = len(outcome.changes)
            for row in rows:
                if row.blocked and row.values:
                    held_back += 1
                    continue
                if row.is_new:
                    project_id = f"PRJ-{next_number:04d}"
                    next_number += 1
                    work["project"][project_id] = _new_project(
                        config.catalogue,
                        project_id,
                        region.party(record.party),
                        row,
                        region,
                        round_,
                    )
                    outcome.new_projects.append(
                        (record.party, project_id, str(row.values.get(roles.name)))
                    )
                    outcome.changes.extend(
                        _change(round_, record, "project", project_id, k, None, v)
                        for k, v in work["project"][project_id].items()
                        if v is not None and k != "project_id"
                    )
                    new += 1
                    continue
                if row.values:  # a row the party keeps something of
                    accepted += 1
                outcome.changes.extend(_apply_row(round_, record, row, issued, work))
            outcome.results.append(
                MergeResult(
                    str(round_),
                    record.party,
                    record.sha256,
                    accepted,
                    held_back,
                    len(outcome.changes) - changes_before,
                    new,
                    superseded_by_party.get(record.party, 0),
                )
            )
        merged = Monitor.from_records(
            list(work["project"].values()), list(work["agreement"].values())
        )
        # A year that ends with this round loses nothing: what is still planned for it moves
        # into the next round's first planning year, and is recorded as carried.
        merged, outcome.carried = roll_over(merged, config.catalogue, round_.next().year)
        new_ids = {project_id for _, project_id, _ in outcome.new_projects}
        if new_ids:
            outcome.duplicates = possible_duplicates(merged, config.catalogue, among=new_ids)
        state.save_monitor(round_.next(), merged)
        state.record_carries(round_.next(), outcome.carried)
        state.record_changes(outcome.changes)
        for result in outcome.results:
            state.record_merge_result(result)
        state.mark_round(round_, "merged_at")
        state.open_round(round_.next())
        if journal is not None:
            state.write_journal(round_, journal(outcome))
        checkpoint("merge-applied")
    return outcome


def _checked_rows(
    config: Config, state: State, archive: Archive, record: SubmissionRecord, round_: Round
) -> list[RowOutcome] | None:
    """The typed rows the check step kept for a submission; checked now when it kept none (a
    state from before they were kept). None when the file has no rows to take."""
    if record.party is None:
        return None
    text = state.checked_rows(record.sha256, round_, record.party)
    if text is None:
        check_record(config, state, archive, record)
        text = state.checked_rows(record.sha256, round_, record.party)
    return None if text is None else rows_from_json(text)


def _latest_per_party(
    records: list[SubmissionRecord],
) -> tuple[list[SubmissionRecord], list[SubmissionRecord]]:
    """Per party the last readable submission received; the rest is superseded."""
    latest: dict[str, SubmissionRecord] = {}
    for record in records:  # oldest first
        if record.party is None or record.verdict == VERDICT_UNREADABLE:
            continue
        latest[record.party] = record
    chosen = sorted(latest.values(), key=lambda r: (r.received_at, r.party or ""))
    used = {r.sha256 + (r.party or "") for r in chosen}
    superseded = [
        r
        for r in records
        if r.party is not None
        and r.verdict != VERDICT_UNREADABLE
        and r.sha256 + r.party not in used
    ]
    return chosen, superseded


def _apply_row(
    round_: Round,
    record: SubmissionRecord,
    row: RowOutcome,
    issued: dict[str, dict[str, dict[str, Any]]],
    work: dict[str, dict[str, dict[str, Any]]],
) -> list[Change]:
    """Take the owned cells the party changed against what it was issued."""
    changes = []
    before = issued[row.entity].get(row.row_id, {})
    current = work[row.entity].setdefault(row.row_id, {ID_COLUMN[row.entity]: row.row_id})
    for key, value in row.values.items():
        if same(value, before.get(key)):
            continue
        changes.append(
            _change(round_, record, row.entity, row.row_id, key, current.get(key), value)
        )
        current[key] = value
    return changes


def _new_project(
    catalogue: Catalogue,
    project_id: str,
    party: Party,
    row: RowOutcome,
    region: Region,
    round_: Round,
) -> dict[str, Any]:
    """A new project as the merge creates it: the secretary's yes/no flags and the withdrawn
    flag start as 'nee'; the initiator is the submitting party; the subregion follows from the
    municipality."""
    roles = catalogue.roles
    record: dict[str, Any] = {ID_COLUMN["project"]: project_id}
    record.update(
        {
            f.key: False
            for f in catalogue.fields("project")
            if f.type == "yes_no" and (f.owner == "secretary" or f.key == roles.withdrawn)
        }
    )
    # Only the fields this party may fill in for a new project; id, initiator and subregion are
    # the secretary's, whatever the row holds.
    allowed = {c.key for c in new_project_columns(catalogue, round_, party)}
    record.update({k: v for k, v in row.values.items() if v is not None and k in allowed})
    record[ID_COLUMN["project"]] = project_id
    record[roles.initiator] = party.id
    municipality = record.get(roles.municipality)
    if isinstance(municipality, str):
        with contextlib.suppress(KeyError):  # an unknown code was reported by the validation
            record[roles.subregion] = region.municipality(municipality).subregion
    return record


def _change(
    round_: Round,
    record: SubmissionRecord,
    entity: Entity | str,
    row_id: str,
    key: str,
    old: Any,
    new: Any,
) -> Change:
    return Change(
        str(round_),
        record.party or "",
        str(entity),
        row_id,
        key,
        old,
        new,
        record.sha256,
        record.received_at,
    )


def same(a: Any, b: Any) -> bool:
    """Equal as monitor values: text without surrounding spaces, numbers within rounding."""
    if type(a) is type(b) and a == b:
        return True  # most cells come back as they were issued: equal, and of the same type
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (a == b and type(a) is type(b))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), abs_tol=1e-9)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return bool(a == b)


def _next_project_number(state: State) -> int:
    numbers = [int(m[1]) for r in state.row_ids("project") if (m := _ID_NUMBER.search(r))]
    return max(numbers, default=0) + 1
