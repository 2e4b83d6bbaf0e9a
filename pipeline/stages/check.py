"""Checking submissions: read, validate, record the verdict and give each party its feedback.

``check_file`` checks one file against the state (used by ``planmonitor validate FILE``);
``check_round`` checks every collected submission of the round and writes feedback workbooks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core import (
    Config,
    Finding,
    FindingCounts,
    Monitor,
    Party,
    Progress,
    Submission,
    WorkbookLayout,
    column_letter,
    finding,
    write_atomic,
)
from ..state import Archive, State, SubmissionRecord
from ..validation import Context, Validation, held_back, prepare, rows_to_json, validate
from ..workbook import (
    LiteScript,
    embedded,
    embedded_part,
    holds_part,
    read_submission,
    same_script_part,
    script_for,
    script_in,
)
from .identity import IssueLookup
from .pool import in_order
from .session import Session

VERDICT_CLEAN = "geen fouten"
VERDICT_WARNINGS = "alleen waarschuwingen"
VERDICT_ERRORS = "fouten"
VERDICT_UNREADABLE = "niet verwerkt"


@dataclass
class FileReport(FindingCounts):
    """The outcome of checking one file."""

    file: str
    sha256: str
    party: str | None
    party_name: str | None
    findings: list[Finding]
    validation: Validation | None = None  # None when the file could not be read as ours
    feedback: Path | None = None
    # the in-Excel check issued with this workbook, for feedback that marks cells (findings)
    script: LiteScript | None = None

    @property
    def verdict(self) -> str:
        if self.validation is None:
            return VERDICT_UNREADABLE
        if self.errors:
            return VERDICT_ERRORS
        return VERDICT_WARNINGS if self.warnings else VERDICT_CLEAN

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "party": self.party,
            "party_name": self.party_name,
            "verdict": self.verdict,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class CheckSummary:
    round: str
    reports: list[FileReport] = field(default_factory=list)
    drafts: int = 0  # parties whose newest version is still a draft: not checked, no feedback

    @property
    def blocking(self) -> bool:
        return any(r.errors for r in self.reports)


def check_bytes(
    config: Config,
    state: State,
    data: bytes,
    file_name: str,
    expected_party: str | None = None,
    archive: Archive | None = None,
    sha256: str | None = None,
) -> FileReport:
    """Read and validate one submission against the state of the round in progress;
    ``sha256`` is the file's hash when our records have it (an archived submission).

    The file is read by the plan of its issue record (see ``identity``); ``expected_party`` is
    the party whose folder it came from, None for a loose file. With the ``archive``, the
    in-Excel check issued with the workbook is taken from its archived copy.
    """
    lookup = IssueLookup(state, file_name, expected_party)
    result = read_submission(Path(file_name), config, data=data, resolve=lookup, sha256=sha256)
    region = state.region()
    sender_id = lookup.party or expected_party
    if result.submission is None:
        sender = next((p for p in region.parties if p.id == sender_id), None)
        return FileReport(
            file_name,
            result.sha256,
            sender_id,
            sender.name if sender else None,
            list(result.findings),
        )
    submission = result.submission
    findings = list(result.findings)
    party = region.party(submission.layout.party)
    context = Context(
        config.catalogue,
        config.round,
        region,
        party,
        state.monitor(config.round),
        config.max_findings_per_file,
        config.max_new_projects,
    )
    validation = validate(submission, context)
    findings.extend(validation.findings)
    findings.extend(held_back(validation, file_name, party.id))
    findings.extend(_carried_not_checked(validation, submission, context.base, party.id))
    issued = _issued_copy(state, archive, submission.layout)

    def issued_script() -> LiteScript:
        return _issued_script(config, issued, submission.layout, context)

    findings.extend(_script_note(issued, issued_script, context, data, file_name))
    # Only feedback that marks cells carries the script back: made when there are findings.
    script = issued_script() if findings else None
    return FileReport(
        file_name, result.sha256, party.id, party.name, findings, validation, script=script
    )


def _issued_copy(state: State, archive: Archive | None, layout: WorkbookLayout) -> bytes | None:
    """The archived copy of the workbook planmonitor issued with this plan, None without one
    (issued without an archive)."""
    record = state.issue_by_fingerprint(layout.fingerprint) if archive is not None else None
    if archive is None or record is None or record.party != layout.party:
        return None
    return archive.kept(record.sha256, record.file_name)


def _issued_script(
    config: Config, issued: bytes | None, layout: WorkbookLayout, context: Context
) -> LiteScript:
    """The in-Excel check planmonitor issued with this plan: the one in the archived copy of the
    workbook, made again from the monitor only when there is no copy."""
    script = embedded(issued) if issued is not None else None
    if script is not None:
        return script
    return script_for(layout, config, context.region, context.base)


def _carried_not_checked(
    validation: Validation, submission: Submission, monitor: Monitor, party: str
) -> list[Finding]:
    """A warning, naming the project, per carried cell the party sent back unchanged: a
    roll-over at the change of year put dwellings there that the party has not looked at."""
    cells = monitor.carried_cells("project")
    if not cells:
        return []
    issued = monitor.projects
    out = []
    for row in validation.rows:
        if row.entity != "project" or row.is_new:
            continue
        for key, value in row.values.items():
            carries = cells.get((row.row_id, key))
            if not carries or row.row_id not in issued.index:
                continue
            before = issued.at[row.row_id, key] if key in issued.columns else None
            if not same_count(value, before):
                continue  # the party changed it: checked
            columns = list(submission.layout.sheet(row.sheet).columns)
            out.append(
                finding(
                    "carried-not-checked",
                    file=submission.file_name,
                    party=party,
                    sheet=row.sheet,
                    cell=f"{column_letter(columns.index(key) + 1)}{row.excel_row}",
                    row=row.excel_row,
                    row_id=row.row_id,
                    name=issued.at[row.row_id, "name"] if "name" in issued.columns else "",
                    field=key,
                    dwellings=sum(c.dwellings for c in carries),
                    year=min(c.from_year for c in carries),
                    to_year=carries[0].to_year,
                )
            )
    return out


def same_count(a: object, b: object) -> bool:
    """Two cell values as counts: empty is 0."""

    def number(v: object) -> float:
        try:
            f = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return 0.0
        return 0.0 if f != f else f

    return number(a) == number(b)


def _script_note(
    issued: bytes | None,
    issued_script: Callable[[], LiteScript],
    context: Context,
    data: bytes,
    file_name: str,
) -> list[Finding]:
    """A warning for the secretary when the embedded check script is not the one issued.

    The in-Excel check is advice (a party can edit its script); the check here stays decisive,
    so a changed script is noted, never an error. A workbook without the script (saved by a
    program that drops it) is not noted. A script part with the same bytes as the issued
    copy's is the issued script, and so is one that inflates to the issued part's content
    (its size and CRC-32 in our copy's directory); any other is read and compared as a script.
    """
    if issued is not None and same_script_part(data, issued):
        return []  # stored as issued: not even inflated
    part = embedded_part(data)
    if part is None or (issued is not None and holds_part(issued, part)):
        return []
    found = script_in(part)
    if found is None:
        return []
    if found.sha256 == issued_script().sha256:
        return []
    return [finding("check-script-changed", file=file_name, party=context.party.id)]


def check_record(
    config: Config, state: State, archive: Archive, record: SubmissionRecord
) -> FileReport:
    """Check an archived submission and store its verdict."""
    data = archive.read(record.archive_path)
    report = check_bytes(
        config, state, data, record.original_name, record.party, archive, record.sha256
    )
    store_verdict(config, state, record, report)
    return report


def store_verdict(
    config: Config,
    state: State,
    record: SubmissionRecord,
    report: FileReport,
    *,
    feedback: tuple[str, str] | None = None,
) -> None:
    """Keep a check's verdict, findings and typed rows with the submission, and register the
    feedback file written for it (``feedback``: its name and SHA-256) in the same transaction."""
    findings_json = json.dumps([f.to_dict() for f in report.findings], ensure_ascii=False)
    with state.transaction():
        state.record_verdict(
            record.sha256, config.round, record.party, report.verdict, report.errors, findings_json
        )
        if report.validation is not None and record.party is not None:
            # The merge takes these as they are: a submission is read and checked once.
            rows = rows_to_json(report.validation.rows)
            state.record_checked_rows(record.sha256, config.round, record.party, rows)
        if feedback is not None and record.party is not None:
            state.remember_feedback(record.party, *feedback)


@dataclass
class _CheckJob:
    """Checks one archived submission and writes its feedback; runs in a worker process too,
    where it reads the state through a connection of its own (SQLite: never one across fork)."""

    config: Config
    archive: Archive
    state: State
    opened_by: int = field(default_factory=os.getpid)

    def __call__(self, record: SubmissionRecord) -> tuple[FileReport, tuple[str, bytes] | None]:
        if os.getpid() != self.opened_by:
            self.state, self.opened_by = self.state.reopened(), os.getpid()
        data = self.archive.read(record.archive_path)  # kept under its hash: not hashed again
        report = check_bytes(
            self.config,
            self.state,
            data,
            record.original_name,
            record.party,
            self.archive,
            record.sha256,
        )
        if record.party is None:
            return report, None
        party = self.state.region().party(record.party)
        key = self.archive.key()
        return report, feedback_file(self.config, party, data, report, record.received_at, key)


def check_round(
    session: Session,
    *,
    progress: Progress | None = None,
    recheck: bool = False,
    workers: int | None = None,
) -> CheckSummary:
    """Check every unchecked hand-in of the round and put feedback in the party's folder.

    Drafts (the party has not chosen "ingeleverd" yet) are neither checked nor answered: no
    feedback file appears while the party is still typing; the check inside Excel serves drafts.
    Files are read, checked and answered by ``workers`` processes (default: one per core); the
    verdicts and feedback are stored here, in the order the files came in.
    """
    config, state = session.config, session.state
    summary = CheckSummary(str(config.round))
    records = [r for r in state.hand_ins(config.round) if recheck or r.verdict is None]
    newest = {r.party: r for r in state.submissions(config.round)}
    summary.drafts = sum(1 for r in newest.values() if not r.handed_in)
    region = state.region()
    session.archive.key()  # made here, before any worker signs a feedback file with it
    if records:  # read and worked out here once, before the workers start: they inherit it
        prepare(config.catalogue, config.round, region, state.monitor(config.round))
    job = _CheckJob(config, session.archive, state)
    for number, (record, (report, feedback)) in enumerate(
        zip(records, in_order(job, records, workers), strict=True), start=1
    ):
        if progress:
            progress(number, len(records), record.original_name)
        registered = None
        if record.party is not None and feedback is not None:
            party = region.party(record.party)
            name, content = feedback
            # The verdict stands once the answer is in the party's folder: a run that stops
            # before it leaves the hand-in unchecked, and the next run answers it. (A feedback
            # file in the folder but not registered is still known as ours by its marker.)
            digest = session.archive.write_feedback(config.round, party.id, name, content)
            session.storage.put_party_file(party, name, content)
            target = config.paths.outputs / "terugkoppeling" / str(config.round) / name
            write_atomic(target, content)
            report.feedback = target
            registered = (name, digest)
        store_verdict(config, state, record, report, feedback=registered)
        summary.reports.append(report)
    return summary


def feedback_file(
    config: Config,
    party: Party,
    data: bytes,
    report: FileReport,
    received_at: str,
    key: bytes | None = None,
) -> tuple[str, bytes]:
    """The feedback workbook for one submission, and its file name."""
    from ..workbook import write_feedback

    stamp = received_at[:19].replace(":", "").replace("T", " ")
    name = f"Terugkoppeling {config.round} - {party.name} - {stamp}.xlsx"
    # Cells are only marked when there is something to mark; otherwise the list says all is well.
    annotate = report.validation is not None and bool(report.findings)
    content = write_feedback(
        data if annotate else b"",
        report.findings,
        party_name=party.name,
        round_=str(config.round),
        signature=(party.id, key) if key is not None else None,
        script=report.script,
    )
    return _safe_name(name), content


def _safe_name(name: str) -> str:
    for char in '\\/:*?"<>|#%':
        name = name.replace(char, " ")
    return " ".join(name.split())


def check_files(config: Config, state: State, paths: list[Path]) -> list[FileReport]:
    """Check files named on the command line and write a feedback workbook for each.

    A missing file is a finding too. Feedback goes to ``<outputs>/terugkoppeling/losse bestanden``.
    """
    from ..workbook import write_feedback

    reports = []
    folder = config.paths.outputs / "terugkoppeling" / "losse bestanden"
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            reports.append(
                FileReport(str(path), "", None, None, [finding("file-not-found", file=str(path))])
            )
            continue
        report = check_bytes(config, state, data, path.name)
        report.file = str(path)
        annotate = report.validation is not None and bool(report.findings)
        content = write_feedback(
            data if annotate else b"",
            report.findings,
            party_name=report.party_name or "onbekende partij",
            round_=str(config.round),
            script=report.script,
        )
        report.feedback = folder / _safe_name(f"Terugkoppeling - {path.stem}.xlsx")
        write_atomic(report.feedback, content)
        reports.append(report)
    return reports
