"""State and history: the SQLite state database (registry, cells per round, change log), the
append-only archive of everything received and written, and the merge lock.
"""

from __future__ import annotations

from .archive import Archive, MergeRecord
from .database import Change, IssueRecord, MergeResult, State, SubmissionRecord
from .lock import held

__all__ = [
    "Archive",
    "Change",
    "IssueRecord",
    "MergeRecord",
    "MergeResult",
    "State",
    "SubmissionRecord",
    "held",
]
