"""Setting up the state of a region: the registry and the monitor of its first round."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import demo_region
from .config import Config
from .errors import ConfigError
from .monitor import Monitor
from .region import Municipality, Pillar, Region, read_parties
from .state import State
from .tabular import read_csv_records


@dataclass(frozen=True)
class InitSummary:
    region: str
    round: str
    parties: int
    projects: int
    agreements: int
    created: bool


def initialise(config: Config, state: State, *, replace: bool = False) -> InitSummary:
    """Fill an empty state from the region source (the demo generator or a folder of CSV files).

    A state that already holds a region is left alone unless ``replace`` is given.
    """
    if state.initialised and not replace:
        region = state.region()
        round_ = state.latest_monitor_round() or config.round
        monitor = state.monitor(round_)
        return InitSummary(
            region.name,
            str(round_),
            len(region.parties),
            len(monitor.projects),
            len(monitor.agreements),
            created=False,
        )
    if config.region_source == "demo":
        region, monitor = demo_region.generate(
            config.catalogue, config.round, config.seed, config.region_name
        )
    else:
        region, monitor = read_region_folder(config, config.root / config.region_source)
    with state.transaction():
        state.save_region(region)
        state.open_round(config.round)
        state.save_monitor(config.round, monitor, created_by=None)
    return InitSummary(
        region.name,
        str(config.round),
        len(region.parties),
        len(monitor.projects),
        len(monitor.agreements),
        created=True,
    )


def read_region_folder(config: Config, folder: Path) -> tuple[Region, Monitor]:
    """A region from CSV files: municipalities, pillars, parties, projects, agreements."""
    if not folder.is_dir():
        raise ConfigError(f"De regiomap {folder} bestaat niet (region.source in config.toml).")
    municipalities = tuple(
        Municipality(r["code"], r["name"], r["subregion"])
        for r in read_csv_records(folder / "municipalities.csv")
    )
    pillars = tuple(
        Pillar(r["number"], r["name"]) for r in read_csv_records(folder / "pillars.csv")
    )
    parties = tuple(read_parties(folder / "parties.csv"))
    region = Region(config.region_name, municipalities, pillars, parties)
    projects = read_csv_records(folder / "projects.csv", config.catalogue, "project", config.round)
    agreements = read_csv_records(
        folder / "agreements.csv", config.catalogue, "agreement", config.round
    )
    return region, Monitor.from_records(projects, agreements)
