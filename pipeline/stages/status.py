"""The status of a round: per party what was issued, received, found and merged."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..core import Round
from .collect import is_late
from .session import Session


@dataclass(frozen=True)
class PartyStatus:
    party: str
    name: str
    kind: str
    issued_at: str | None
    file_name: str | None
    received: int  # files received this round
    last_received: str | None
    late: bool
    verdict: str | None  # of the last file received
    errors: int
    warnings: int
    merged: bool
    rows_accepted: int
    rows_held: int
    cells_changed: int
    new_projects: int
    superseded: int

    @property
    def state(self) -> str:
        """One Dutch word for the terminal: where this party stands."""
        if self.received == 0:
            return "niet ontvangen" if self.issued_at else "niet uitgegeven"
        if self.merged:
            return "verwerkt"
        if self.verdict is None:
            return "ontvangen"
        return "gecontroleerd"


@dataclass
class RoundStatus:
    round: str
    deadline: str
    issued_at: str | None
    merged_at: str | None
    parties: list[PartyStatus] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {
            "partijen": len(self.parties),
            "uitgegeven": sum(1 for p in self.parties if p.issued_at),
            "ontvangen": sum(1 for p in self.parties if p.received),
            "te_laat": sum(1 for p in self.parties if p.late),
            "met_fouten": sum(1 for p in self.parties if p.errors),
            "dubbel_ingezonden": sum(1 for p in self.parties if p.received > 1),
            "rijen_overgenomen": sum(p.rows_accepted for p in self.parties),
            "rijen_tegengehouden": sum(p.rows_held for p in self.parties),
            "nieuwe_projecten": sum(p.new_projects for p in self.parties),
        }

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["totals"] = self.totals
        for party, raw in zip(self.parties, data["parties"], strict=True):
            raw["state"] = party.state
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
        last = records[-1] if records else None
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
                last_received=last.received_at if last else None,
                late=any(is_late(r.received_at, deadline) for r in records),
                verdict=last.verdict if last else None,
                errors=last.blocking or 0 if last else 0,
                warnings=_warnings(last.findings) if last else 0,
                merged=result is not None,
                rows_accepted=result.rows_accepted if result else 0,
                rows_held=result.rows_held if result else 0,
                cells_changed=result.cells_changed if result else 0,
                new_projects=result.new_projects if result else 0,
                superseded=max(len(records) - 1, 0),
            )
        )
    return status


def _warnings(findings_json: str | None) -> int:
    import json

    if not findings_json:
        return 0
    return sum(1 for f in json.loads(findings_json) if f.get("severity") == "warning")
