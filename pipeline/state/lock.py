"""An operating-system lock so that two merges never run at once.

The lock is ``fcntl.flock`` on a lock file that is never removed: taking it is one atomic call,
the kernel releases it when the holding process ends in any way (also ``kill -9``), and there is
no window in which a second process could slip in. Who holds it (process id and start time) is
written into the file after the lock is taken, only to name the holder in the message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..core import LockHeld

# Lock files this process holds. A forked child (a worker of the process pool that writes the
# workbooks) closes its copies at once: flock belongs to the open file, so a child that kept it
# would keep the lock after the holder died.
_HELD: set[int] = set()


def _forget_in_child() -> None:
    for handle in _HELD:
        with contextlib.suppress(OSError):
            os.close(handle)  # closing a copy never releases the parent's lock
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_in_child)


@contextmanager
def held(path: Path, what: str) -> Iterator[None]:
    """Hold the lock at ``path`` for the duration of the block; LockHeld when another has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(_held_message(handle, what)) from None
        started = dt.datetime.now().isoformat(timespec="seconds")
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()} {started} {what}".encode(), 0)
        _HELD.add(handle)
        try:
            yield
        finally:
            _HELD.discard(handle)
            os.ftruncate(handle, 0)  # the file stays: removing it would let two locks exist
    finally:
        os.close(handle)  # closing releases the lock


def _held_message(handle: int, what: str) -> str:
    try:
        text = os.pread(handle, 300, 0).decode("utf-8", "replace")
    except OSError:
        text = ""
    pid, since, doing = ([*text.split(" ", 2), "", "", ""])[:3]
    holder = f"proces {pid}, gestart {since}" if pid.isdigit() else "zojuist gestart"
    return (
        f"Er loopt al een {doing.strip() or what} ({holder}). Wacht tot die klaar is en probeer "
        "het dan opnieuw. Het slot verdwijnt vanzelf zodra dat proces stopt, ook als het is "
        "afgebroken."
    )
