"""Benchmark of the workbook steps of a round, as ratios against plain openpyxl and pandas.

Run ``python bench/run.py --help``; see bench/README.md for what is measured and how to read it.
Each scale runs in its own process (so its peak memory is its own); inside it every measured step
alternates with its baseline, and CPU time (not wall-clock) is compared, so the ratios survive a
busy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

import openpyxl
import pandas as pd
from scaled_region import SCALES, generate

import pipeline
from pipeline.core import config as config_module
from pipeline.core import layout
from pipeline.core.config import Config, Paths
from pipeline.demo import simulation
from pipeline.stages.check import check_bytes
from pipeline.stages.collect import collect
from pipeline.stages.issue import issue_round
from pipeline.stages.merge import apply_merge
from pipeline.stages.session import Session
from pipeline.state.archive import Archive
from pipeline.state.database import State
from pipeline.storage import open_storage
from pipeline.validation.schema import Context, validate
from pipeline.workbook.feedback import write_feedback
from pipeline.workbook.party import build_party_workbook, data_sheets, shown_value
from pipeline.workbook.reader import read_submission

STEPS = ("issue", "read", "validate", "feedback", "merge")
BASELINES = {
    "issue": "openpyxl writes the same cell grid, no styles",
    "read": "openpyxl read_only load, iterate the values of the sheets the reader reads",
    "validate": "one pandas .map over every cell of the same frames",
    "feedback": "openpyxl full load + save of the same submission",
    "merge": "N x the read baseline",
}


@dataclass
class Fixture:
    """Everything one scale's measurements work on, set up once."""

    config: Config
    session: Session
    database: Path
    saved: Path
    party: str
    plan: layout.WorkbookLayout
    grid: dict[str, list[list[Any]]]
    submission: bytes
    file_name: str
    submitters: list[str] = field(default_factory=list)


def cpu(action: Callable[[], object]) -> float:
    gc.collect()
    start = time.process_time()
    action()
    return time.process_time() - start


def peak_mb(action: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


# -- set-up -----------------------------------------------------------------------------------


def set_up(scale: str, base: Path, submitters: int) -> Fixture:
    """A state with the scaled region, issued to a few parties who filled in and sent back."""
    paths = Paths(state=base / "state", outputs=base / "uitvoer", storage=base / "opslag")
    config = config_module.load(REPO / "config.toml", paths=paths)
    region, monitor = generate(
        config.catalogue, config.round, config.seed, config.region_name, scale
    )
    state = State(config.paths.database)
    with state.transaction():
        state.save_region(region)
        state.open_round(config.round)
        state.save_monitor(config.round, monitor, created_by=None)
    archive = Archive(config.paths.archive)
    archive.write_base(region, config.round, monitor)
    session = Session(config, state, open_storage(config), archive)

    rng = random.Random(config.seed)
    roles = simulation.cast(region, monitor, rng, first_round=True)
    owners = monitor.projects["initiator"].value_counts()
    # The heaviest builders, with the parties that make a mistake first so feedback has cells.
    chosen = sorted(
        (p for p in roles.responders if p in owners and p != roles.xls),
        key=lambda p: (p not in roles.mistakes, -int(owners[p]), p),
    )[:submitters]
    issue_round(config, state, session.storage, party_ids=chosen)
    issued = {r.party: r.file_name for r in state.issued(config.round)}
    for party_id in chosen:
        party = region.party(party_id)
        data = session.storage.get_party_file(party, issued[party_id])
        filled = simulation.fill_in(
            data,
            party=party,
            region=region,
            monitor=monitor,
            catalogue=config.catalogue,
            round_=config.round,
            rng=rng,
            roles=roles,
        )
        session.storage.put_party_file(party, issued[party_id], filled)
    collect(session)

    measured = chosen[0]
    plan = layout.plan(
        config.catalogue,
        config.round,
        region,
        monitor,
        region.party(measured),
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
            [shown_value(c, row.get(c.key), region) for c in sheet.columns] for row in sheet.rows
        ]
        grid[sheet.layout.name] = rows
    party = region.party(measured)
    submission = session.storage.get_party_file(party, issued[measured])
    state.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    saved = base / "before-merge.sqlite"
    shutil.copy(config.paths.database, saved)
    return Fixture(
        config,
        session,
        config.paths.database,
        saved,
        measured,
        plan,
        grid,
        submission,
        issued[measured],
        chosen,
    )


# -- the steps and their baselines ------------------------------------------------------------


def plain_write(grid: dict[str, list[list[Any]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in grid.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def plain_read(data: bytes) -> int:
    book = openpyxl.load_workbook(BytesIO(data), read_only=True)
    count = 0
    for ws in book.worksheets:
        if ws.title == layout.SHEET_MONITOR:
            continue
        for row in ws.iter_rows(values_only=True):
            count += len(row)
    book.close()
    return count


def plain_frames(frames: list[pd.DataFrame]) -> int:
    return sum(
        int(f.map(lambda v: v is None or isinstance(v, str)).to_numpy().sum()) for f in frames
    )


def plain_round_trip(data: bytes) -> bytes:
    book = openpyxl.load_workbook(BytesIO(data))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def restore(fx: Fixture) -> None:
    """Put the state back as it was before the merge."""
    fx.session.state.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{fx.database}{suffix}").unlink(missing_ok=True)
    shutil.copy(fx.saved, fx.database)
    fx.session.state = State(fx.database)


def measure(scale: str, repeat: int, submitters: int) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix=f"planmonitor-bench-{scale}-"))
    try:
        return _measure(scale, base, repeat, submitters)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _measure(scale: str, base: Path, repeat: int, submitters: int) -> dict[str, Any]:
    started = time.process_time()
    fx = set_up(scale, base, submitters)
    setup_cpu = time.process_time() - started
    config, state = fx.config, fx.session.state
    region, monitor = state.region(), state.monitor(config.round)
    party = region.party(fx.party)
    path = Path(fx.file_name)
    result = read_submission(path, config, data=fx.submission)
    assert result.submission is not None, result.findings
    submission = result.submission
    context = Context(
        config.catalogue, config.round, region, party, monitor, config.max_findings_per_file
    )
    report = check_bytes(config, state, fx.submission, fx.file_name, fx.party)
    frames = [s.values for s in submission.sheets.values()]

    def merge() -> None:
        apply_merge(config, fx.session.state, fx.session.archive, config.round)

    steps: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "issue": (
            lambda: build_party_workbook(fx.plan, config, region, monitor),
            lambda: plain_write(fx.grid),
        ),
        "read": (
            lambda: read_submission(path, config, data=fx.submission),
            lambda: plain_read(fx.submission),
        ),
        "validate": (lambda: validate(submission, context), lambda: plain_frames(frames)),
        "feedback": (
            lambda: write_feedback(
                fx.submission, report.findings, party_name=party.name, round_=str(config.round)
            ),
            lambda: plain_round_trip(fx.submission),
        ),
        "merge": (merge, lambda: [plain_read(fx.submission) for _ in fx.submitters]),
    }
    out: dict[str, Any] = {}
    for name, (subject, baseline) in steps.items():
        subject_times, baseline_times = [], []
        for _ in range(repeat):
            baseline_times.append(cpu(baseline))
            subject_times.append(cpu(subject))
            if name == "merge":
                restore(fx)
        subject_peak = peak_mb(subject)
        if name == "merge":
            restore(fx)
        baseline_peak = peak_mb(baseline)
        out[name] = {
            "cpu_s": min(subject_times),
            "baseline_cpu_s": min(baseline_times),
            "ratio": min(subject_times) / min(baseline_times),
            "cpu_s_all": subject_times,
            "baseline_cpu_s_all": baseline_times,
            "peak_mb": subject_peak,
            "baseline_peak_mb": baseline_peak,
            "peak_ratio": subject_peak / baseline_peak if baseline_peak else None,
            "baseline": BASELINES[name],
        }
    sheets = {name: (len(rows) - 2, len(rows[0]) if rows else 0) for name, rows in fx.grid.items()}
    fx.session.close()
    return {
        "scale": scale,
        "parties": len(region.parties),
        "projects": len(monitor.projects),
        "measured_party": fx.party,
        "sheets": sheets,
        "submitters": len(fx.submitters),
        "findings": len(report.findings),
        "workbook_bytes": len(fx.submission),
        "setup_cpu_s": setup_cpu,
        "repeat": repeat,
        "steps": out,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# -- the runner -------------------------------------------------------------------------------


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"{'scale':<7} {'step':<9} {'cpu s':>8} {'base s':>8} {'ratio':>6} "
        f"{'peak MB':>8} {'base MB':>8}"
    ]
    for result in results:
        for name, step in result["steps"].items():
            lines.append(
                f"{result['scale']:<7} {name:<9} {step['cpu_s']:>8.3f} "
                f"{step['baseline_cpu_s']:>8.3f} {step['ratio']:>6.2f} "
                f"{step['peak_mb']:>8.1f} {step['baseline_peak_mb']:>8.1f}"
            )
        lines.append(
            f"{result['scale']:<7} {'max rss':<9} {result['max_rss_mb']:>8.0f} MB "
            f"({result['parties']} parties, {result['projects']} projects, "
            f"merge of {result['submitters']})"
        )
    return "\n".join(lines)


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
    parser.add_argument("--scale", choices=[*SCALES, "all"], default="all")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per step (min counts)")
    parser.add_argument("--submitters", type=int, default=6, help="submissions in the merge")
    parser.add_argument("--label", default="run", help="name of the results file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        json.dump(measure(args.child, args.repeat, args.submitters), sys.stdout)
        return 0
    scales = list(SCALES) if args.scale == "all" else [args.scale]
    results = []
    for scale in scales:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                scale,
                "--repeat",
                str(args.repeat),
                "--submitters",
                str(args.submitters),
            ],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
        )
        if done.returncode:
            sys.stderr.write(done.stderr)
            return done.returncode
        results.append(json.loads(done.stdout))
    print(table(results))
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = RESULTS / f"{args.label}-{stamp}.json"
    target.write_text(
        json.dumps(
            {
                "label": args.label,
                "commit": git_commit(),
                "pipeline": str(Path(pipeline.__file__).parent),
                "python": sys.version.split()[0],
                "openpyxl": openpyxl.__version__,
                "results": results,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"written {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
