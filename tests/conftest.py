"""Shared fixtures: a configuration with its folders in a temporary directory, and a state
initialised with the demo region (generated once per session, copied per test)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.core import config as config_module
from pipeline.core.config import Config, Paths
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


@pytest.fixture
def state(config: Config, _demo_database: Path) -> Iterator[State]:
    """A state holding the demo region and its first monitor."""
    config.paths.database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_demo_database, config.paths.database)
    with State(config.paths.database) as opened:
        yield opened
