"""The merge lock: an operating-system lock, so two merges started at once never both run."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

import pytest

from hostile.tools import Clock, copy_round
from pipeline.core.config import Config
from pipeline.core.errors import LockHeld
from pipeline.stages.merge import merge_round
from pipeline.stages.session import open_session
from pipeline.state.archive import Archive
from pipeline.state.lock import held


def _hold(path: Path, barrier: Any, inside: Any, overlaps: Any, ran: Any) -> None:
    barrier.wait()
    try:
        with held(path, "samenvoeging"):
            with inside.get_lock():
                inside.value += 1
                if inside.value > 1:
                    overlaps.value += 1
            ran.value += 1
            time.sleep(0.02)
            with inside.get_lock():
                inside.value -= 1
    except LockHeld:
        pass


def test_two_holders_at_the_same_instant_never_overlap(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for attempt in range(100):
        barrier = context.Barrier(2)
        inside, overlaps, ran = context.Value("i", 0), context.Value("i", 0), context.Value("i", 0)
        path = tmp_path / f"{attempt}.lock"
        children = [
            context.Process(target=_hold, args=(path, barrier, inside, overlaps, ran))
            for _ in range(2)
        ]
        for child in children:
            child.start()
        for child in children:
            child.join(30)
        assert overlaps.value == 0, f"attempt {attempt}: both held the lock"
        assert ran.value >= 1


def test_lock_is_released_when_the_holder_dies(tmp_path: Path) -> None:
    path = tmp_path / "samenvoegen.lock"
    context = multiprocessing.get_context("fork")

    def die_holding() -> None:
        with held(path, "samenvoeging"):
            import os
            import signal

            os.kill(os.getpid(), signal.SIGKILL)

    child = context.Process(target=die_holding)
    child.start()
    child.join(30)
    with held(path, "samenvoeging"):
        pass


def test_a_held_lock_is_refused_with_the_holder_named(tmp_path: Path) -> None:
    path = tmp_path / "samenvoegen.lock"
    with held(path, "samenvoeging"):
        refused = pytest.raises(LockHeld, match=r"Er loopt al een samenvoeging \(proces \d+")
        with refused, held(path, "samenvoeging"):
            pass


def _merge_at_once(config: Config, barrier: Any, outcome: Any) -> None:
    with open_session(config) as session:
        barrier.wait()
        try:
            merge_round(session, clock=Clock(), issue_next=False)
        except LockHeld:
            outcome.put("refused")
        else:
            outcome.put("ran")


@pytest.mark.slow
def test_two_merges_started_at_once_run_exactly_once(prepared: Path, tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for attempt in range(5):
        config = copy_round(prepared, tmp_path / str(attempt))
        barrier, outcome = context.Barrier(2), context.Queue()
        children = [
            context.Process(target=_merge_at_once, args=(config, barrier, outcome))
            for _ in range(2)
        ]
        for child in children:
            child.start()
        for child in children:
            child.join(300)
        results = sorted(outcome.get(timeout=5) for _ in children)
        assert results == ["ran", "refused"], f"attempt {attempt}: {results}"
        assert len(list(Archive(config.paths.archive).root.glob("*/samenvoeging-*.json"))) == 1
