"""A starting region folder: what ``planmonitor nieuw`` writes, so a region lives on its own.

The files are package data (``starter/``): a config.toml with comments and an example of every
list a region imports, small enough to read and correct enough that ``init`` and ``issue`` run on
it as they are.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ..core import ConfigError, write_atomic

STARTER = resources.files("pipeline.sources") / "starter"


def write_starter(folder: Path) -> list[Path]:
    """Write the starting files into ``folder`` (new or empty); the paths written, in order."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(
            f"De map {folder} bestaat al en is niet leeg. Kies een nieuwe map; planmonitor "
            "overschrijft niets."
        )
    written: list[Path] = []
    _copy(STARTER, folder, written)
    return written


def _copy(source: Traversable, target: Path, written: list[Path]) -> None:
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        if item.is_dir():
            _copy(item, target / item.name, written)
        elif not item.name.startswith((".", "__")):
            path = target / item.name
            write_atomic(path, item.read_bytes())
            written.append(path)
