"""Independent work per party on all cores: a bounded process pool that keeps the input order.

Issuing and checking are the same work for every party and share nothing but what they read.
``in_order`` runs a job for each item in worker processes (forked, so they inherit the prepared
job instead of receiving it pickled) and yields the results in the order of the items, with at
most two items per worker under way: memory stays bounded and the caller stores each result as
it comes, so what is written does not depend on the number of workers.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from ..core import die_with_parent

Item = TypeVar("Item")
Result = TypeVar("Result")

_JOB: Callable[[Any], Any] | None = None


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def in_order(
    job: Callable[[Item], Result], items: Sequence[Item], workers: int | None = None
) -> Iterator[Result]:
    """``job(item)`` for every item, in order, computed by up to ``workers`` processes
    (default: one per usable core). Items and results are pickled; the job reaches the workers
    by fork, as it is."""
    count = min(workers or usable_cores(), len(items))
    # Forking a process that runs other threads can deadlock it; then this process does all.
    if count <= 1 or threading.active_count() > 1 or "fork" not in _methods():
        yield from map(job, items)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(count, context, initializer=_adopt, initargs=(job,)) as pool:
        waiting: deque[Future[Result]] = deque()
        queue = iter(items)
        for item in itertools.islice(queue, 2 * count):
            waiting.append(pool.submit(_run, item))
        while waiting:
            result = waiting.popleft().result()
            for item in itertools.islice(queue, 1):
                waiting.append(pool.submit(_run, item))
            yield result


def _methods() -> list[str]:
    return multiprocessing.get_all_start_methods()


def _adopt(job: Callable[[Any], Any]) -> None:
    global _JOB
    _JOB = job
    die_with_parent()  # a worker of a killed run must not live on


def _run(item: Any) -> Any:
    assert _JOB is not None, "the worker was not given its job"
    return _JOB(item)
