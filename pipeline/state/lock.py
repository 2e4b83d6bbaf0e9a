"""A lock file so that two merges never run at once."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..core import LockHeld


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def held(path: Path, what: str) -> Iterator[None]:
    """Hold the lock at ``path``; a lock left by a process that no longer runs is taken over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            try:
                pid_text, _, since = path.read_text().partition(" ")
                pid = int(pid_text)
            except (OSError, ValueError):
                pid, since = -1, "?"
            if pid > 0 and _alive(pid):
                raise LockHeld(
                    f"Er loopt al een {what} (proces {pid}, gestart {since.strip()}). Wacht tot "
                    f"die klaar is en probeer het dan opnieuw. Is er zeker geen {what} bezig, "
                    f"verwijder dan {path}."
                ) from None
            path.unlink(missing_ok=True)  # left behind by a process that died
    else:
        raise LockHeld(f"Het slot {path} kan niet worden gezet.")
    try:
        started = dt.datetime.now().isoformat(timespec="seconds")
        os.write(handle, f"{os.getpid()} {started}".encode())
        os.close(handle)
        yield
    finally:
        path.unlink(missing_ok=True)
