"""The current time, in one place: UTC, as ISO 8601 text (how the state and archive keep it)."""

from __future__ import annotations

import datetime as dt
from typing import Literal


def now(timespec: Literal["seconds", "microseconds"] = "seconds") -> str:
    """The current UTC time as ISO 8601 text, to the second unless asked finer."""
    return dt.datetime.now(dt.UTC).isoformat(timespec=timespec)
