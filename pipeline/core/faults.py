"""Named points where a test may kill the process, to prove that every step can be recovered.

Only tests set ``PLANMONITOR_TEST_KILL_AT``: ``<step>`` kills the process the first time it
reaches that step, ``<step>:<n>`` the n-th time. The process is killed with SIGKILL, as a power
cut or ``kill -9`` would: no clean-up, no ``finally``, no flushing.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

ENVIRONMENT = "PLANMONITOR_TEST_KILL_AT"
_reached: dict[str, int] = {}


def checkpoint(step: str) -> None:
    """Mark that ``step`` is done; dies here when a test asked for it."""
    wanted = os.environ.get(ENVIRONMENT)
    if not wanted:
        return
    name, _, count = wanted.partition(":")
    if name != step:
        return
    _reached[step] = _reached.get(step, 0) + 1
    if _reached[step] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Let the kernel kill this (worker) process when its parent dies, even by SIGKILL.

    Without it a pool worker of a killed merge lives on, waiting for work that never comes.
    Linux only; elsewhere nothing happens.
    """
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
