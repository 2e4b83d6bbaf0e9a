"""Rebuilding the state from the archive alone: the base, what was issued, received and merged.

The rebuilt database is compared with the current one and then takes its place (the old one is
kept beside it as a backup), so a damaged or lost database can always be recovered.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..core import Config, Progress, RoundError, StateError
from ..state import Archive, State, held
from .check import check_record
from .merge import MERGE_LOCK, apply_merge, pending_work


@dataclass(frozen=True)
class RebuildSummary:
    database: Path
    backup: Path | None
    rounds: int
    submissions: int
    equal_to_previous: bool | None  # None when there was no previous database


def rebuild(config: Config, *, progress: Progress | None = None) -> RebuildSummary:
    """Replay the archive into a fresh state database and put it in place."""
    archive = Archive(config.paths.archive)
    if not archive.has_base():
        raise StateError(
            f"Het archief {archive.root} bevat geen basis (basis.json); herbouwen kan niet."
        )
    target = config.paths.database
    with held(config.paths.state / MERGE_LOCK, "herbouw"):
        _refuse_if_interrupted(target)
        return _rebuild(config, archive, target, progress)


def _refuse_if_interrupted(target: Path) -> None:
    """A merge whose outputs are half made is finished first: rebuilding would lose its journal."""
    if not target.exists():
        return
    try:
        with State(target) as current:
            pending = pending_work(current)
    except StateError:
        return  # a damaged state is what rebuilding is for
    if pending:
        raise RoundError(
            "De samenvoeging is onderbroken ("
            + "; ".join(p.describe() for p in pending)
            + "). Geef eerst 'planmonitor merge' om die af te maken, en herbouw daarna."
        )


def _rebuild(
    config: Config, archive: Archive, target: Path, progress: Progress | None
) -> RebuildSummary:
    fresh = target.with_name(target.name + ".herbouw")
    for leftover in (
        fresh,
        fresh.with_name(fresh.name + "-wal"),
        fresh.with_name(fresh.name + "-shm"),
    ):
        leftover.unlink(missing_ok=True)
    region, first, base = archive.read_base()
    merges = {m.round: m for m in archive.merges()}
    rounds = sorted(set(archive.rounds()) | {first})
    received = 0
    with State(fresh) as state:
        with state.transaction():
            state.save_region(region)
            state.open_round(first)
            state.save_monitor(first, base)
            for plan in archive.layouts():
                state.record_layout(plan)
        for index, round_ in enumerate(rounds, start=1):
            if progress:
                progress(index, len(rounds), str(round_))
            round_config = config.at(round_)
            with state.transaction():
                state.open_round(round_)
                for record in archive.issues(round_):
                    state.record_issue(record)
                if archive.issues(round_):
                    state.mark_round(round_, "issued_at")
                for party, name, digest in archive.feedback(round_):
                    state.remember_feedback(party, name, digest)
                for receipt in archive.receipts(round_):
                    state.record_submission(receipt.submission())
                    received += 1
            for submitted in state.hand_ins(round_):
                check_record(round_config, state, archive, submitted)
            if str(round_) in merges:
                apply_merge(round_config, state, archive, round_)
        state.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rebuilt = state.dump()
    equal: bool | None = None
    backup: Path | None = None
    if target.exists():
        with State(target) as current:
            equal = current.dump() == rebuilt
            current.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        backup = target.with_name(target.name + ".voor-herbouw")
        os.replace(target, backup)
    os.replace(fresh, target)
    return RebuildSummary(target, backup, len(rounds), received, equal)
