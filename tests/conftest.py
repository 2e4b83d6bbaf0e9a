"""Shared fixtures: a configuration with its folders in a temporary directory, and a state
initialised with the demo region (generated once per session, copied per test)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM, Browser

from pipeline.core import config as config_module
from pipeline.core.config import Config, Paths
from pipeline.core.monitor import Monitor
from pipeline.sources import demo_region
from pipeline.stages.init import initialise
from pipeline.state.database import State

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def make_config(base: Path, **overrides: object) -> Config:
    paths = Paths(state=base / "state", outputs=base / "uitvoer", storage=base / "opslag")
    return config_module.load(REPO / "config.toml", paths=paths, **overrides)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture(scope="session")
def _demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("demo")
    cfg = make_config(base)
    with State(cfg.paths.database) as state:
        initialise(cfg, state)
        state.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return cfg.paths.database


# A few parties and municipalities of the demo region: enough for every kind of row (own,
# municipal, new, withdrawn) at a tenth of the size, for tests about the flow rather than scale.
SMALL_PARTIES = ("P031", "P039")
SMALL_MUNICIPALITIES = ("GM0274", "GM0293")


@pytest.fixture(scope="session")
def _small_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("small")
    cfg = make_config(base)
    region, monitor = demo_region.generate(cfg.catalogue, cfg.round, cfg.seed, cfg.region_name)
    roles = cfg.catalogue.roles
    projects = monitor.projects
    kept = projects[
        projects[roles.initiator].isin(SMALL_PARTIES)
        | projects[roles.municipality].isin(SMALL_MUNICIPALITIES)
    ]
    with State(cfg.paths.database) as state:
        with state.transaction():
            state.save_region(region)
            state.open_round(cfg.round)
            state.save_monitor(cfg.round, Monitor(kept, monitor.agreements))
        state.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return cfg.paths.database


@pytest.fixture
def small_state(config: Config, _small_database: Path) -> Iterator[State]:
    """A state holding the demo region with only the projects of a few parties."""
    config.paths.database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_small_database, config.paths.database)
    with State(config.paths.database) as opened:
        yield opened


@pytest.fixture
def state(config: Config, _demo_database: Path) -> Iterator[State]:
    """A state holding the demo region and its first monitor."""
    config.paths.database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_demo_database, config.paths.database)
    with State(config.paths.database) as opened:
        yield opened


# One headless Chromium for the browser tests of a module (skipped where there is none).
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium (/usr/bin/chromium) ontbreekt")
    with Browser() as opened:
        yield opened
