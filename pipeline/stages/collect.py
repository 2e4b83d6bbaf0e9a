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

from ..core import DRAFT, HANDED_IN, Progress, in_dutch_time, now, sha256
from ..state import SubmissionRecord
from ..workbook import is_own_feedback, read_hand_in_status
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
        submitted = False
        for stored in session.storage.list_party_files(party):
            digest = state.seen_file(party.id, stored.name, stored.etag) if stored.etag else None
            data = b""
            if digest is None:
                data = session.storage.get_party_file(party, stored.name)
                digest = sha256(data)
                session.archive.store(data, stored.name)  # archived before anything looks at it
                if stored.etag:
                    with state.transaction():
                        state.remember_file(party.id, stored.name, stored.etag, digest)
            if (
                digest == issued.get(party.id)
                or state.is_earlier_file(digest, party.id, round_)
                or state.is_feedback(digest, party.id)
            ):
                continue
            if not state.known_submission(digest, round_, party.id):
                data = data or session.storage.get_party_file(party, stored.name)
                if is_own_feedback(data, party.id, key):  # ours, by its signed marker
                    session.archive.write_feedback(round_, party.id, stored.name, data)
                    with state.transaction():
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
            saved_at = stored.modified or received_at
            data = data or session.storage.get_party_file(party, stored.name)
            status = read_hand_in_status(data, stored.name)
            if stored.hand_in == HANDED_IN:  # the optional library column on SharePoint
                status = HANDED_IN
            receipt = session.archive.receive(
                data,
                round_=round_,
                party=party.id,
                original_name=stored.name,
                received_at=received_at,
                saved_by=stored.modified_by,
                saved_at=saved_at,
                status=status or "",
            )
            with state.transaction():
                state.record_submission(
                    SubmissionRecord(
                        digest,
                        str(round_),
                        party.id,
                        stored.name,
                        received_at,
                        receipt.blob,
                        stored.modified_by or None,
                        None,
                        None,
                        None,
                        status,
                        saved_at,
                    )
                )
            session.storage.put_archive(f"{round_} {Path(receipt.blob).name}", data)
            summary.received.append(
                Received(
                    party.id,
                    party.name,
                    stored.name,
                    digest,
                    received_at,
                    status != DRAFT and is_late(saved_at, config.deadline),
                    saved_at,
                    status,
                )
            )
        if not submitted:
            summary.unchanged.append(party.id)
    return summary
