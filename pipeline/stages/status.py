"""The status of a round: per party what was issued, received, found and merged.

A party's hand-in is the last version it marked "ingeleverd"; versions still marked "concept"
are counted as drafts. Lateness is the save time of that hand-in against the deadline (Dutch
time), not the time it was collected.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..core import DRAFT, HANDED_IN, Round
from ..validation import possible_duplicates
from .collect import is_late
from .session import Session


@dataclass(frozen=True)
class PartyStatus:
    party: str
    name: str
    kind: str
    issued_at: str | None
    file_name: str | None
    received: int  # files received this round, drafts included
    last_received: str | None
    late: bool  # the hand-in that counts was saved after the deadline
    verdict: str | None  # of the hand-in that counts
    errors: int
    warnings: int
    merged: bool
    rows_accepted: int
    rows_held: int
    cells_changed: int
    new_projects: int
    superseded: int
    hand_ins: int = 0  # versions marked "ingeleverd" (or without a choice)
    drafts: int = 0  # versions still marked "concept"
    saved_at: str | None = None  # when the party saved the hand-in that counts (else the draft)

    @property
    def hand_in(self) -> str | None:
        """concept / ingeleverd / te laat; None when nothing was received."""
        if self.received == 0:
            return None
        if self.hand_ins == 0:
            return DRAFT
        return "te laat" if self.late else HANDED_IN

    @property
    def state(self) -> str:
        """One Dutch word for the terminal: where this party stands."""
        if self.received == 0:
            return "niet ontvangen" if self.issued_at else "niet uitgegeven"
        if self.hand_ins == 0:
            return DRAFT
        if self.merged:
            return "verwerkt"
        if self.verdict is None:
            return self.hand_in or HANDED_IN
        return "gecontroleerd"


@dataclass
class RoundStatus:
    round: str
    deadline: str
    issued_at: str | None
    merged_at: str | None
    parties: list[PartyStatus] = field(default_factory=list)
    # After the merge: new projects that look like another party's (id, id, reason).
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {
            "partijen": len(self.parties),
            "uitgegeven": sum(1 for p in self.parties if p.issued_at),
            "ontvangen": sum(1 for p in self.parties if p.received),
            "concept": sum(1 for p in self.parties if p.hand_in == DRAFT),
            "ingeleverd": sum(1 for p in self.parties if p.hand_ins),
            "te_laat": sum(1 for p in self.parties if p.late),
            "met_fouten": sum(1 for p in self.parties if p.errors),
            "dubbel_ingezonden": sum(1 for p in self.parties if p.hand_ins > 1),
            "rijen_overgenomen": sum(p.rows_accepted for p in self.parties),
            "rijen_tegengehouden": sum(p.rows_held for p in self.parties),
            "nieuwe_projecten": sum(p.new_projects for p in self.parties),
        }

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["totals"] = self.totals
        for party, raw in zip(self.parties, data["parties"], strict=True):
            raw["state"] = party.state
            raw["hand_in"] = party.hand_in
        return data


def round_status(session: Session, round_: Round | None = None) -> RoundStatus:
    """Who has submitted what in a round (default: the round in progress)."""
    config, state = session.config, session.state
    round_ = round_ or config.round
    info = state.round_info(round_)
    deadline = config.timeline.deadline(round_)
    issued = {r.party: r for r in state.issued(round_)}
    merged = {r.party: r for r in state.merge_results(round_)}
    status = RoundStatus(
        str(round_), deadline.isoformat(), info.get("issued_at"), info.get("merged_at")
    )
    for party in state.region().parties:
        records = state.submissions(round_, party.id)
        hand_ins = [r for r in records if r.handed_in]
        last = hand_ins[-1] if hand_ins else None
        newest = records[-1] if records else None
        result = merged.get(party.id)
        issue = issued.get(party.id)
        status.parties.append(
            PartyStatus(
                party=party.id,
                name=party.name,
                kind=party.kind,
                issued_at=issue.issued_at if issue else None,
                file_name=issue.file_name if issue else None,
                received=len(records),
                last_received=newest.received_at if newest else None,
                late=last is not None and is_late(last.saved, deadline),
                verdict=last.verdict if last else None,
                errors=last.blocking or 0 if last else 0,
                warnings=_warnings(last.findings) if last else 0,
                merged=result is not None,
                rows_accepted=result.rows_accepted if result else 0,
                rows_held=result.rows_held if result else 0,
                cells_changed=result.cells_changed if result else 0,
                new_projects=result.new_projects if result else 0,
                superseded=max(len(hand_ins) - 1, 0),
                hand_ins=len(hand_ins),
                drafts=len(records) - len(hand_ins),
                saved_at=shown.saved if (shown := last or newest) else None,
            )
        )
    if info.get("merged_at") and round_.next() in state.snapshots():
        created = set(state.row_ids("project", created_round=round_.next()))
        if created:
            status.duplicates = [
                (d.first, d.second, d.reason)
                for d in possible_duplicates(
                    state.monitor(round_.next()), config.catalogue, among=created
                )
            ]
    return status


def _warnings(findings_json: str | None) -> int:
    import json

    if not findings_json:
        return 0
    return sum(1 for f in json.loads(findings_json) if f.get("severity") == "warning")
