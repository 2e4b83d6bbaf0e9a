"""Benchmark of a whole round, as ratios against hard anchors measured side by side.

Run ``python bench/run.py --help``; bench/README.md says what is measured and how to read it.
Each scale runs in its own process (its peak memory is its own). Inside it a whole round runs
through the stages the CLI calls (issue, collect, validate, merge with the next round's issue,
report), and each step's anchors run right after it in the same process: CPU time (this process
and the worker processes it waited for), not wall-clock, so the ratios survive a busy machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import io
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

import openpyxl
import pandas as pd
from national import baseline as national_baseline
from python_calamine import CalamineWorkbook
from scaled_region import SCALES, generate

import pipeline
from pipeline.core import SHEET_INSTRUCTIONS, SHEET_LISTS, SHEET_META, SHEET_MONITOR, layout
from pipeline.core import config as config_module
from pipeline.core.config import Paths
from pipeline.demo import simulation
from pipeline.demo.editing import EditedWorkbook
from pipeline.national import find_exports, read_exports, roll_up
from pipeline.national.generator import REGIONS, spread
from pipeline.stages.check import check_round
from pipeline.stages.collect import collect
from pipeline.stages.export import export_round
from pipeline.stages.issue import issue_round
from pipeline.stages.merge import apply_merge, merge_round
from pipeline.stages.publish import report_round
from pipeline.stages.session import Session
from pipeline.state.archive import Archive
from pipeline.state.database import State
from pipeline.storage import open_storage
from pipeline.workbook import package
from pipeline.workbook.party import data_sheets, shown_value

# The targets of issue 10, checked on the scale named.
TARGETS = {
    "issue_vs_openpyxl": ("R", ">=", 20.0, "issue: openpyxl plain writer CPU / ours"),
    "issue_vs_floor": ("R", "<=", 3.0, "issue: ours / deflate floor of the same XML"),
    "check_merge_vs_openpyxl": ("R", ">=", 10.0, "validate+merge: openpyxl+pandas / ours"),
    "check_merge_vs_calamine": ("R", "<=", 3.0, "validate+merge: ours / calamine parse"),
    "round_cpu_s": ("R", "<=", 60.0, "whole round CPU seconds"),
    "peak_rss_mb": ("2R", "<=", 1024.0, "peak resident memory, MB"),
    "memory_growth_in_parties": (
        "M",
        "<=",
        1.1,
        "peak memory of a step's own process, 2P / R (twice the parties, the same projects)",
    ),
}
ROUND_STEPS = ("issue", "collect", "check", "merge", "report")
NATIONAL = "N"
MEMORY = "M"  # each step in a process of its own, at R and at 2P
MEMORY_SCALES = ("R", "2P")
HAND_IN = "hand-in"  # the parties' part of a round, between issue and collect
NATIONAL_REGIONS = 35  # the woondeal regions
SCALE_OF_REGION = "R"  # each region of N is like R
EXPONENT_LIMIT = 1.1
DATA_SHEETS = (SHEET_INSTRUCTIONS, SHEET_LISTS, SHEET_META, SHEET_MONITOR)


def cpu() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], object]) -> tuple[float, float, Any]:
    """(CPU seconds, wall seconds, result) of one call."""
    gc.collect()
    start_cpu, start_wall = cpu(), time.perf_counter()
    result = action()
    return cpu() - start_cpu, time.perf_counter() - start_wall, result


# -- set-up -------------------------------------------------------------------------------------


def set_up(scale: str, base: Path, region: tuple[str, str, int] | None = None) -> Session:
    """A fresh state holding the scaled region, nothing issued yet; ``region`` (name,
    landsdeel, seed) makes it another region of the country."""
    config = _config(base)
    if region is not None:
        name, landsdeel, seed = region
        config = dataclasses.replace(config, region_name=name, landsdeel=landsdeel, seed=seed)
    made, monitor = generate(config.catalogue, config.round, config.seed, config.region_name, scale)
    state = State(config.paths.database)
    with state.transaction():
        state.save_region(made)
        state.open_round(config.round)
        state.save_monitor(config.round, monitor, created_by=None)
    archive = Archive(config.paths.archive)
    archive.write_base(made, config.round, monitor)
    return Session(config, state, open_storage(config), archive)


def _config(base: Path) -> config_module.Config:
    paths = Paths(state=base / "state", outputs=base / "uitvoer", storage=base / "opslag")
    return config_module.load(REPO / "config.toml", paths=paths)


def reopen(base: Path) -> Session:
    """The session of a state that ``set_up`` made in ``base``, opened again."""
    config = _config(base)
    state = State(config.paths.database)
    return Session(config, state, open_storage(config), Archive(config.paths.archive))


def submit_all(session: Session, filled: int) -> None:
    """Every party hands its workbook in, as in a real round: ``filled`` of them as the demo's
    parties fill it in (with their usual mistakes), the others open it, change nothing, choose
    "ingeleverd" and save it (openpyxl saves the whole package again, as Excel does)."""
    config, state = session.config, session.state
    region, monitor = state.region(), state.monitor(config.round)
    rng = random.Random(config.seed)
    roles = simulation.cast(region, monitor, rng, first_round=True)
    workers = [p for p in roles.responders if p in roles.mistakes][:filled]
    for record in state.issued(config.round):
        party = region.party(record.party)
        data = session.storage.get_party_file(party, record.file_name)
        if record.party in workers:
            data = simulation.fill_in(
                data,
                party=party,
                region=region,
                monitor=monitor,
                catalogue=config.catalogue,
                round_=config.round,
                rng=rng,
                roles=roles,
            )
        else:
            data = EditedWorkbook(data, config.catalogue, config.round).save()
        session.storage.put_party_file(party, record.file_name, data)


# -- anchors ------------------------------------------------------------------------------------


def deflate_floor(files: list[bytes]) -> tuple[float, float]:
    """CPU of deflating every party-specific part of every workbook, plus one deflate of the
    shared region sheet; and the share of the shared sheet in all the XML."""
    parts: list[bytes] = []
    total = shared_size = 0
    for number, data in enumerate(files):
        members = {e.name: e for e in package.entries(data)}
        shared = package.sheet_part(members, SHEET_MONITOR)
        for name, entry in members.items():
            total += entry.size
            if name == shared:  # the same sheet in every workbook: deflated once
                shared_size += entry.size
                if number:
                    continue
            parts.append(entry.content())
    gc.collect()
    start = cpu()
    for content in parts:
        zlib.compress(content, 6)
    return cpu() - start, shared_size / total if total else 0.0


def openpyxl_writer(session: Session, sample: list[str]) -> float:
    """CPU of openpyxl's plain writer (``ws.append``, no styles) for the same cells as the
    sampled parties' workbooks, per party."""
    config, state = session.config, session.state
    region, monitor = state.region(), state.monitor(config.round)
    grids = []
    for party_id in sample:
        plan = layout.plan(
            config.catalogue,
            config.round,
            region,
            monitor,
            region.party(party_id),
            issued_at="2026-01-05T09:00:00",
            new_rows=config.new_project_rows,
            base_hash=layout.monitor_hash(monitor),
        )
        grid = {}
        for sheet in data_sheets(plan, config.catalogue, region, monitor):
            rows: list[list[Any]] = [
                [c.field.group for c in sheet.columns],
                [c.label for c in sheet.columns],
            ]
            rows += [
                [shown_value(c, r.get(c.key), region) for c in sheet.columns] for r in sheet.rows
            ]
            grid[sheet.layout.name] = rows
        grids.append(grid)

    def write() -> None:
        for grid in grids:
            book = openpyxl.Workbook()
            book.remove(book.active)
            for name, rows in grid.items():
                ws = book.create_sheet(name)
                for row in rows:
                    ws.append(row)
            book.save(io.BytesIO())

    spent, _, _ = timed(write)
    return spent / len(sample)


def io_floor(session: Session, scratch: Path) -> float:
    """CPU of what collecting cannot do without, for every file in the party folders: read it,
    hash it, and write it durably twice (the archive and the receipt), as ``collect`` must."""
    region = session.state.region()
    scratch.mkdir(parents=True, exist_ok=True)
    gc.collect()
    start = cpu()
    for party in region.parties:
        for stored in session.storage.list_party_files(party):
            data = session.storage.get_party_file(party, stored.name)
            digest = hashlib.sha256(data).hexdigest()
            for copy in ("archive", "receipt"):
                with (scratch / f"{digest}.{copy}").open("wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
    spent = cpu() - start
    shutil.rmtree(scratch, ignore_errors=True)
    return spent


def submissions(session: Session) -> list[bytes]:
    state = session.state
    return [session.archive.read(r.archive_path) for r in state.submissions(session.config.round)]


def openpyxl_pandas(files: list[bytes], monitor: pd.DataFrame) -> None:
    """openpyxl reads each file's data sheets (read-only), pandas makes frames of them and
    updates the monitor with every submitted row."""
    frames = []
    for data in files:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        for ws in book.worksheets:
            if ws.title in DATA_SHEETS:
                continue
            rows = list(ws.iter_rows(min_row=2, values_only=True))
            if len(rows) > 1:
                frame = pd.DataFrame(rows[1:], columns=[str(c) for c in rows[0]])
                frames.append(frame.set_index(frame.columns[0]))
        book.close()
    merged = monitor.copy()
    for frame in frames:
        frame = frame[~frame.index.duplicated()]
        merged.update(frame.reindex(columns=merged.columns.intersection(frame.columns)))


def calamine_parse(files: list[bytes]) -> None:
    """python-calamine parses the same sheets of the same files."""
    for data in files:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in book.sheet_names:
            if name not in DATA_SHEETS:
                book.get_sheet_by_name(name).to_python()


# -- one scale ----------------------------------------------------------------------------------


def measure(scale: str, sample: int, filled: int) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix=f"planmonitor-bench-{scale}-"))
    try:
        return _measure(scale, base, sample, filled)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _measure(scale: str, base: Path, sample: int, filled: int) -> dict[str, Any]:
    session = set_up(scale, base)
    config, state = session.config, session.state
    region, monitor = state.region(), state.monitor(config.round)
    parties = len(region.parties)
    steps: dict[str, dict[str, float]] = {}
    anchors: dict[str, float] = {}

    # issue: in this process (the anchors are single-process too), then with the worker pool
    cpu_s, wall, _ = timed(
        lambda: issue_round(config, state, session.storage, workers=1, archive=session.archive)
    )
    steps["issue"] = {"cpu_s": cpu_s, "wall_s": wall}
    files = [
        session.storage.get_party_file(region.party(r.party), r.file_name)
        for r in state.issued(config.round)
    ]
    anchors["deflate_floor_cpu_s"], shared_share = deflate_floor(files)
    chosen = [p.id for p in region.parties[:: max(parties // sample, 1)]][:sample]
    anchors["openpyxl_writer_cpu_s"] = openpyxl_writer(session, chosen) * parties
    pool_cpu, pool_wall, _ = timed(
        lambda: issue_round(config, state, session.storage, archive=session.archive)
    )
    steps["issue"].update({"pool_cpu_s": pool_cpu, "pool_wall_s": pool_wall})

    submit_all(session, filled)
    cpu_s, wall, _ = timed(lambda: collect(session))
    steps["collect"] = {"cpu_s": cpu_s, "wall_s": wall}
    anchors["io_floor_cpu_s"] = io_floor(session, base / "io-floor")
    # check: in this process (as issue, against single-process anchors), then again with the
    # worker pool (the same verdicts; what the pool costs and saves in wall time)
    cpu_s, wall, summary = timed(lambda: check_round(session, workers=1))
    steps["check"] = {"cpu_s": cpu_s, "wall_s": wall}
    pool_cpu, pool_wall, _ = timed(lambda: check_round(session, recheck=True))
    steps["check"].update({"pool_cpu_s": pool_cpu, "pool_wall_s": pool_wall})
    findings = sum(len(r.findings) for r in summary.reports)
    cpu_s, wall, _ = timed(lambda: apply_merge(config, state, session.archive, config.round))
    steps["apply_merge"] = {"cpu_s": cpu_s, "wall_s": wall}
    received = submissions(session)
    anchors["openpyxl_pandas_cpu_s"], _, _ = timed(
        lambda: openpyxl_pandas(received, monitor.projects)
    )
    anchors["calamine_cpu_s"], _, _ = timed(lambda: calamine_parse(received))
    # The whole merge as `planmonitor merge` runs it: again from the kept rows, the monitor
    # workbook and the next round's workbooks for every party (worker pool).
    cpu_s, wall, _ = timed(lambda: merge_round(session))
    steps["merge"] = {"cpu_s": cpu_s, "wall_s": wall}
    cpu_s, wall, _ = timed(lambda: report_round(session, config.round))
    steps["report"] = {"cpu_s": cpu_s, "wall_s": wall}
    session.close()

    check_merge = steps["check"]["cpu_s"] + steps["apply_merge"]["cpu_s"]
    ratios = {
        "issue_vs_openpyxl": anchors["openpyxl_writer_cpu_s"] / steps["issue"]["cpu_s"],
        "issue_vs_floor": steps["issue"]["cpu_s"] / anchors["deflate_floor_cpu_s"],
        "check_merge_vs_openpyxl": anchors["openpyxl_pandas_cpu_s"] / check_merge,
        "check_merge_vs_calamine": check_merge / anchors["calamine_cpu_s"],
        "collect_vs_io_floor": steps["collect"]["cpu_s"] / anchors["io_floor_cpu_s"],
    }
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "scale": scale,
        "parties": parties,
        "projects": len(monitor.projects),
        "submissions": len(received),
        "filled_in": filled,
        "checked": len(summary.reports),
        "findings": findings,
        "openpyxl_sample": len(chosen),
        "shared_sheet_share_of_xml": shared_share,
        "steps": steps,
        "anchors": anchors,
        "ratios": ratios,
        "round_cpu_s": sum(steps[s]["cpu_s"] for s in ROUND_STEPS),
        "peak_rss_mb": max(own, children),
    }


# -- the national scale ---------------------------------------------------------------------


def measure_national(sample: int, filled: int, budget_s: float) -> dict[str, Any]:
    """N: the country's regions, each like R, one after the other (each with its own state, as
    each table runs its own), for as many as fit in ``budget_s`` of wall time (at least one);
    then the national roll-up of their exports against the plain pandas anchor. The rounds of
    the regions not run are extrapolated from those that ran (regions are independent: the
    same work each), and the JSON says so."""
    del sample  # the anchors of one region are those of R
    base = Path(tempfile.mkdtemp(prefix="planmonitor-bench-N-"))
    exports = base / "exports"
    regions: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        for index, (name, landsdeel, _) in enumerate(spread(REGIONS)):
            if regions and time.perf_counter() - started > budget_s:
                break
            folder = base / f"region-{index}"
            seed = 2026 + 1000 * (index + 1)
            session = set_up(SCALE_OF_REGION, folder, (f"{name} (bench)", landsdeel, seed))
            steps = round_steps(session, filled)
            cpu_s, _, _ = timed(
                functools.partial(export_round, session.config, session.state, out_dir=exports)
            )
            steps["export"] = {"cpu_s": cpu_s}
            session.close()
            shutil.rmtree(folder, ignore_errors=True)
            regions.append({"region": name, "steps": steps, "cpu_s": _round_cpu(steps)})
        folders = find_exports([exports])
        catalogue = config_module.load(REPO / "config.toml").catalogue
        half = folders[: max(len(folders) // 2, 1)]
        rollup = {
            count: timed(functools.partial(_roll_up, chosen, catalogue))[0]
            for count, chosen in ((len(half), half), (len(folders), folders))
        }
        anchor, _, _ = timed(lambda: national_baseline(folders))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    ran = len(regions)
    per_region = [r["cpu_s"] for r in regions]
    mean = sum(per_region) / ran
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    counts = sorted(rollup)
    growth = (
        math.log(rollup[counts[-1]] / rollup[counts[0]]) / math.log(counts[-1] / counts[0])
        if len(counts) == 2 and rollup[counts[0]] > 0
        else None
    )
    return {
        "scale": "N",
        "regions_in_country": NATIONAL_REGIONS,
        "regions_run": ran,
        "budget_s": budget_s,
        "wall_s": time.perf_counter() - started,
        "regions": regions,
        "region_cpu_s": {"mean": mean, "min": min(per_region), "max": max(per_region)},
        # What the country's round costs on one laptop, one region after the other: the
        # regions measured plus the mean of those for every region not run.
        "country_round_cpu_s": sum(per_region) + mean * (NATIONAL_REGIONS - ran),
        "extrapolated": ran < NATIONAL_REGIONS,
        "rollup_cpu_s": {str(k): v for k, v in rollup.items()},
        "rollup_growth": growth,
        "anchors": {"pandas_concat_groupby_cpu_s": anchor},
        "ratios": {"rollup_vs_pandas": rollup[counts[-1]] / anchor if anchor else None},
        "peak_rss_mb": max(own, children),
    }


def round_steps(session: Session, filled: int) -> dict[str, dict[str, float]]:
    """One whole round of a region, step by step (CPU and wall), without anchors."""
    steps: dict[str, dict[str, float]] = {}
    for name, action in step_actions(filled).items():
        cpu_s, wall, _ = timed(functools.partial(action, session))
        if name != HAND_IN:
            steps[name] = {"cpu_s": cpu_s, "wall_s": wall}
    return steps


def _round_cpu(steps: dict[str, dict[str, float]]) -> float:
    return sum(steps[s]["cpu_s"] for s in ROUND_STEPS)


def _roll_up(folders: list[Path], catalogue: Any) -> object:
    exports, refused = read_exports(folders, catalogue)
    if refused:
        raise RuntimeError(f"exports refused: {refused}")
    return roll_up(exports, catalogue)


# -- memory, step by step ----------------------------------------------------------------------


def measure_memory(filled: int) -> dict[str, Any]:
    """Each step of a round in a process of its own, as the CLI runs them, at R and at 2P (twice
    R's parties, R's projects): the step's peak resident memory (its process and its workers)
    and its CPU. One workbook is in memory at a time, so memory must not grow with parties."""
    scales: dict[str, dict[str, dict[str, float]]] = {}
    for scale in MEMORY_SCALES:
        base = Path(tempfile.mkdtemp(prefix=f"planmonitor-bench-M-{scale}-"))
        try:
            set_up(scale, base).close()
            scales[scale] = {}
            for name, action in step_actions(filled).items():
                measured = in_own_process(functools.partial(_run_step, base, action))
                if name != HAND_IN:
                    scales[scale][name] = measured
        finally:
            shutil.rmtree(base, ignore_errors=True)
    one, two = (scales[s] for s in MEMORY_SCALES)
    growth = {name: two[name]["peak_rss_mb"] / one[name]["peak_rss_mb"] for name in one}
    return {
        "scale": MEMORY,
        "steps": scales,
        "rss_growth_in_parties": growth,
        "memory_growth_in_parties": max(growth.values()),
        # log2 of the CPU ratio 2P / R: 1 = linear in parties
        "cpu_exponent_in_parties": {
            name: math.log(two[name]["cpu_s"] / one[name]["cpu_s"]) / math.log(2)
            for name in one
            if one[name]["cpu_s"] > 0 and two[name]["cpu_s"] > 0
        },
    }


def step_actions(filled: int) -> dict[str, Callable[[Session], object]]:
    """A whole round as the CLI runs it, step by step, with the parties' hand-in (``HAND_IN``,
    simulated by ``submit_all``: not a step of ours, so not reported) between issue and
    collect."""
    return {
        "issue": lambda s: issue_round(s.config, s.state, s.storage, archive=s.archive),
        HAND_IN: lambda s: submit_all(s, filled),
        "collect": collect,
        "check": check_round,
        "merge": merge_round,
        "report": lambda s: report_round(s, s.config.round),
    }


def _run_step(base: Path, action: Callable[[Session], object]) -> None:
    session = reopen(base)
    try:
        action(session)
    finally:
        session.close()


def in_own_process(action: Callable[[], object]) -> dict[str, float]:
    """CPU seconds and peak resident memory (MB, the process or its largest worker) of
    ``action`` run in a forked process. The fork starts with this process's memory, so the
    caller keeps little: no state open, no workbook held."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report through the pipe, never return
        os.close(read)
        code = 0
        try:
            cpu_s, _, _ = timed(action)
            own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            report = {"cpu_s": cpu_s, "peak_rss_mb": max(own, workers)}
        except BaseException as error:  # reported to the parent, which raises
            report, code = {"error": repr(error)}, 1
        with os.fdopen(write, "w") as out:
            json.dump(report, out)
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as received:
        report = json.loads(received.read())
    os.waitpid(pid, 0)
    if "error" in report:
        raise RuntimeError(f"a step in its own process failed: {report['error']}")
    return report


def memory_lines(result: dict[str, Any]) -> list[str]:
    one, two = (result["steps"][s] for s in MEMORY_SCALES)
    lines = []
    for name in one:
        lines.append(
            f"M      {name:<12} peak {one[name]['peak_rss_mb']:>5.0f} MB at R, "
            f"{two[name]['peak_rss_mb']:>5.0f} MB at 2P ({result['rss_growth_in_parties'][name]:.2f}×); "
            f"CPU {one[name]['cpu_s']:.2f} → {two[name]['cpu_s']:.2f} s, exponent in parties "
            f"{result['cpu_exponent_in_parties'].get(name, float('nan')):.2f}"
        )
    return lines


# -- the demo, wall clock -----------------------------------------------------------------------


def demo_wall(rounds: int) -> dict[str, float]:
    """``planmonitor demo`` in a fresh folder: wall seconds and CPU seconds (with children)."""
    folder = Path(tempfile.mkdtemp(prefix="planmonitor-bench-demo-"))
    try:
        shutil.copy(REPO / "config.toml", folder / "config.toml")
        env = {**os.environ, "PYTHONPATH": str(Path(pipeline.__file__).parent.parent)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline.cli",
                "--config",
                str(folder / "config.toml"),
                "demo",
                "--rondes",
                str(rounds),
            ],
            check=True,
            capture_output=True,
            env=env,
            cwd=folder,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return {"rounds": rounds, "wall_s": wall, "cpu_s": used}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- the runner ---------------------------------------------------------------------------------


def exponents(results: list[dict[str, Any]], kind: str = "steps") -> dict[str, float]:
    """Growth exponent of each step's CPU (or each anchor's, ``kind="anchors"``: what the work
    itself grows by) from R to 2R: log(t2/t1) / log(2), both parties and projects doubled
    (1 = linear in the region's size, 2 = quadratic)."""
    by_scale = {r["scale"]: r for r in results}
    if "R" not in by_scale or "2R" not in by_scale:
        return {}
    one, two = by_scale["R"], by_scale["2R"]
    size = (two["parties"] * two["projects"] / (one["parties"] * one["projects"])) ** 0.5
    return {
        name: math.log(_cpu(two[kind][name]) / _cpu(one[kind][name])) / math.log(size)
        for name in one[kind]
        if _cpu(one[kind][name]) > 0 and _cpu(two[kind].get(name, 0.0)) > 0
    }


def beyond_floor(results: list[dict[str, Any]], step: str = "collect") -> float | None:
    """Growth exponent, R to 2R, of what ``step`` costs beyond the I/O floor: the part its own
    code adds to hashing and durably writing the bytes of every party's workbook twice, which
    ``collect`` (archive and receipt) and ``issue`` (party folder and archive) both must do,
    ``collect`` reading them first. None without both scales, or when the step costs no more
    than the floor."""
    by_scale = {r["scale"]: r for r in results}
    if "R" not in by_scale or "2R" not in by_scale:
        return None
    one, two = by_scale["R"], by_scale["2R"]
    extra = [r["steps"][step]["cpu_s"] - r["anchors"]["io_floor_cpu_s"] for r in (one, two)]
    if min(extra) <= 0:
        return None
    size = (two["parties"] * two["projects"] / (one["parties"] * one["projects"])) ** 0.5
    return math.log(extra[1] / extra[0]) / math.log(size)


def _cpu(measured: float | dict[str, float]) -> float:
    """CPU seconds of a step (a dict of figures) or of an anchor (the figure itself)."""
    return measured["cpu_s"] if isinstance(measured, dict) else measured


def verdicts(
    results: list[dict[str, Any]], growth: dict[str, float], demo: dict[str, float] | None
) -> list[dict[str, Any]]:
    by_scale = {r["scale"]: r for r in results}
    out = []
    for name, (scale, op, limit, what) in TARGETS.items():
        if scale not in by_scale:
            continue
        result = by_scale[scale]
        value = result.get("ratios", {}).get(name, result.get(name))
        ok = value >= limit if op == ">=" else value <= limit
        out.append(
            {
                "target": name,
                "scale": scale,
                "what": what,
                "value": value,
                "limit": f"{op} {limit:g}",
                "pass": ok,
            }
        )
    for step, exponent in growth.items():
        out.append(
            {
                "target": f"growth_{step}",
                "scale": "R→2R",
                "what": f"{step}: exponent",
                "value": exponent,
                "limit": f"<= {EXPONENT_LIMIT}",
                "pass": exponent <= EXPONENT_LIMIT,
            }
        )
    national = by_scale.get(NATIONAL)
    if national is not None:
        mean = national["region_cpu_s"]["mean"]
        out.append(
            {
                "target": "national_region_cpu_s",
                "scale": NATIONAL,
                "what": "a region's whole round in N, mean CPU s",
                "value": mean,
                "limit": "<= 60",
                "pass": mean <= 60,
            }
        )
        if national["rollup_growth"] is not None:
            out.append(
                {
                    "target": "growth_rollup",
                    "scale": NATIONAL,
                    "what": "national roll-up: exponent in regions",
                    "value": national["rollup_growth"],
                    "limit": f"<= {EXPONENT_LIMIT}",
                    "pass": national["rollup_growth"] <= EXPONENT_LIMIT,
                }
            )
    if demo is not None:
        out.append(
            {
                "target": "demo_wall_s",
                "scale": "demo",
                "what": "planmonitor demo wall s",
                "value": demo["wall_s"],
                "limit": "<= 60",
                "pass": demo["wall_s"] <= 60,
            }
        )
    return out


def table(results: list[dict[str, Any]], checks: list[dict[str, Any]]) -> str:
    lines = [f"{'scale':<6} {'step':<12} {'cpu s':>8} {'wall s':>8}"]
    for result in results:
        if result["scale"] == NATIONAL:
            lines += national_lines(result)
            continue
        if result["scale"] == MEMORY:
            lines += memory_lines(result)
            continue
        for name, step in result["steps"].items():
            line = f"{result['scale']:<6} {name:<12} {step['cpu_s']:>8.2f} {step['wall_s']:>8.2f}"
            if "pool_cpu_s" in step:
                line += f"   (worker pool: {step['pool_cpu_s']:.2f} cpu, {step['pool_wall_s']:.2f} wall)"
            lines.append(line)
        for name, value in result["anchors"].items():
            lines.append(f"{result['scale']:<6} {name:<24} {value:>8.2f} (anchor)")
        for name, value in result["ratios"].items():
            if name not in TARGETS:  # shown, without a target of the issue's
                lines.append(f"{result['scale']:<6} {name:<24} {value:>8.2f} (ratio)")
        lines.append(
            f"{result['scale']:<6} round {result['round_cpu_s']:.1f} s CPU, "
            f"peak {result['peak_rss_mb']:.0f} MB ({result['parties']} parties, "
            f"{result['projects']} projects)"
        )
    lines.append("")
    for check in checks:
        lines.append(
            f"{'PASS' if check['pass'] else 'FAIL'}  {check['target']:<26} "
            f"{check['scale']:<6} {check['value']:>8.2f} {check['limit']:<8} "
            f"{check['what']}"
        )
    return "\n".join(lines)


def national_lines(result: dict[str, Any]) -> list[str]:
    spent = result["region_cpu_s"]
    rollup = ", ".join(f"{k} regions {v:.2f} s" for k, v in result["rollup_cpu_s"].items())
    how = "extrapolated from" if result["extrapolated"] else "all"
    return [
        f"N      {result['regions_run']} of {result['regions_in_country']} regions like R run "
        f"in {result['wall_s']:.0f} s wall: a region's round {spent['mean']:.1f} s CPU "
        f"(min {spent['min']:.1f}, max {spent['max']:.1f})",
        f"N      the country's round {result['country_round_cpu_s'] / 60:.1f} CPU minutes "
        f"({how} the regions run), peak {result['peak_rss_mb']:.0f} MB",
        f"N      roll-up {rollup}; pandas concat+groupby "
        f"{result['anchors']['pandas_concat_groupby_cpu_s']:.2f} s (anchor)",
    ]


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scales",
        default="demo,R,2R,M,N",
        help=f"of {', '.join([*SCALES, MEMORY, NATIONAL])}",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=8,
        help="parties whose workbooks openpyxl's plain writer writes",
    )
    parser.add_argument(
        "--filled",
        type=int,
        default=6,
        help="parties that fill their workbook in (the rest save it unchanged)",
    )
    parser.add_argument(
        "--demo-rounds",
        type=int,
        default=2,
        help="rounds of `planmonitor demo` timed on the wall clock (0: skip)",
    )
    parser.add_argument(
        "--national-budget",
        type=float,
        default=600.0,
        help="wall seconds for the regions of scale N (the rest are extrapolated)",
    )
    parser.add_argument("--label", default="run", help="name of the results file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == NATIONAL:
        json.dump(measure_national(args.sample, args.filled, args.national_budget), sys.stdout)
        return 0
    if args.child == MEMORY:
        json.dump(measure_memory(args.filled), sys.stdout)
        return 0
    if args.child:
        json.dump(measure(args.child, args.sample, args.filled), sys.stdout)
        return 0
    results = []
    load = os.getloadavg()
    for scale in args.scales.split(","):
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                scale,
                "--sample",
                str(args.sample),
                "--filled",
                str(args.filled),
                "--national-budget",
                str(args.national_budget),
            ],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
        )
        if done.returncode:
            sys.stderr.write(done.stderr)
            return done.returncode
        results.append(json.loads(done.stdout))
        print(f"{scale} done: {json.dumps(results[-1])}", file=sys.stderr)
    demo = demo_wall(args.demo_rounds) if args.demo_rounds else None
    return summarise(results, demo, args.label, load)


def summarise(
    results: list[dict[str, Any]],
    demo: dict[str, float] | None,
    label: str,
    load: tuple[float, float, float],
) -> int:
    """Print the table and the verdicts of the scales measured and write them as JSON."""
    growth = exponents(results)
    anchor_growth = exponents(results, "anchors")
    collect_own = beyond_floor(results)
    issue_own = beyond_floor(results, "issue")
    checks = verdicts(results, growth, demo)
    print(table(results, checks))
    for name, exponent in anchor_growth.items():
        print(f"growth of the anchor {name} R→2R: {exponent:.2f}")
    if collect_own is not None:
        print(f"growth of collect beyond its I/O floor R→2R: {collect_own:.2f}")
    if issue_own is not None:
        print(f"growth of issue beyond the I/O floor R→2R: {issue_own:.2f}")
    if demo is not None:
        print(
            f"demo: {demo['rounds']} rounds, {demo['wall_s']:.1f} s wall, {demo['cpu_s']:.1f} s CPU"
        )
    print(
        f"load average at start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = RESULTS / f"{label}-{stamp}.json"
    target.write_text(
        json.dumps(
            {
                "label": label,
                "commit": git_commit(),
                "pipeline": str(Path(pipeline.__file__).parent),
                "python": sys.version.split()[0],
                "openpyxl": openpyxl.__version__,
                "load_average": load,
                "cores": os.cpu_count(),
                "results": results,
                "growth_exponents": growth,
                "anchor_growth_exponents": anchor_growth,
                "collect_beyond_floor_exponent": collect_own,
                "issue_beyond_floor_exponent": issue_own,
                "demo": demo,
                "targets": checks,
                "passed": all(c["pass"] for c in checks),
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"written {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
