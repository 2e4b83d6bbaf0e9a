"""The red agreements in the order the steering board should take them: the ones red for the
most consecutive measurements first, then the ones most dwellings depend on. Each with its
action for the coming half year and its escalation route (where it goes when the table cannot
solve it itself), as the tempomakers filled them in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..core import Round
from . import indicators as ind

ROUTE, DEPENDENT_DWELLINGS = "route", "dependent_dwellings"


@dataclass(frozen=True)
class RedAgreement:
    id: str
    pillar: str
    text: str
    actions: str
    route: str
    since: Round  # the first measurement of the current run of red
    measurements: int  # consecutive measurements on red, this one included
    dwellings: int | None  # dwellings that depend on the agreement, as the tempomaker estimated
    previous_status: str | None


def red_agreements(history: Sequence[tuple[Round, pd.DataFrame]]) -> tuple[RedAgreement, ...]:
    """The agreements on red in the last snapshot of ``history`` (snapshots in round order)."""
    if not history:
        return ()
    latest_round, latest = history[-1]
    statuses = [ind.texts(table, ind.STATUS) for _, table in history]
    found = []
    for agreement_id, row in latest.iterrows():
        if ind.as_text(row.get(ind.STATUS)) != ind.RED:
            continue
        since, count = latest_round, 0
        for (round_, _), status in zip(reversed(history), reversed(statuses), strict=True):
            if ind.as_text(status.get(agreement_id)) != ind.RED:
                break
            since, count = round_, count + 1
        previous = ind.as_text(statuses[-2].get(agreement_id)) or None if len(history) > 1 else None
        dwellings = pd.to_numeric(pd.Series([row.get(DEPENDENT_DWELLINGS)]), errors="coerce")[0]
        found.append(
            RedAgreement(
                id=str(agreement_id),
                pillar=ind.as_text(row.get(ind.PILLAR)),
                text=ind.as_text(row.get("text")),
                actions=ind.as_text(row.get("actions")),
                route=ind.as_text(row.get(ROUTE)),
                since=since,
                measurements=count,
                dwellings=None if pd.isna(dwellings) else int(dwellings),
                previous_status=previous,
            )
        )
    return tuple(sorted(found, key=_order))


def _order(agreement: RedAgreement) -> tuple[int, int, list[tuple[int, str]]]:
    return (-agreement.measurements, -(agreement.dwellings or 0), natural(agreement.id))


def natural(text: str) -> list[tuple[int, str]]:
    """A sort key that puts 1.9 before 1.10."""
    return [(int(part), "") if part.isdigit() else (0, part) for part in re.split(r"(\d+)", text)]
