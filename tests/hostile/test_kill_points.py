"""Kill -9 at every named step of a merge, recover with the next command, compare.

Merge, the archive record, the monitor workbook, publishing and the next round's workbooks are
one unit with a journal in the state. A child process runs the merge and is killed (SIGKILL) at
one step; the next ``merge`` completes what is pending. The recovered state must equal that of
a clean run, and ``rebuild`` from the archive must equal the recovered state.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from hostile.tools import Clock, copy_round
from pipeline.core.config import Config
from pipeline.core.faults import ENVIRONMENT
from pipeline.stages.merge import STEPS, merge_round, pending_work
from pipeline.stages.rebuild import rebuild
from pipeline.stages.session import open_session
from pipeline.state.database import State

pytestmark = pytest.mark.slow

# Every named step where the process may die, in the order a merge reaches them.
KILL_POINTS = [
    "merge-checked",
    "merge-applied",
    "merge-committed",
    *(f"{step}-done" for step in STEPS),
    "issue-party:2",
]


def _merge(config: Config, kill_at: str | None) -> None:
    if kill_at:
        os.environ[ENVIRONMENT] = kill_at
    with open_session(config) as session:
        merge_round(session, clock=Clock())


def _run_child(config: Config, kill_at: str | None) -> int | None:
    child = multiprocessing.get_context("fork").Process(target=_merge, args=(config, kill_at))
    child.start()
    child.join(300)
    return child.exitcode


def comparable(config: Config) -> dict[str, Any]:
    """The state's content, without what depends on the moment of issue (file hashes)."""
    with State(config.paths.database) as state:
        dump = state.dump()
    dump["issued"] = [row[:4] for row in dump["issued"]]
    return dump


def published(config: Config) -> list[str]:
    return sorted(p.name for p in config.paths.storage.rglob("*.xlsx"))


@pytest.fixture(scope="module")
def clean(
    prepared: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], list[str]]:
    config = copy_round(prepared, tmp_path_factory.mktemp("schoon") / "ronde")
    assert _run_child(config, None) == 0
    return comparable(config), published(config)


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_killed_merge_recovers_to_the_clean_result(
    kill_at: str, prepared: Path, tmp_path: Path, clean: tuple[dict[str, Any], list[str]]
) -> None:
    config = copy_round(prepared, tmp_path / "ronde")
    assert _run_child(config, kill_at) == -signal.SIGKILL
    with open_session(config) as session:
        pending = pending_work(session.state)
        committed = kill_at not in {"merge-checked", "merge-applied"}
        assert bool(pending) == committed, pending
        merge_round(session, clock=Clock())
        assert pending_work(session.state) == []
    expected, files = clean
    assert comparable(config) == expected
    assert published(config) == files
    assert rebuild(config).equal_to_previous is True
