"""The demo: whole rounds on the demo region, with simulated parties, from issue to reports.

Deterministic with the configured seed. Meant for a newcomer to see a round happen, and as the
end-to-end exercise of every step.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core import Config, ConfigError
from ..stages import (
    CheckSummary,
    CollectSummary,
    MergeSummary,
    RoundStatus,
    Session,
    check_round,
    collect,
    in_order,
    issue_round,
    merge_round,
    open_session,
    round_status,
)
from ..storage import local
from . import simulation
from .national import NationalDemo, national_overview

# stage, number, total, item
Progress = Callable[[str, int, int, str], None]


@dataclass
class DemoRound:
    round: str
    collected: list[CollectSummary] = field(default_factory=list)
    checked: list[CheckSummary] = field(default_factory=list)
    merge: MergeSummary | None = None
    status: RoundStatus | None = None
    self_check: simulation.SelfCheck = field(default_factory=simulation.SelfCheck)


@dataclass
class DemoSummary:
    rounds: list[DemoRound] = field(default_factory=list)
    storage: str = ""
    outputs: Path | None = None
    reports: list[Path] = field(default_factory=list)
    national: NationalDemo | None = None


class _Clock:
    """Simulated time: parties save their files over the weeks before the deadline."""

    def __init__(self, start: dt.datetime) -> None:
        self.moment = start

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)

    def __call__(self) -> str:
        self.moment += dt.timedelta(seconds=1)
        return self.moment.isoformat(timespec="seconds")


def run_demo(
    config: Config,
    *,
    rounds: int = 3,
    progress: Progress | None = None,
    parties: list[str] | None = None,
    reports: bool = True,
    national_regions: int = 0,
) -> DemoSummary:
    """Run whole rounds on the demo region, starting from scratch in the configured folders;
    with ``national_regions`` (2 or more) also the national overview of that many regions."""
    if config.region_source != "demo":
        raise ConfigError(
            'De demo draait alleen op de demoregio (region.source = "demo"): hij begint met '
            "lege mappen en zou de status van een echte regio wissen."
        )
    for folder in (config.paths.state, config.paths.outputs, config.paths.storage):
        shutil.rmtree(folder, ignore_errors=True)
    summary = DemoSummary()
    rng = random.Random(config.seed)

    def step(stage: str) -> Callable[[int, int, str], None] | None:
        if progress is None:
            return None
        return lambda number, total, item: progress(stage, number, total, item)

    with open_session(config) as session:
        summary.storage = session.storage.describe()
        for index in range(rounds):
            summary.rounds.append(_round(session, index, rng, step, parties))
            session = _next(session)
        if reports:
            summary.reports = _reports(session, step)
        if national_regions > 1:
            summary.national = national_overview(session, national_regions, step)
    summary.outputs = config.paths.outputs
    return summary


def _next(session: Session) -> Session:
    """The session for the round after a merge."""
    config = session.config.at(session.state.current_round(session.config.timeline.first))
    return Session(config, session.state, session.storage, session.archive)


def _round(
    session: Session,
    index: int,
    rng: random.Random,
    step: Callable[[str], Callable[[int, int, str], None] | None],
    parties: list[str] | None,
) -> DemoRound:
    config, state = session.config, session.state
    round_ = config.round
    result = DemoRound(str(round_))
    deadline = dt.datetime.combine(config.deadline, dt.time(12, 0), dt.UTC)
    clock = _Clock(deadline - dt.timedelta(days=30))
    if index == 0:
        issue_round(
            config,
            state,
            session.storage,
            party_ids=parties,
            progress=step(f"{round_}: werkmappen maken"),
            archive=session.archive,
        )
    region = state.region()
    monitor = state.monitor(round_)
    roles = simulation.cast(region, monitor, rng, first_round=index == 0, parties=parties)
    # Some parties have xlwings Lite and click "Controleer mijn invoer" before they send; those
    # that play a mistake for the feedback do not. Drawn apart, so the rest of the run is as ever.
    checks = random.Random(f"{config.seed}-{round_}-controle")
    special = {*roles.mistakes, roles.cheater, roles.twice, roles.late, roles.xls}
    candidates = sorted(p for p in roles.responders if p not in special)
    checkers = set(checks.sample(candidates, min(len(candidates), max(1, len(candidates) // 4))))
    result.self_check = simulation.SelfCheck(rng=checks)
    issued = {r.party: r.file_name for r in state.issued(round_)}
    responders = [p for p in roles.responders if p in issued and p != roles.late]
    on_time = step(f"{round_}: partijen vullen in")
    originals: dict[str, bytes] = {}

    def work(party_id: str, data: bytes, corrected: bool = False) -> simulation.Work:
        # Who checks in Excel or plays a part for the feedback saves as Excel does, the whole
        # workbook through openpyxl; the others save only the cells they changed.
        return simulation.work(
            data,
            party=region.party(party_id),
            region=region,
            monitor=monitor,
            catalogue=config.catalogue,
            round_=round_,
            rng=rng,
            roles=roles,
            corrected=corrected,
            self_check=result.self_check if party_id in checkers else None,
            in_place=party_id not in checkers and party_id not in special,
        )

    save = functools.partial(simulation.save, catalogue=config.catalogue, round_=round_)
    # Every party works in turn (the draws of the seed stay in their order); saving the
    # workbooks, which takes the time, is spread over the worker pool.
    works: dict[str, simulation.Work] = {}
    for party_id in responders:
        party = region.party(party_id)
        if party_id == roles.xls:
            name = f"Planmonitor {round_} ingevuld.xls"
            session.storage.put_party_file(party, name, simulation.old_xls())
            continue
        originals[party_id] = session.storage.get_party_file(party, issued[party_id])
        works[party_id] = work(party_id, originals[party_id])
    simulation.before_saving_apart(works.values())
    saving = in_order(save, list(works.values()))
    for number, (done, party_id) in enumerate(zip(saving, works, strict=True), start=1):
        if on_time:
            on_time(number, len(works), region.party(party_id).name)
        result.self_check.count(done.checked)
        session.storage.put_party_file(region.party(party_id), issued[party_id], done.data)
        _saved_at(session, party_id, issued[party_id], clock())
    clock.advance(days=25)
    result.collected.append(collect(session, clock=clock, progress=step(f"{round_}: ophalen")))
    result.checked.append(check_round(session, progress=step(f"{round_}: controleren")))
    # After the feedback one party sends a corrected file; after the deadline the late one.
    for late_party, days in ((roles.twice, 3), (roles.late, 8)):
        clock.advance(days=days)
        if late_party is None or late_party not in issued:
            continue
        party = region.party(late_party)
        data = originals.get(late_party) or session.storage.get_party_file(
            party, issued[late_party]
        )
        done = save(work(late_party, data, corrected=True))
        result.self_check.count(done.checked)
        session.storage.put_party_file(party, issued[late_party], done.data)
        _saved_at(session, late_party, issued[late_party], clock())
        result.collected.append(collect(session, clock=clock))
        result.checked.append(check_round(session))
    clock.advance(days=3)
    result.merge = merge_round(session, progress=step(f"{round_}: samenvoegen"), clock=clock)
    result.status = round_status(session, round_)
    return result


def _saved_at(session: Session, party_id: str, name: str, moment: str) -> None:
    """A simulated party saves at simulated time: lateness goes by the save time.

    On a local folder that is the file's modification time; SharePoint sets its own.
    """
    storage = session.storage
    if isinstance(storage, local.LocalStorage):
        stamp = dt.datetime.fromisoformat(moment).timestamp()
        path = storage.party_dir(session.state.region().party(party_id)) / name
        os.utime(path, (stamp, stamp))


def _reports(
    session: Session, step: Callable[[str], Callable[[int, int, str], None] | None]
) -> list[Path]:
    from ..stages import last_merged_round, report_round

    last = last_merged_round(session)
    if last is None:
        return []
    summary, _ = report_round(session, last, progress=step(f"{last}: rapportage"))
    return list(summary.paths)
