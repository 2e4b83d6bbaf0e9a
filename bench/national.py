"""Benchmark of the national roll-up over N regions, as ratios against plain pandas.

Run ``python bench/national.py --help``; see bench/README.md ("The national roll-up"). The
generator writes N region exports of the demo region's size once (timed, not compared); then the
roll-up (read and check every export, compute every figure) and the whole overview (the roll-up
plus the progress note as PDF, the dashboard and the CSV) run ``--repeat`` times, each
alternating with the baseline: pandas reads every projecten.csv, concatenates them and sums the
dwelling columns per region with one groupby. CPU time is compared (``time.process_time``), and
peak Python memory under ``tracemalloc`` beside the baseline's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"

import pandas as pd  # noqa: E402

import pipeline  # noqa: E402
from pipeline.core import config as config_module  # noqa: E402
from pipeline.core.config import Config, Paths  # noqa: E402
from pipeline.national import build_national, generate_regions, read_exports, roll_up  # noqa: E402
from pipeline.stages.export import PROJECTS_FILE  # noqa: E402

SUMMED = ("total_dwellings", "completed", "social_rent", "mid_rent", "affordable_buy")


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


def baseline(folders: list[Path]) -> pd.DataFrame:
    """The plain anchor: read every region's projects, concatenate, one groupby."""
    frames = []
    for folder in folders:
        frame = pd.read_csv(folder / PROJECTS_FILE, encoding="utf-8-sig")
        frame["region"] = folder.name
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    planning = [c for c in table.columns if c.startswith("planning_")]
    return table.groupby("region")[[*SUMMED, *planning]].sum()


def config_in(base: Path) -> Config:
    paths = Paths(state=base / "state", outputs=base / "uitvoer", storage=base / "opslag")
    return config_module.load(REPO / "config.toml", paths=paths)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=35, help="how many regions (default 35)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per step (default 3)")
    parser.add_argument("--label", default="national", help="name of the results file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-national-") as tmp:
        base = Path(tmp)
        config = config_in(base)
        started = time.process_time()
        made = generate_regions(config, base / "exports", args.regions)
        generate_cpu = time.process_time() - started
        folders = [m.export.folder for m in made]
        projects = sum(m.export.projects for m in made)
        catalogue = config.catalogue

        def rollup() -> object:
            exports, refused = read_exports(folders, catalogue)
            assert not refused, refused
            return roll_up(exports, catalogue)

        def overview() -> object:
            return build_national(folders, catalogue, base / "landelijk")

        def plain() -> object:
            return baseline(folders)

        steps = {"roll-up": rollup, "overview": overview}
        times: dict[str, list[float]] = {name: [] for name in steps}
        anchor: list[float] = []
        for _ in range(args.repeat):
            for name, action in steps.items():
                anchor.append(cpu(plain))
                times[name].append(cpu(action))
        peaks = {"roll-up": peak_mb(rollup), "baseline": peak_mb(plain)}

    best_anchor = min(anchor)
    rows = {
        name: {"cpu_s": min(values), "ratio": min(values) / best_anchor}
        for name, values in times.items()
    }
    print(f"National roll-up: {args.regions} regions, {projects} projects")
    print(f"  generator: {generate_cpu:.1f} s CPU (once, not compared)")
    print(f"  baseline (pandas read_csv + concat + groupby): {best_anchor:.3f} s CPU")
    for name, row in rows.items():
        print(f"  {name:<9} {row['cpu_s']:8.2f} s CPU   ratio {row['ratio']:6.1f}")
    print(
        f"  peak Python memory: roll-up {peaks['roll-up']:.0f} MB, baseline "
        f"{peaks['baseline']:.0f} MB (ratio {peaks['roll-up'] / peaks['baseline']:.1f}); "
        f"max rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    result = {
        "regions": args.regions,
        "projects": projects,
        "repeat": args.repeat,
        "generate_cpu_s": generate_cpu,
        "baseline_cpu_s": best_anchor,
        "steps": rows,
        "peak_mb": peaks,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "commit": commit,
        "pipeline": str(Path(pipeline.__file__).parent),
    }
    path = RESULTS / f"{args.label}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"  written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
