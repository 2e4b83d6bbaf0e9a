"""Conservation, proven: whole rounds on a small part of the demo region, with simulated parties
(some never submit, some withdraw or add projects), across several changes of year.

At every round and for every project: completed + planned per year + later = total, and no
dwelling appears or disappears except through an owned change of a party that is in the change
log (a roll-over moves dwellings between years of one project and is recorded as such). Totals
per municipality and for the region reconcile between the state (plain SQL), the report, the
dashboard data and the monitor workbook.

The normal suite runs six rounds of a small region (bounded well under a minute); the slow
suite runs ten rounds on a larger part with another seed.
"""

from __future__ import annotations

import io
import json
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import make_config

from pipeline.core import Config, Monitor, Region
from pipeline.demo import runner
from pipeline.reporting import dashboard
from pipeline.reporting.render import compute
from pipeline.sources import demo_region
from pipeline.stages import Session, open_session
from pipeline.state import State

SMALL = ("GM0226",)  # a municipality with 20 projects
LARGER = ("GM0226", "GM0293", "GM0221")


def small_region(config: Config, municipalities: tuple[str, ...]) -> tuple[Region, Monitor]:
    """The demo region with only the projects of a few municipalities and a few agreements."""
    region, monitor = demo_region.generate(
        config.catalogue, config.round, config.seed, config.region_name
    )
    projects = monitor.projects[monitor.projects["municipality"].isin(municipalities)]
    return region, Monitor(projects, monitor.agreements.iloc[:8])


def cast_for(
    region: Region, monitor: Monitor, municipalities: tuple[str, ...], builders: int
) -> list[str]:
    """The municipalities, the market parties with the most dwellings planned in the first two
    years there (so that year changes have something to carry) and a tempomaker."""
    projects = monitor.projects
    years = sorted(c for c in projects.columns if str(c)[9:].isdigit())[:2]
    early = sum(count(projects, c) for c in years)
    ranked = early.groupby(projects["initiator"]).sum().sort_values(ascending=False)
    market = [str(p) for p in ranked.index if not region.party(str(p)).is_municipality]
    local = {p.id for p in region.parties if p.municipality_code in municipalities}
    tempomaker = next(p.id for p in region.parties if p.pillars)
    return sorted(local | set(market[:builders]) | {tempomaker})


def open_small(
    base: Path, municipalities: tuple[str, ...], seed: int, builders: int
) -> tuple[Session, list[str]]:
    """A state with part of the demo region: only the projects of the cast's parties."""
    config = make_config(base, seed=seed)
    region, monitor = small_region(config, municipalities)
    parties = cast_for(region, monitor, municipalities, builders)
    projects = monitor.projects[monitor.projects["initiator"].isin(parties)]
    with State(config.paths.database) as state, state.transaction():
        state.save_region(region)
        state.open_round(config.round)
        state.save_monitor(config.round, Monitor(projects, monitor.agreements), created_by=None)
    return open_session(config), parties


# -- a plain view of the state ----------------------------------------------------------------


def cells(database: Path, round_: str) -> pd.DataFrame:
    """Projects of a snapshot straight from the snapshots table, one row per project."""
    with sqlite3.connect(database) as db:
        records = db.execute(
            "SELECT row_id, record FROM snapshots WHERE round = ? AND entity = 'project'",
            (round_,),
        ).fetchall()
    rows = [(i, f, v) for i, text in records for f, v in json.loads(text).items()]
    long = pd.DataFrame(rows, columns=["id", "field", "value"])
    return long.pivot(index="id", columns="field", values="value")


def count(frame: pd.DataFrame, key: str) -> pd.Series:
    if key not in frame.columns:
        return pd.Series(0, index=frame.index)
    return frame[key].map(lambda v: 0 if v is None or v != v else int(v))


def planning_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if str(c).startswith("planning_")]


def assert_round_conserves(session: Session, merged: str, following: str) -> None:
    database = session.config.paths.database
    before, after = cells(database, merged), cells(database, following)
    first_year = int(following[:4])
    # 1. every project adds up, and no planning is left in a past year
    for frame, snapshot in ((after, following),):
        planned = sum((count(frame, c) for c in planning_columns(frame)), start=count(frame, "x"))
        sums = count(frame, "completed") + planned
        wrong = frame.index[sums != count(frame, "total_dwellings")]
        assert list(wrong) == [], f"{snapshot}: projects that do not add up: {list(wrong)}"
        past = [c for c in planning_columns(frame) if c[9:].isdigit() and int(c[9:]) < first_year]
        assert past == [], f"{snapshot} still plans for a past year: {past}"
    # 2. every cell that changed is in the change log or in the roll-over record
    with sqlite3.connect(database) as db:
        logged = {
            (row_id, field)
            for row_id, field in db.execute(
                "SELECT row_id, field FROM changes WHERE round = ? AND entity = 'project'",
                (merged,),
            )
        }
        carried = db.execute(
            "SELECT row_id, field, from_year, to_year, dwellings FROM carried WHERE round = ?",
            (following,),
        ).fetchall()
        owners = {
            (row_id, field): party
            for row_id, field, party in db.execute(
                "SELECT row_id, field, party FROM changes WHERE round = ? AND entity = 'project'",
                (merged,),
            )
        }
    moved = {(r, f"{f}_{y}") for r, f, y, _, _ in carried} | {
        (r, f"{f}_{t}") for r, f, _, t, _ in carried
    }
    changed = set()
    for pid in after.index:
        for key in after.columns.union(before.columns):
            old = before.at[pid, key] if pid in before.index and key in before.columns else None
            new = after.at[pid, key] if key in after.columns else None
            old = None if old != old else old
            new = None if new != new else new
            if str(key).startswith("planning_"):  # a count: empty is no dwellings
                old, new = old or 0, new or 0
            if old != new:
                changed.add((pid, key))
    unexplained = changed - logged - moved
    assert unexplained == set(), f"{merged}: cells changed without a change: {sorted(unexplained)}"
    # 3. a project's total changes only through its initiator's logged change
    for pid in after.index.intersection(before.index):
        if count(after, "total_dwellings")[pid] != count(before, "total_dwellings")[pid]:
            assert owners.get((pid, "total_dwellings")) == before.at[pid, "initiator"]
    # 4. what a roll-over moved is what was left in the past year
    for _row_id, _field, from_year, to_year, dwellings in carried:
        assert from_year < first_year == to_year
        assert dwellings > 0


def assert_totals_reconcile(session: Session, merged: str, following: str) -> None:
    """Per municipality and for the region: state, report, dashboard data and monitor workbook."""
    config, state = session.config, session.state
    frame = cells(config.paths.database, following)
    active = frame[
        ~frame.get("withdrawn", pd.Series(False, index=frame.index)).fillna(False).astype(bool)
    ]
    to_build = (count(active, "total_dwellings") - count(active, "completed")).clip(lower=0)
    expected_region = int(to_build.sum())
    by_municipality = to_build.groupby(active["municipality"]).sum().astype(int).to_dict()

    from pipeline.core import Round

    report = compute(config, state, Round.parse(merged))
    assert report.whole.dwellings_to_build == expected_region
    data = dashboard.data(report)
    live = [p for p in data["projects"] if not p["w"]]
    assert sum(p["to_build"] for p in live) == expected_region
    per_municipality: dict[str, int] = {}
    for p in live:
        per_municipality[p["m"]] = per_municipality.get(p["m"], 0) + p["to_build"]
    assert per_municipality == by_municipality

    monitor_files = sorted((config.paths.outputs / "monitor").glob(f"*stand na {merged}.xlsx"))
    assert monitor_files, f"no monitor workbook for {merged}"
    book = openpyxl.load_workbook(io.BytesIO(monitor_files[-1].read_bytes()), read_only=True)
    names = {m.name: m.code for m in state.region().municipalities}
    found: dict[str, int] = {}
    header = [str(c.value) for c in next(book["Totalen"].iter_rows(max_row=1))]
    capacity = [
        header.index(h)
        for h in ("Harde plancapaciteit", "Zachte plancapaciteit", "Planstatus onbekend")
        if h in header
    ]
    for row in book["Totalen"].iter_rows(min_row=2, values_only=True):
        if row and row[1] in names:
            found[names[str(row[1])]] = sum(int(row[i] or 0) for i in capacity)
    # a municipality whose projects are all withdrawn is listed with 0
    assert {k: v for k, v in found.items() if v} == {k: v for k, v in by_municipality.items() if v}


def drive(
    session: Session, parties: list[str], rounds: int, seed: int
) -> Iterator[tuple[str, str]]:
    """Run whole rounds with simulated parties; yield (merged round, next round) after each."""
    rng = random.Random(seed)

    def step(stage: str) -> None:
        return None

    for index in range(rounds):
        merged = str(session.config.round)
        runner._round(session, index, rng, step, parties)  # type: ignore[arg-type]
        session = runner._next(session)
        yield merged, str(session.config.round)


@pytest.mark.parametrize("rounds", [6])
def test_six_rounds_conserve_every_dwelling(tmp_path: Path, rounds: int) -> None:
    session, parties = open_small(tmp_path, SMALL, seed=2026, builders=3)
    seen_year_changes = 0
    with session:
        for merged, following in drive(session, parties, rounds, seed=11):
            assert_round_conserves(session, merged, following)
            assert_totals_reconcile(session, merged, following)
            seen_year_changes += following.endswith("H1")
        assert_the_rounds_had_every_kind_of_event(session, parties)
    assert seen_year_changes >= 3


def assert_the_rounds_had_every_kind_of_event(session: Session, parties: list[str]) -> None:
    """The property means something only if the rounds had what can lose a dwelling."""
    with sqlite3.connect(session.config.paths.database) as db:
        submitted = {p for (p,) in db.execute("SELECT DISTINCT party FROM submissions")}
        carried_years = {y for (y,) in db.execute("SELECT DISTINCT from_year FROM carried")}
        new = db.execute(
            "SELECT COUNT(*) FROM rows WHERE entity = 'project' AND created_round != ?",
            (str(session.config.timeline.first),),
        ).fetchone()[0]
        withdrawn = db.execute(
            "SELECT COUNT(DISTINCT row_id) FROM changes WHERE field = 'withdrawn' AND new = 'true'"
        ).fetchone()[0]
    assert set(parties) - submitted, "every party submitted: no silent party"
    assert len(carried_years) >= 2, f"roll-overs from {carried_years} only"
    assert new > 0 and withdrawn > 0


@pytest.mark.slow
def test_ten_rounds_on_a_larger_part_conserve_every_dwelling(tmp_path: Path) -> None:
    session, parties = open_small(tmp_path, LARGER, seed=7, builders=14)
    with session:
        for merged, following in drive(session, parties, 10, seed=5):
            assert_round_conserves(session, merged, following)
            assert_totals_reconcile(session, merged, following)
