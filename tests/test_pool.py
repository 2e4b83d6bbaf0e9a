"""Issue and check on all cores: the same results, in the same order, with any number of workers."""

from __future__ import annotations

import io
import os
import threading
import zipfile

import pytest
from test_checked_rows import _change_two_rows
from test_merge import OTHER, Clock, edit, own_rows, session  # noqa: F401  (fixture)

from pipeline.core.layout import SHEET_OWN
from pipeline.demo.simulation import EditedWorkbook
from pipeline.stages.check import check_round
from pipeline.stages.pool import in_order
from pipeline.stages.session import Session


def test_in_order_runs_in_worker_processes_and_keeps_the_order() -> None:
    if threading.active_count() > 1:
        pytest.skip("another thread runs: the pool falls back to this process")
    results = list(in_order(lambda n: (n * n, os.getpid()), list(range(9)), workers=2))
    assert [square for square, _ in results] == [n * n for n in range(9)]
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids  # done by worker processes


def test_one_worker_runs_here() -> None:
    assert list(in_order(lambda n: os.getpid(), [1, 2, 3], workers=1)) == [os.getpid()] * 3


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        # the document times say when the feedback was written
        return {n: archive.read(n) for n in archive.namelist() if n != "docProps/core.xml"}


def test_check_gives_the_same_verdicts_rows_and_feedback_with_two_workers(
    session: Session,  # noqa: F811
) -> None:
    state = session.state
    base = state.monitor(session.config.round)

    def work(book: EditedWorkbook) -> None:
        book.set(SHEET_OWN, own_rows(book, base, OTHER)[0], "total_dwellings", "veel")

    edit(session, OTHER, work)
    _change_two_rows(session)  # the developer's, collected with the other's
    assert len(state.submissions(session.config.round)) == 2
    one = check_round(session, workers=1)
    kept = state.dump()
    first = {r.file: r.feedback.read_bytes() for r in one.reports if r.feedback}
    two = check_round(session, workers=2, recheck=True)
    assert state.dump() == kept
    assert [r.to_dict() for r in two.reports] == [r.to_dict() for r in one.reports]
    second = {r.file: r.feedback.read_bytes() for r in two.reports if r.feedback}
    assert first.keys() == second.keys() and first
    for name, data in first.items():
        assert _parts(second[name]) == _parts(data)
