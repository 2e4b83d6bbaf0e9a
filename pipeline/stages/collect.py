"""Intake: fetch what parties saved in their folders into the archive.

Every version found is archived, drafts included: nothing received is ever lost. Whether a
version is a hand-in is the party's own choice in the workbook ("Status van deze werkmap:
concept / ingeleverd"); Excel on the web saves continuously, so saving alone is not handing in.
Lateness is judged by the time the party saved the handed-in version (the file's modification
time in SharePoint or on disk), as a date in Dutch time, not by when ``collect`` ran.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core import DRAFT, HANDED_IN, Party, Progress, in_dutch_time, now, sha256
from ..workbook import hand_in_status, is_own_feedback
from .session import Session


@dataclass(frozen=True)
class Received:
    party: str
    party_name: str
    file_name: str
    sha256: str
    received_at: str  # when collect fetched it
    late: bool  # a hand-in saved after the deadline (Dutch time)
    saved_at: str = ""  # when the party saved it
    status: str | None = None  # "concept", "ingeleverd" or None (the file has no choice)

    @property
    def handed_in(self) -> bool:
        return self.status != DRAFT


@dataclass
class CollectSummary:
    round: str
    received: list[Received] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # parties whose folder holds only the issue
    already_known: int = 0


def is_late(saved_at: str, deadline: dt.date) -> bool:
    """Saved after the deadline day, as the day is in the Netherlands (CET/CEST).

    A time without a zone is taken as UTC, as the storage backends report it.
    """
    return in_dutch_time(saved_at).date() > deadline


def collect(
    session: Session, *, progress: Progress | None = None, clock: Callable[[], str] = now
) -> CollectSummary:
    """Archive every new file in the party folders as a submission of the round in progress.

    The issued workbook itself (unchanged), files of earlier rounds and the feedback files
    planmonitor wrote are not submissions; a feedback file the party corrected and saved is. A file version (by ETag) that was fetched before is not downloaded again; a
    changed file is a new submission that supersedes the earlier one in the merge, and the
    earlier one stays in the archive.
    """
    config, state = session.config, session.state
    round_ = config.round
    region = state.region()
    issued = {r.party: r.sha256 for r in state.issued(round_)}
    summary = CollectSummary(str(round_))
    key = session.archive.key()
    parties = list(region.parties)
    for number, party in enumerate(parties, start=1):
        if progress:
            progress(number, len(parties), party.name)
        # One transaction per party for its bookkeeping; every file is in the archive before
        # its record, so a crash loses no file, and collecting again records it from there.
        with state.transaction():
            if not _collect_party(session, party, issued.get(party.id), key, summary, clock):
                summary.unchanged.append(party.id)
    return summary


def _collect_party(
    session: Session,
    party: Party,
    issued: str | None,
    key: bytes,
    summary: CollectSummary,
    clock: Callable[[], str],
) -> bool:
    """Archive and record the new files of one party's folder; whether it submitted any."""
    config, state, storage, archive = (
        session.config,
        session.state,
        session.storage,
        session.archive,
    )
    round_ = config.round
    submitted = False
    for stored in storage.list_party_files(party):
        digest = state.seen_file(party.id, stored.name, stored.etag) if stored.etag else None
        data = b""
        if digest is None:
            data = storage.get_party_file(party, stored.name)
            digest = sha256(data)
            archive.store(data, stored.name, digest=digest)  # archived before anything reads it
            if stored.etag:
                state.remember_file(party.id, stored.name, stored.etag, digest)
        if (
            digest == issued
            or state.is_earlier_file(digest, party.id, round_)
            or state.is_feedback(digest, party.id)
        ):
            continue
        if not state.known_submission(digest, round_, party.id):
            data = data or storage.get_party_file(party, stored.name)
            if is_own_feedback(data, party.id, key):  # ours, by its signed marker
                archive.write_feedback(round_, party.id, stored.name, data)
                state.remember_feedback(party.id, stored.name, digest)
                continue
        submitted = True
        handed_in_by_column = stored.hand_in == HANDED_IN
        if state.known_submission(digest, round_, party.id) and not (
            handed_in_by_column and state.is_draft(digest, round_, party.id)
        ):
            summary.already_known += 1
            continue
        received_at = clock()
        data = data or storage.get_party_file(party, stored.name)
        status = HANDED_IN if handed_in_by_column else hand_in_status(data, stored.name)
        # A file received before (a run that stopped before its record) keeps its first
        # receipt, and the record says what the receipt says, as ``rebuild`` will.
        receipt = archive.receive(
            data,
            round_=round_,
            party=party.id,
            original_name=stored.name,
            received_at=received_at,
            saved_by=stored.modified_by,
            saved_at=stored.modified or received_at,
            status=status or "",
            digest=digest,
        )
        status = receipt.status or None
        state.record_submission(receipt.submission())
        storage.put_archive(f"{round_} {Path(receipt.blob).name}", data)
        summary.received.append(
            Received(
                party.id,
                party.name,
                stored.name,
                digest,
                receipt.received_at,
                status != DRAFT and is_late(receipt.saved_at, config.deadline),
                receipt.saved_at,
                status,
            )
        )
    return submitted
