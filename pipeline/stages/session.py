"""A session: the configuration, state, storage and archive one command works with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core import Config
from ..state import Archive, State
from ..storage import Storage, open_storage
from .init import InitSummary, StartCheck, initialise


@dataclass
class Session:
    """What a command needs; ``config.round`` is the round in progress according to the state."""

    config: Config
    state: State
    storage: Storage
    archive: Archive

    def close(self) -> None:
        self.state.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_session(
    config: Config, storage: Storage | None = None, *, notify: Callable[[str], None] | None = None
) -> Session:
    """Open the state (setting up the region on first use) and the storage backend.

    ``notify`` shows messages a sign-in needs to show (the code of a device-code sign-in).
    """
    state = State(config.paths.database)
    archive = Archive(config.paths.archive)
    if not state.initialised:
        set_up(config, state, archive)
    elif not archive.has_base():
        first = state.snapshots()[0]  # a state set up before the archive was kept
        archive.write_base(state.region(), first, state.monitor(first))
    current = config.at(state.current_round(config.timeline.first))
    return Session(current, state, storage or open_storage(config, notify=notify), archive)


def set_up(
    config: Config, state: State, archive: Archive, check: StartCheck | None = None
) -> InitSummary:
    """Fill an empty state from the region source and keep the base in the archive."""
    summary = initialise(config, state, check)
    archive.write_base(state.region(), config.round, state.monitor(config.round))
    return summary
