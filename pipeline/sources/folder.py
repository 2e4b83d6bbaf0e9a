"""A region's starting point: its registry and first monitor, from the demo or a CSV folder."""

from __future__ import annotations

from pathlib import Path

from ..core import Config, ConfigError, Monitor, Municipality, Pillar, Region, read_parties
from . import demo_region
from .tabular import read_csv_records


def read_region(config: Config) -> tuple[Region, Monitor]:
    """The registry and first monitor of the configured region source: the demo or a folder."""
    if config.region_source == "demo":
        return demo_region.generate(config.catalogue, config.round, config.seed, config.region_name)
    return read_region_folder(config, config.root / config.region_source)


def read_region_folder(config: Config, folder: Path) -> tuple[Region, Monitor]:
    """A region from CSV files: municipalities, pillars, parties, projects, agreements."""
    if not folder.is_dir():
        raise ConfigError(f"De regiomap {folder} bestaat niet (region.source in config.toml).")
    try:
        region, monitor = _read_folder(config, folder)
    except KeyError as exc:
        raise ConfigError(
            f"In de regiomap {folder} mist een kolom {exc} in een van de CSV-bestanden. Zie "
            "docs/secretaris.md voor de kolommen van elk bestand."
        ) from exc
    _check_codes(folder, region, monitor)
    return region, monitor


def _read_folder(config: Config, folder: Path) -> tuple[Region, Monitor]:
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


def _check_codes(folder: Path, region: Region, monitor: Monitor) -> None:
    """Every municipality, initiator and pillar a row names must be in the registry."""
    known = {
        "municipality": {m.code for m in region.municipalities},
        "initiator": {p.id for p in region.parties},
        "pillar": {p.number for p in region.pillars},
    }
    for entity, file_name in (("project", "projects.csv"), ("agreement", "agreements.csv")):
        for record in monitor.records(entity):  # type: ignore[arg-type]
            for key, codes in known.items():
                value = record.get(key)
                if key in record and value is not None and value not in codes:
                    raise ConfigError(
                        f"{folder / file_name}: {record.get(f'{entity}_id')} noemt {key} "
                        f"'{value}', die niet in het register van de regio staat."
                    )
