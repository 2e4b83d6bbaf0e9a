"""Setting up the state of a region: the registry and the monitor of its first round."""

from __future__ import annotations

from dataclasses import dataclass

from ..core import Config
from ..sources import read_region
from ..state import State


@dataclass(frozen=True)
class InitSummary:
    region: str
    round: str
    parties: int
    projects: int
    agreements: int
    created: bool


def initialise(config: Config, state: State) -> InitSummary:
    """Fill an empty state from the region source (the demo generator or a folder of CSV files).

    A state that already holds a region is left alone.
    """
    if state.initialised:
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
    region, monitor = read_region(config)
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
